"""The checks every participation channel shares: texts and flooding."""

import pytest
from django.core.cache import cache
from django.utils import translation

from cityhall.core.errors import DomainError
from cityhall.identity.tests import factories as f
from cityhall.participation.abuse import flood_check, flood_count, text_clean

pytestmark = pytest.mark.django_db


def test_text_is_kept_as_typed_but_trimmed():
    assert text_clean("  <b>你好</b>\r\n第二行  ", label="内容", limit=20) == "<b>你好</b>\n第二行"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "required"),
        ("   ", "required"),
        ("好" * 11, "too_long"),
        ("a\x00b", "control_characters"),
        ("短", "too_short"),
    ],
)
def test_bad_texts_are_refused_with_a_reason(value, code):
    with pytest.raises(DomainError) as refused:
        text_clean(value, label="内容", limit=10, minimum=2)
    assert refused.value.code == code
    assert "内容" in refused.value.message


def test_optional_text_may_be_empty():
    assert text_clean("", label="摘要", limit=10, required=False) == ""


def test_flooding_is_limited_per_account_and_action(settings):
    cache.clear()
    settings.CITYHALL_PARTICIPATION_RATE_LIMITS = {"comment": (2, 3600), "post": (1, 3600)}
    one, two = (
        f.citizen(home=f.community("440105001")),
        f.citizen(home=f.community("440105001"), name="李四"),
    )
    for _ in range(2):
        flood_check(one, "comment")
        flood_count(one, "comment")
    with pytest.raises(DomainError) as refused:
        flood_check(one, "comment")
    assert refused.value.code == "rate_limited"
    assert "1 小时" in refused.value.message and "已保留" in refused.value.message
    flood_check(two, "comment")  # another account is not affected
    flood_check(one, "post")  # nor another action


def test_the_flood_message_reads_as_two_sentences_in_english(settings):
    cache.clear()
    settings.CITYHALL_PARTICIPATION_RATE_LIMITS = {"comment": (1, 60)}
    resident = f.citizen(home=f.community("440105001"))
    flood_count(resident, "comment")
    with translation.override("en"), pytest.raises(DomainError) as refused:
        flood_check(resident, "comment")
    first, second = refused.value.message.split(". ", 1)
    assert first.isascii() and second.isascii() and "1 min" in first
