"""领导信箱 pages: public mailboxes, writing, the writer's own letters and tracking (nobody
else's), the handling unit's inbox and letter page (its own unit only), escaping, and overdue
letters on the supervision page."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cityhall.identity.models import UnitKind
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f
from cityhall.notify.models import Message
from cityhall.participation.mailbox import services
from cityhall.participation.models import Letter, LetterStatus, Mailbox
from cityhall.participation.tests.test_mailbox import (
    BODY,
    DISTRICT,
    WRITER_NAME,
    World,
    mailbox_world,
    write,
)

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"


@pytest.fixture
def w() -> World:
    return mailbox_world()


def signed_in(account) -> Client:
    return f.signed_in(Client(), account)


def answered_and_published(w: World, **kwargs) -> Letter:
    letter = write(w, consent=True, **kwargs)
    services.letter_reply(letter=letter, text="路灯已于今日修复，感谢您的反映。", by=w.officer)
    return services.letter_publish(letter=letter, by=w.officer)


# --- Public pages -------------------------------------------------------------------------------


def test_mailboxes_are_grouped_by_level_and_closed_ones_hidden(client, w):
    district = Mailbox.objects.create(
        name="海珠区区长信箱", unit=f.unit(DISTRICT), addressee="区长"
    )
    city = Mailbox.objects.create(name="市长信箱", unit=f.unit("440100"), addressee="市长")
    closed = Mailbox.objects.create(
        name="已关闭的信箱", unit=f.unit(DISTRICT), addressee="副区长", is_active=False
    )
    page = client.get("/mailbox/")
    text = page.content.decode()
    assert page.status_code == 200
    assert text.index("市级") < text.index(city.name) < text.index("区级")
    assert text.index("区级") < text.index(district.name) < text.index("街道级")
    assert text.index("街道级") < text.index(w.mailbox.name)
    assert closed.name not in text
    assert client.get(f"/mailbox/{closed.pk}/").status_code == 404
    assert client.get("/mailbox/999999/").status_code == 404


def test_published_letters_show_without_the_writers_name(client, w):
    published = answered_and_published(w, subject="路灯不亮")
    private = write(w, consent=False, subject="私人来信不公开", writer=w.neighbour)
    services.letter_reply(letter=private, text="已答复。", by=w.officer)
    unanswered = write(w, consent=True, subject="尚未答复的信")
    page = client.get(f"/mailbox/{w.mailbox.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert published.subject in text and "路灯已于今日修复" in text and BODY in text
    assert private.subject not in text and unanswered.subject not in text
    assert WRITER_NAME not in text and w.writer.username not in text
    assert published.tracking_number not in text
    assert "登录后写信" in text  # anonymous visitors are asked to sign in to write
    services.letter_unpublish(letter=published, by=w.officer)
    assert published.subject not in client.get(f"/mailbox/{w.mailbox.pk}/").content.decode()


def test_the_public_page_does_not_query_per_letter(client, w, django_assert_max_num_queries):
    for n in range(6):
        answered_and_published(w, subject=f"来信{n}", writer=w.writer if n % 2 else w.neighbour)
    with django_assert_max_num_queries(12):
        page = client.get(f"/mailbox/{w.mailbox.pk}/")
    assert page.content.decode().count("<article") == 6


# --- Writing ------------------------------------------------------------------------------------


def test_a_resident_writes_and_gets_the_number_and_due_date(w):
    client = signed_in(w.writer)
    page = client.get(f"/mailbox/{w.mailbox.pk}/")
    text = page.content.decode()
    assert "同意公开我的来信和答复（不公开姓名）" in text
    assert 'name="consent_publish"' in text and "checked" not in text  # off by default
    answer = client.post(
        f"/mailbox/{w.mailbox.pk}/write/",
        {"subject": "路灯不亮", "body": BODY, "consent_publish": "on"},
        follow=True,
    )
    letter = Letter.objects.get(writer=w.writer)
    assert answer.redirect_chain[-1][0] == f"/mailbox/letters/{letter.pk}/"
    text = answer.content.decode()
    assert letter.tracking_number in text and letter.due_on.isoformat() in text
    assert letter.consent_publish and letter.status == LetterStatus.RECEIVED


def test_bad_letters_are_refused_with_the_text_kept(w):
    client = signed_in(w.writer)
    url = f"/mailbox/{w.mailbox.pk}/write/"
    empty = client.post(url, {"subject": "路灯不亮", "body": "   "})
    assert empty.status_code == 400 and 'role="alert"' in empty.content.decode()
    short = client.post(url, {"subject": "路灯不亮", "body": "太短了"})
    assert short.status_code == 400
    assert "至少 10 个字" in short.content.decode() and "路灯不亮" in short.content.decode()
    long = client.post(url, {"subject": "路" * 101, "body": BODY})
    assert long.status_code == 400
    too_much = client.post(url, {"subject": "路灯", "body": "长" * 3001})
    assert too_much.status_code == 400
    assert not Letter.objects.exists()


def test_flooding_is_refused_and_what_was_typed_is_kept(w, settings):
    settings.CITYHALL_PARTICIPATION_RATE_LIMITS = {
        **settings.CITYHALL_PARTICIPATION_RATE_LIMITS,
        "letter": (2, 3600),
    }
    client = signed_in(w.writer)
    url = f"/mailbox/{w.mailbox.pk}/write/"
    for n in range(2):
        assert client.post(url, {"subject": f"第{n}封", "body": BODY}).status_code == 302
    third = client.post(url, {"subject": "第三封信", "body": BODY + "补充"})
    text = third.content.decode()
    assert third.status_code == 400 and "提交过于频繁" in text
    assert "第三封信" in text and BODY + "补充" in text
    assert Letter.objects.filter(writer=w.writer).count() == 2


def test_only_residents_write(client, w):
    url = f"/mailbox/{w.mailbox.pk}/write/"
    anonymous = client.post(url, {"subject": "路灯", "body": BODY})
    assert anonymous.status_code == 302 and "/accounts/signin/" in anonymous["Location"]
    assert signed_in(w.officer).post(url, {"subject": "路灯", "body": BODY}).status_code == 403
    assert signed_in(w.writer).get(url).status_code == 405
    assert not Letter.objects.exists()


def test_script_in_a_letter_is_shown_as_text_everywhere(w):
    letter = write(w, consent=True, subject=SCRIPT, body=f"{SCRIPT} 路灯坏了两个星期")
    reply = f"{SCRIPT} 已修复"
    services.letter_reply(letter=letter, text=reply, by=w.officer)
    services.letter_publish(letter=letter, by=w.officer)
    message = Message.objects.get(recipient=w.writer, template="letter_answered")
    assert SCRIPT in message.body  # stored as typed (plain text), escaped where shown
    pages = [
        (signed_in(w.writer), f"/mailbox/letters/{letter.pk}/"),
        (signed_in(w.writer), "/mailbox/mine/"),
        (signed_in(w.writer), f"/inbox/{message.pk}/"),
        (signed_in(w.officer), f"/mailbox/staff/letters/{letter.pk}/"),
        (signed_in(w.officer), "/mailbox/staff/?answered=1"),
        (Client(), f"/mailbox/{w.mailbox.pk}/"),
    ]
    for client, path in pages:
        text = client.get(path).content.decode()
        assert "<script>alert" not in text, path
        assert "&lt;script&gt;alert(" in text, path


# --- The writer's own letters -------------------------------------------------------------------


def test_another_resident_cannot_see_or_track_a_letter(w):
    letter = write(w, subject="只给本人看的信")
    neighbour = signed_in(w.neighbour)
    for path in (
        f"/mailbox/letters/{letter.pk}/",
        f"/mailbox/track/?number={letter.tracking_number}",
    ):
        page = neighbour.get(path)
        assert page.status_code == 404, path
        assert letter.subject not in page.content.decode()
    assert neighbour.post(f"/mailbox/letters/{letter.pk}/", {"rating": "1"}).status_code == 404
    assert letter.subject not in neighbour.get("/mailbox/mine/").content.decode()
    # Staff and anonymous visitors do not use the resident's pages at all.
    assert signed_in(w.officer).get(f"/mailbox/letters/{letter.pk}/").status_code == 403
    assert Client().get(f"/mailbox/letters/{letter.pk}/").status_code == 302


def test_the_writer_tracks_by_number_and_a_typo_is_caught(w):
    letter = write(w)
    client = signed_in(w.writer)
    typed = f" {letter.tracking_number[:8].lower()} {letter.tracking_number[8:]} "
    found = client.get("/mailbox/track/", {"number": typed})
    assert found.status_code == 302 and found["Location"] == f"/mailbox/letters/{letter.pk}/"
    number = letter.tracking_number
    typo = number[:-2] + str((int(number[-2]) + 1) % 10) + number[-1]
    wrong = client.get("/mailbox/track/", {"number": typo})
    assert wrong.status_code == 400 and "信件编号有误" in wrong.content.decode()
    assert client.get("/mailbox/track/").status_code == 200
    page = client.get(f"/mailbox/letters/{letter.pk}/").content.decode()
    assert "已收到" in page and "收到来信" in page and letter.due_on.isoformat() in page


def test_the_writer_sees_the_reply_and_rates_it_once(w):
    letter = write(w)
    client = signed_in(w.writer)
    assert 'name="rating"' not in client.get(f"/mailbox/letters/{letter.pk}/").content.decode()
    early = client.post(f"/mailbox/letters/{letter.pk}/", {"rating": "5"})
    assert early.status_code == 400 and "答复之后才能评价" in early.content.decode()
    services.letter_assign(letter=letter, handler=w.officer, by=w.publisher)
    services.letter_reply(letter=letter, text="路灯已修复。", by=w.officer)
    page = client.get(f"/mailbox/letters/{letter.pk}/").content.decode()
    assert "路灯已修复。" in page and 'name="rating"' in page
    assert w.officer.real_name not in page  # who handled it stays inside
    assert client.post(f"/mailbox/letters/{letter.pk}/", {"rating": "9"}).status_code == 400
    assert client.post(f"/mailbox/letters/{letter.pk}/", {"rating": "4"}).status_code == 302
    assert Letter.objects.get(pk=letter.pk).rating == 4
    again = client.post(f"/mailbox/letters/{letter.pk}/", {"rating": "1"})
    assert again.status_code == 400 and Letter.objects.get(pk=letter.pk).rating == 4
    assert "您已经评价过这次答复" in again.content.decode()
    mine = client.get("/mailbox/mine/").content.decode()
    assert letter.tracking_number in mine and "已答复" in mine


# --- The handling unit --------------------------------------------------------------------------


def test_staff_inbox_is_the_units_letters_by_due_date(w, django_assert_max_num_queries):
    now = timezone.now()
    later = write(w, subject="后到期", now=now)
    late = write(w, subject="早已超期", now=now - timedelta(days=30), writer=w.neighbour)
    client = signed_in(w.officer)
    with django_assert_max_num_queries(12):
        page = client.get("/mailbox/staff/")
    text = page.content.decode()
    assert page.status_code == 200
    assert text.index(late.tracking_number) < text.index(later.tracking_number)
    assert "已超期" in text and 'class="overdue"' in text
    stranger = signed_in(w.stranger).get("/mailbox/staff/").content.decode()
    assert late.tracking_number not in stranger and later.tracking_number not in stranger
    clerk = f.staff(unit=w.unit, roles=[Role.WINDOW_CLERK])
    assert signed_in(clerk).get("/mailbox/staff/").status_code == 403
    assert signed_in(w.writer).get("/mailbox/staff/").status_code == 403


def test_another_units_handler_gets_404(w):
    letter = write(w)
    stranger = signed_in(w.stranger)
    assert stranger.get(f"/mailbox/staff/letters/{letter.pk}/").status_code == 404
    answer = stranger.post(
        f"/mailbox/staff/letters/{letter.pk}/", {"action": "reply", "reply-reply": "已处理"}
    )
    assert answer.status_code == 404
    assert Letter.objects.get(pk=letter.pk).status == LetterStatus.RECEIVED


def test_staff_assign_reply_and_publish_through_the_page(w):
    letter = write(w, consent=True)
    client = signed_in(w.publisher)
    url = f"/mailbox/staff/letters/{letter.pk}/"
    page = client.get(url).content.decode()
    assert WRITER_NAME in page  # the handling unit knows who wrote
    assert client.post(url, {"action": "assign", "assign-handler": w.officer.pk}).status_code == 302
    assert Letter.objects.get(pk=letter.pk).handler == w.officer
    early = client.post(url, {"action": "publish"})
    assert early.status_code == 400 and "答复之后才能公开" in early.content.decode()
    empty = client.post(url, {"action": "reply", "reply-reply": " "})
    assert empty.status_code == 400
    assert client.post(url, {"action": "reply", "reply-reply": "已修复。"}).status_code == 302
    assert client.post(url, {"action": "publish"}).status_code == 302
    assert Letter.objects.get(pk=letter.pk).published_at is not None
    assert client.post(url, {"action": "unpublish"}).status_code == 302
    assert Letter.objects.get(pk=letter.pk).published_at is None
    assert client.post(url, {"action": "nonsense"}).status_code == 400


def test_publish_without_consent_is_refused_on_the_page(w):
    letter = write(w, consent=False)
    services.letter_reply(letter=letter, text="已答复。", by=w.officer)
    client = signed_in(w.officer)
    url = f"/mailbox/staff/letters/{letter.pk}/"
    assert "不能公开" in client.get(url).content.decode()
    refused = client.post(url, {"action": "publish"})
    assert refused.status_code == 400 and "没有同意公开" in refused.content.decode()
    assert Letter.objects.get(pk=letter.pk).published_at is None


def test_transfer_through_the_page(w):
    letter = write(w)
    centre = f.unit("440105001", kind=UnitKind.SERVICE_CENTRE)
    client = signed_in(w.officer)
    url = f"/mailbox/staff/letters/{letter.pk}/"
    assert centre.name in client.get(url).content.decode()
    outside = f.unit(DISTRICT)
    refused = client.post(url, {"action": "transfer", "transfer-unit": outside.pk})
    assert refused.status_code == 400
    moved = client.post(url, {"action": "transfer", "transfer-unit": centre.pk})
    assert moved.status_code == 302 and moved["Location"] == "/mailbox/staff/"
    assert Letter.objects.get(pk=letter.pk).handling_unit == centre
    assert client.get(url).status_code == 404


# --- Supervision --------------------------------------------------------------------------------


def test_overdue_letters_show_on_the_supervision_page_in_scope(w):
    late = write(w, now=timezone.now() - timedelta(days=40))
    on_time = write(w, writer=w.neighbour)
    page = signed_in(w.supervisor).get("/applications/supervision/")
    text = page.content.decode()
    assert page.status_code == 200 and "领导信箱超期来信" in text
    assert late.tracking_number in text and on_time.tracking_number not in text
    far = signed_in(w.far_supervisor).get("/applications/supervision/").content.decode()
    assert "领导信箱超期来信" in far and late.tracking_number not in far
    services.letter_reply(letter=late, text="已答复。", by=w.officer)
    after = signed_in(w.supervisor).get("/applications/supervision/").content.decode()
    assert late.tracking_number not in after and "当前没有超期来信" in after
