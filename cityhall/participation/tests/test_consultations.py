"""Consultations on drafts: publishing and article parsing, the comment window, supports,
moderation under the published policy, and the response report."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cityhall.core.errors import DomainError, NotFoundError, PermissionDeniedError
from cityhall.core.models import AuditEntry
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f
from cityhall.notify.models import Message
from cityhall.participation import services as information
from cityhall.participation.consultations import drafts, selectors, services
from cityhall.participation.consultations.demo import consultation_demo_build
from cityhall.participation.consultations.drafts import chinese_numeral, numeral_value
from cityhall.participation.models import (
    CommentSupport,
    Consultation,
    ConsultationComment,
    Disposition,
    DraftArticle,
    HideReason,
    Publication,
    Topic,
)

pytestmark = pytest.mark.django_db

DISTRICT = "440105"  # Haizhu
STREET = "440105001"
OTHER_DISTRICT = "440104"  # Yuexiu

DRAFT = """第一条【目的依据】为了规范社区长者饭堂的运营，根据有关规定，制定本办法。
第二条 本办法适用于本区行政区域内社区长者饭堂的设置、运营和监督管理。
第三条 长者饭堂应当公示菜单和价格，
并每周更新一次。
第四条 区民政局负责本办法的组织实施。"""


@pytest.fixture
def publisher():
    return f.staff(unit=f.unit(DISTRICT), roles=[Role.PUBLISHER])


@pytest.fixture
def other_publisher():
    return f.staff(unit=f.unit(OTHER_DISTRICT), roles=[Role.PUBLISHER])


@pytest.fixture
def resident():
    return f.citizen(home=f.community(STREET), name="陈小明")


@pytest.fixture
def neighbour():
    return f.citizen(home=f.community(STREET), name="李红")


def _create(publisher, *, draft=DRAFT, area=DISTRICT, opens_in=timedelta(0), days=30, **kw):
    now = timezone.now()
    return services.consultation_create(
        author=publisher,
        title=kw.pop("title", "海珠区社区长者饭堂管理办法（征求意见稿）"),
        summary=kw.pop("summary", "为规范长者饭堂运营，起草了本办法。"),
        area_code=area,
        opens_at=now + opens_in,
        closes_at=now + opens_in + timedelta(days=days),
        draft=draft,
    )


def _close(consultation):
    """Move the close date into the past, as time passing would."""
    now = timezone.now()
    Consultation.objects.filter(pk=consultation.pk).update(
        opens_at=now - timedelta(days=31), closes_at=now - timedelta(minutes=1)
    )
    consultation.refresh_from_db()
    return consultation


def _article(consultation, number):
    return DraftArticle.objects.get(consultation=consultation, number=number)


# --- parsing ------------------------------------------------------------------------------


def test_articles_are_parsed_with_captions_and_continuation_lines():
    parsed = drafts.draft_parse(DRAFT)
    assert [a.number for a in parsed.articles] == [1, 2, 3, 4]
    assert parsed.articles[0].heading == "目的依据"
    assert parsed.articles[0].body.startswith("为了规范社区长者饭堂")
    assert parsed.articles[1].heading == ""
    assert parsed.articles[1].body.startswith("本办法适用于")
    assert parsed.articles[2].body == "长者饭堂应当公示菜单和价格，\n并每周更新一次。"
    assert parsed.numbered


def test_large_numerals_digits_and_chapters():
    text = "\n".join(
        (f"第{chinese_numeral(n)}章 总则\n" if n == 1 else "")
        + f"第{chinese_numeral(n)}条　第{n}条的内容。"
        for n in range(1, 101)
    )
    parsed = drafts.draft_parse(text)
    assert len(parsed.articles) == 100
    assert parsed.articles[0].heading == "第一章 总则"
    assert parsed.articles[11].number == 12 and parsed.articles[11].body == "第12条的内容。"
    assert parsed.articles[99].number == 100
    arabic = drafts.draft_parse("第1条 甲。\n第2条 乙。\n第３条 丙。")
    assert [a.body for a in arabic.articles] == ["甲。", "乙。", "丙。"]


def test_a_reference_at_a_line_start_is_text_but_a_numbering_gap_is_refused():
    parsed = drafts.draft_parse("第一条 甲。\n第五条规定的情形除外。\n第二条 乙。")
    assert len(parsed.articles) == 2
    assert parsed.articles[0].body == "甲。\n第五条规定的情形除外。"
    with pytest.raises(DomainError) as error:
        drafts.draft_parse("第一条 甲。\n第三条 丙。")
    assert error.value.code == "numbering" and "第二条" in error.value.message
    with pytest.raises(DomainError) as error:
        drafts.draft_parse("第一条 甲。\n第一条 又是甲。")
    assert error.value.code == "numbering"


def test_text_before_the_first_article_is_refused_except_the_title():
    with pytest.raises(DomainError) as error:
        drafts.draft_parse("为了加强管理，特制定本办法。\n第一条 甲。")
    assert error.value.code == "preamble" and "起草说明" in error.value.message
    parsed = drafts.draft_parse(
        "海珠区停车管理规定（征求意见稿）\n\n第一条 甲。", title="海珠区停车管理规定"
    )
    assert [a.body for a in parsed.articles] == ["甲。"]


def test_a_draft_without_articles_is_one_article_shown_as_the_whole_text(publisher):
    parsed = drafts.draft_parse("一、总体目标\n到2027年，建成社区长者饭堂100个。")
    assert not parsed.numbered and len(parsed.articles) == 1
    consultation = _create(publisher, draft="一、总体目标\n到2027年，建成社区长者饭堂100个。")
    article = DraftArticle.objects.get(consultation=consultation)
    assert article.body.endswith("100个。")
    assert selectors.article_label(article) == "全文"


def test_empty_draft_and_empty_article_are_refused():
    with pytest.raises(DomainError) as error:
        drafts.draft_parse("  \n ")
    assert error.value.code == "required"
    with pytest.raises(DomainError) as error:
        drafts.draft_parse("第一条 甲。\n第二条\n")
    assert error.value.code == "empty_article"


@given(st.integers(min_value=1, max_value=9999))
def test_chinese_numerals_round_trip(n):
    assert numeral_value(chinese_numeral(n)) == n


def test_known_numerals():
    assert [chinese_numeral(n) for n in (1, 10, 12, 20, 100, 101, 110, 1001)] == [
        "一",
        "十",
        "十二",
        "二十",
        "一百",
        "一百零一",
        "一百一十",
        "一千零一",
    ]
    assert numeral_value("两百") == 200 and numeral_value("一十二") == 12


# --- publishing -----------------------------------------------------------------------------


def test_publishing_creates_articles_and_an_announcement_that_reaches_subscribers(
    django_capture_on_commit_callbacks, publisher, resident
):
    information.subscription_add(subscriber=resident, topic=Topic.CONSULTATION, area_code=STREET)
    with django_capture_on_commit_callbacks(execute=True):
        consultation = _create(publisher)
    assert consultation.department == publisher.unit
    assert [a.number for a in consultation.articles.all()] == [1, 2, 3, 4]
    announcement = consultation.announcement
    assert announcement is not None and announcement.topic == Topic.CONSULTATION
    assert "长者饭堂" in announcement.title
    assert f"/consultations/{consultation.pk}/" in announcement.body
    assert Message.objects.filter(
        recipient=resident, template="publication_published", subject__contains="长者饭堂"
    ).exists()


def test_publishing_rules_change_nothing_when_broken(publisher, other_publisher):
    clerk = f.staff(unit=f.unit(DISTRICT), roles=[Role.WINDOW_CLERK])
    with pytest.raises(PermissionDeniedError):
        _create(clerk)
    with pytest.raises(DomainError) as error:
        _create(publisher, area=OTHER_DISTRICT)
    assert error.value.code == "area_scope"
    with pytest.raises(DomainError) as error:
        _create(publisher, opens_in=timedelta(days=-1))
    assert error.value.code == "opens_past"
    with pytest.raises(DomainError) as error:
        _create(publisher, days=0)
    assert error.value.code == "closes_before_opens"
    with pytest.raises(DomainError) as error:
        _create(publisher, draft="前言\n第一条 甲。")
    assert error.value.code == "preamble"
    with pytest.raises(DomainError) as error:
        _create(publisher, summary=" ")
    assert error.value.code == "required"
    assert not Consultation.objects.exists()
    assert not DraftArticle.objects.exists()
    assert not Publication.objects.exists()


# --- commenting -----------------------------------------------------------------------------


def test_comment_on_an_article_and_on_the_whole_draft(publisher, resident):
    consultation = _create(publisher)
    on_two = services.comment_add(
        consultation=consultation,
        author=resident,
        body="  建议增加送餐服务。 ",
        article=_article(consultation, 2),
    )
    whole = services.comment_add(consultation=consultation, author=resident, body="总体赞成。")
    assert on_two.body == "建议增加送餐服务。"
    assert on_two.article is not None and on_two.article.number == 2
    assert whole.article is None
    page = selectors.consultation_page(consultation=consultation, viewer=resident)
    assert [r.comment for r in page.articles[1].comments] == [on_two]
    assert [r.comment for r in page.general.comments] == [whole]
    assert page.articles[1].comments[0].mine


def test_comments_only_while_open(publisher, resident):
    upcoming = _create(publisher, opens_in=timedelta(days=2))
    with pytest.raises(DomainError) as error:
        services.comment_add(consultation=upcoming, author=resident, body="提前说一句")
    assert error.value.code == "not_open"
    closed = _close(_create(publisher))
    with pytest.raises(DomainError) as error:
        services.comment_add(consultation=closed, author=resident, body="晚了")
    assert error.value.code == "closed" and "截止" in error.value.message
    assert not ConsultationComment.objects.exists()


def test_bad_comments_are_refused(publisher, resident, neighbour):
    consultation = _create(publisher)
    other = _create(publisher, title="另一份草案")
    for body, code in (
        ("   ", "required"),
        ("长" * 2001, "too_long"),
        ("a\x00b", "control_characters"),
    ):
        with pytest.raises(DomainError) as error:
            services.comment_add(consultation=consultation, author=resident, body=body)
        assert error.value.code == code
    with pytest.raises(NotFoundError):
        services.comment_add(
            consultation=consultation, author=resident, body="串了", article=_article(other, 1)
        )
    with pytest.raises(DomainError) as error:
        services.comment_add(consultation=consultation, author=publisher, body="工作人员")
    assert error.value.code == "forbidden"
    assert services.comment_add(consultation=consultation, author=neighbour, body="长" * 2000)
    assert ConsultationComment.objects.count() == 1


def test_flooding_is_limited_per_account(settings, publisher, resident, neighbour):
    settings.CITYHALL_PARTICIPATION_RATE_LIMITS = {
        **settings.CITYHALL_PARTICIPATION_RATE_LIMITS,
        "comment": (2, 60),
        "support": (1, 60),
    }
    consultation = _create(publisher)
    for n in range(2):
        services.comment_add(consultation=consultation, author=resident, body=f"意见{n}")
    with pytest.raises(DomainError) as error:
        services.comment_add(consultation=consultation, author=resident, body="第三条意见")
    assert error.value.code == "rate_limited" and "已保留" in error.value.message
    assert ConsultationComment.objects.count() == 2
    # Another account has its own allowance.
    third = services.comment_add(consultation=consultation, author=neighbour, body="我的意见")
    first, second = ConsultationComment.objects.filter(author=resident)
    services.comment_support(comment=first, supporter=neighbour)
    with pytest.raises(DomainError) as error:
        services.comment_support(comment=second, supporter=neighbour)
    assert error.value.code == "rate_limited"
    assert CommentSupport.objects.count() == 1 and third.support_count == 0


# --- supports -------------------------------------------------------------------------------


def test_support_once_not_ones_own_and_counted(publisher, resident, neighbour):
    consultation = _create(publisher)
    comment = services.comment_add(consultation=consultation, author=resident, body="建议")
    supported = services.comment_support(comment=comment, supporter=neighbour)
    assert supported.support_count == 1
    with pytest.raises(DomainError) as error:
        services.comment_support(comment=comment, supporter=neighbour)
    assert error.value.code == "duplicate"
    with pytest.raises(DomainError) as error:
        services.comment_support(comment=comment, supporter=resident)
    assert error.value.code == "own_comment"
    comment.refresh_from_db()
    assert comment.support_count == 1 == CommentSupport.objects.filter(comment=comment).count()
    page = selectors.consultation_page(consultation=consultation, viewer=neighbour)
    row = page.general.comments[0]
    assert row.supported and not row.can_support


def test_no_support_for_hidden_comments_or_after_the_close(publisher, resident, neighbour):
    consultation = _create(publisher)
    hidden = services.comment_add(consultation=consultation, author=resident, body="广告")
    services.comment_hide(comment=hidden, by=publisher, reason=HideReason.ADVERTISING)
    with pytest.raises(DomainError) as error:
        services.comment_support(comment=hidden, supporter=neighbour)
    assert error.value.code == "hidden"
    fine = services.comment_add(consultation=consultation, author=resident, body="好建议")
    _close(consultation)
    fine.refresh_from_db()
    with pytest.raises(DomainError) as error:
        services.comment_support(comment=fine, supporter=neighbour)
    assert error.value.code == "closed"
    assert not CommentSupport.objects.exists()


# --- moderation -----------------------------------------------------------------------------


def test_hiding_keeps_the_comment_audits_and_tells_the_author(publisher, resident, neighbour):
    consultation = _create(publisher)
    comment = services.comment_add(consultation=consultation, author=resident, body="骂人的话")
    services.comment_hide(
        comment=comment, by=publisher, reason=HideReason.ABUSE, note="含有侮辱性词语"
    )
    comment.refresh_from_db()
    assert comment.is_hidden and comment.body == "骂人的话" and comment.hidden_by == publisher
    entry = AuditEntry.objects.get(event=services.AUDIT_HIDDEN)
    assert entry.subject_id == str(comment.pk) and entry.detail["reason"] == "abuse"
    message = Message.objects.get(recipient=resident, template="consultation_comment_hidden")
    assert "辱骂、人身攻击或歧视" in message.body and "含有侮辱性词语" in message.body
    assert "/consultations/policy/" in message.body
    with pytest.raises(DomainError) as error:
        services.comment_hide(comment=comment, by=publisher, reason=HideReason.ABUSE)
    assert error.value.code == "already_hidden"
    with pytest.raises(DomainError) as error:
        services.comment_hide(comment=comment, by=publisher, reason="because")
    assert error.value.code == "reason"

    services.comment_restore(comment=comment, by=publisher)
    comment.refresh_from_db()
    assert not comment.is_hidden and comment.hidden_by is None
    assert AuditEntry.objects.filter(event=services.AUDIT_RESTORED).count() == 1
    assert Message.objects.filter(
        recipient=resident, template="consultation_comment_restored"
    ).exists()


def test_another_units_publisher_cannot_moderate_or_answer(publisher, other_publisher, resident):
    consultation = _create(publisher)
    comment = services.comment_add(consultation=consultation, author=resident, body="意见")
    with pytest.raises(NotFoundError):
        services.comment_hide(comment=comment, by=other_publisher, reason=HideReason.ABUSE)
    _close(consultation)
    comment.refresh_from_db()
    with pytest.raises(NotFoundError):
        services.comment_answer(
            comment=comment, by=other_publisher, disposition=Disposition.ADOPTED, answer="好"
        )
    with pytest.raises(NotFoundError):
        services.response_publish(consultation=consultation, by=other_publisher, summary="改了")
    with pytest.raises(NotFoundError):
        selectors.consultation_for_staff(actor=other_publisher, consultation_id=consultation.pk)
    comment.refresh_from_db()
    assert not comment.is_hidden and not comment.disposition
    assert Consultation.objects.get(pk=consultation.pk).responded_at is None


# --- the response report --------------------------------------------------------------------


def test_no_answers_or_report_before_the_close(publisher, resident):
    consultation = _create(publisher)
    comment = services.comment_add(consultation=consultation, author=resident, body="意见")
    with pytest.raises(DomainError) as error:
        services.comment_answer(
            comment=comment, by=publisher, disposition=Disposition.ADOPTED, answer="采纳"
        )
    assert error.value.code == "still_open"
    with pytest.raises(DomainError) as error:
        services.response_publish(consultation=consultation, by=publisher, summary="说明")
    assert error.value.code == "still_open"


def test_the_report_needs_every_visible_comment_answered_and_a_summary(
    publisher, resident, neighbour
):
    consultation = _create(publisher)
    first = services.comment_add(
        consultation=consultation, author=resident, body="甲", article=_article(consultation, 2)
    )
    services.comment_add(consultation=consultation, author=neighbour, body="乙")
    spam = services.comment_add(consultation=consultation, author=neighbour, body="广告")
    services.comment_hide(comment=spam, by=publisher, reason=HideReason.ADVERTISING)
    _close(consultation)
    first.refresh_from_db()
    services.comment_answer(
        comment=first, by=publisher, disposition=Disposition.ADOPTED, answer="已增加送餐服务。"
    )
    with pytest.raises(DomainError) as error:
        services.response_publish(consultation=consultation, by=publisher, summary="修改了第二条")
    assert error.value.code == "unanswered" and "1 条意见未答复" in error.value.message
    with pytest.raises(DomainError) as error:
        services.response_publish(consultation=consultation, by=publisher, summary=" ")
    assert error.value.code == "required"
    consultation.refresh_from_db()
    assert consultation.responded_at is None and consultation.response_summary == ""
    assert not Message.objects.filter(template="consultation_report_published").exists()
    # A hidden comment needs no answer, and cannot be given one.
    spam.refresh_from_db()
    with pytest.raises(DomainError) as error:
        services.comment_answer(
            comment=spam, by=publisher, disposition=Disposition.NOTED, answer="x"
        )
    assert error.value.code == "hidden"
    with pytest.raises(DomainError) as error:
        services.comment_answer(comment=first, by=publisher, disposition="maybe", answer="x")
    assert error.value.code == "disposition"


def test_publishing_the_report_notifies_each_commenter_once(
    django_capture_on_commit_callbacks, publisher, resident, neighbour
):
    consultation = _create(publisher)
    comments = [
        services.comment_add(
            consultation=consultation, author=resident, body="甲", article=_article(consultation, 2)
        ),
        services.comment_add(consultation=consultation, author=resident, body="乙"),
        services.comment_add(consultation=consultation, author=neighbour, body="丙"),
    ]
    _close(consultation)
    for comment, disposition in zip(
        comments, [Disposition.ADOPTED, Disposition.REJECTED, Disposition.PARTLY], strict=True
    ):
        comment.refresh_from_db()
        services.comment_answer(
            comment=comment, by=publisher, disposition=disposition, answer="答复" + comment.body
        )
    with django_capture_on_commit_callbacks(execute=True):
        done = services.response_publish(
            consultation=consultation, by=publisher, summary="第二条增加了送餐服务。"
        )
    assert done.responded_at is not None and done.responded_by == publisher
    report = done.announcement
    assert report is not None and report.topic == Topic.CONSULTATION
    assert "采纳情况" in report.title and "采纳 1 条" in report.summary
    assert Publication.objects.filter(topic=Topic.CONSULTATION).count() == 2
    for person in (resident, neighbour):
        messages = Message.objects.filter(
            recipient=person, template="consultation_report_published"
        )
        assert messages.count() == 1
        assert messages[0].link == reverse("consultations:report", args=[consultation.pk])
    assert AuditEntry.objects.filter(event=services.AUDIT_RESPONDED).count() == 1
    counts = {c.value: c.count for c in selectors.disposition_counts(consultation=done)}
    assert counts == {"adopted": 1, "partly": 1, "rejected": 1, "noted": 0}
    with pytest.raises(DomainError) as error:
        services.response_publish(consultation=consultation, by=publisher, summary="再发一次")
    assert error.value.code == "already_responded"
    # Published answers are final.
    comments[0].refresh_from_db()
    with pytest.raises(DomainError) as error:
        services.comment_answer(
            comment=comments[0], by=publisher, disposition=Disposition.NOTED, answer="改"
        )
    assert error.value.code == "responded"
    assert Message.objects.filter(template="consultation_report_published").count() == 2


# --- demo -----------------------------------------------------------------------------------


def test_demo_builds_an_open_and_a_responded_consultation_once(
    django_capture_on_commit_callbacks,
):
    publisher = f.staff(unit=f.unit(DISTRICT), roles=[Role.PUBLISHER], username="hz-publisher")
    citizens = [f.citizen(home=f.community(STREET), name=f"市民{n}") for n in range(4)]
    with django_capture_on_commit_callbacks(execute=True):
        created = consultation_demo_build(citizens=citizens)
    rows = {
        selectors.consultation_status(c): c
        for c in Consultation.objects.filter(department=publisher.unit)
    }
    assert set(rows) == {"open", "responded"}
    dining, parking = rows["open"], rows["responded"]
    assert 5 <= dining.articles.count() <= 8 and dining.comments.count() == 4
    assert parking.comments.filter(hidden_reason=HideReason.ADVERTISING).count() == 1
    assert not selectors.unanswered_comments(consultation=parking).exists()
    supports = CommentSupport.objects.count()
    assert created == 2 + 4 + 5 + supports
    assert Message.objects.filter(template="consultation_report_published").count() == 4
    assert consultation_demo_build(citizens=citizens) == 0
    assert Consultation.objects.count() == 2 and ConsultationComment.objects.count() == 9
