"""Consultation pages through the client: public list, draft and report, residents' writes,
the department's pages, scope (404 for another unit, 403 for residents) and escaping."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f
from cityhall.notify.models import Message
from cityhall.participation.consultations import services
from cityhall.participation.models import (
    CommentSupport,
    Consultation,
    ConsultationComment,
    Disposition,
    DraftArticle,
    HideReason,
)

pytestmark = pytest.mark.django_db

DISTRICT = "440105"
STREET = "440105001"
DRAFT = "第一条 甲。\n第二条 乙：每周公示菜单。\n第三条 丙。"
SCRIPT = "<script>alert('x')</script>"


@pytest.fixture
def publisher():
    return f.staff(unit=f.unit(DISTRICT), roles=[Role.PUBLISHER])


@pytest.fixture
def resident():
    return f.citizen(home=f.community(STREET), name="陈小明")


@pytest.fixture
def neighbour():
    return f.citizen(home=f.community(STREET), name="李红")


@pytest.fixture
def consultation(publisher):
    now = timezone.now()
    return services.consultation_create(
        author=publisher,
        title="长者饭堂管理办法（征求意见稿）",
        summary="起草说明。",
        area_code=DISTRICT,
        opens_at=now,
        closes_at=now + timedelta(days=10),
        draft=DRAFT,
    )


def _close(consultation):
    now = timezone.now()
    Consultation.objects.filter(pk=consultation.pk).update(
        opens_at=now - timedelta(days=20), closes_at=now - timedelta(minutes=1)
    )
    consultation.refresh_from_db()


def _url(name, *args):
    return reverse(f"consultations:{name}", args=args)


def test_list_filters_by_status_and_counts_in_few_queries(
    client, publisher, consultation, resident, django_assert_max_num_queries
):
    services.comment_add(consultation=consultation, author=resident, body="意见")
    later = services.consultation_create(
        author=publisher,
        title="停车管理规定",
        summary="说明",
        area_code=DISTRICT,
        opens_at=timezone.now() + timedelta(days=3),
        closes_at=timezone.now() + timedelta(days=30),
        draft="第一条 甲。",
    )
    with django_assert_max_num_queries(8):
        page = client.get(_url("index")).content.decode()
    assert consultation.title in page and later.title in page and "还剩 10 天" in page
    assert "1 条意见" in page
    opened = client.get(_url("index"), {"status": "open"}).content.decode()
    assert consultation.title in opened and later.title not in opened
    upcoming = client.get(_url("index"), {"status": "upcoming"}).content.decode()
    assert later.title in upcoming and consultation.title not in upcoming
    assert (
        consultation.title
        not in client.get(_url("index"), {"status": "responded"}).content.decode()
    )


def test_anonymous_visitors_read_and_are_asked_to_sign_in(client, consultation):
    page = client.get(_url("detail", consultation.pk)).content.decode()
    assert "第二条" in page and "每周公示菜单" in page
    assert "登录后发表意见" in page and reverse("identity:signin") in page
    assert "<textarea" not in page
    response = client.post(_url("comment", consultation.pk), {"body": "匿名"})
    assert response.status_code == 302 and "signin" in response["Location"]
    assert not ConsultationComment.objects.exists()


def test_a_resident_comments_on_article_two_and_script_comes_back_escaped(
    client, consultation, resident, django_assert_max_num_queries
):
    f.signed_in(client, resident)
    page = client.get(_url("detail", consultation.pk)).content.decode()
    assert 'for="body-a2"' in page and "对第二条的意见" in page
    response = client.post(_url("comment", consultation.pk), {"article": 2, "body": SCRIPT})
    comment = ConsultationComment.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    assert comment.article == DraftArticle.objects.get(consultation=consultation, number=2)
    assert comment.body == SCRIPT  # stored as typed
    for _n in range(3):
        services.comment_add(consultation=consultation, author=resident, body="更多")
    with django_assert_max_num_queries(14):
        page = client.get(_url("detail", consultation.pk)).content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert SCRIPT not in page
    # Anyone reading the draft sees the commenter masked, never the full name.
    client.logout()
    public = client.get(_url("detail", consultation.pk)).content.decode()
    assert "陈*明" in public and "陈小明" not in public


def test_comment_errors_are_shown_at_the_form_and_keep_the_text(client, consultation, resident):
    f.signed_in(client, resident)
    response = client.post(_url("comment", consultation.pk), {"article": 3, "body": "长" * 2001})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in page and "不能超过 2000 个字" in page and "长" * 2001 in page
    assert 'id="error-a3"' in page
    for forged in (9, "abc"):
        missing = client.post(_url("comment", consultation.pk), {"article": forged, "body": "x"})
        assert missing.status_code == 404
    _close(consultation)
    response = client.post(_url("comment", consultation.pk), {"body": "晚了"})
    assert response.status_code == 400 and "截止" in response.content.decode()
    assert not ConsultationComment.objects.exists()


def test_flooding_is_refused_with_a_clear_message(settings, client, consultation, resident):
    settings.CITYHALL_PARTICIPATION_RATE_LIMITS = {
        **settings.CITYHALL_PARTICIPATION_RATE_LIMITS,
        "comment": (1, 60),
    }
    f.signed_in(client, resident)
    assert client.post(_url("comment", consultation.pk), {"body": "一"}).status_code == 302
    response = client.post(_url("comment", consultation.pk), {"body": "二"})
    assert response.status_code == 400 and "提交过于频繁" in response.content.decode()
    assert ConsultationComment.objects.count() == 1


def test_support_through_the_page(client, consultation, resident, neighbour):
    comment = services.comment_add(consultation=consultation, author=resident, body="建议")
    f.signed_in(client, resident)
    page = client.get(_url("detail", consultation.pk)).content.decode()
    support_url = _url("support", consultation.pk, comment.pk)
    assert support_url not in page  # no button on one's own comment
    assert client.post(support_url).status_code == 400
    client.logout()
    f.signed_in(client, neighbour)
    assert support_url in client.get(_url("detail", consultation.pk)).content.decode()
    assert client.post(support_url).status_code == 302
    page = client.get(_url("detail", consultation.pk)).content.decode()
    assert "1 人附议" in page and "您已附议" in page and support_url not in page
    response = client.post(support_url)
    assert response.status_code == 400 and "已附议过" in response.content.decode()
    comment.refresh_from_db()
    assert comment.support_count == 1 == CommentSupport.objects.count()


def test_hidden_comments_show_the_reason_and_their_author_still_sees_the_text(
    client, consultation, publisher, resident, neighbour
):
    comment = services.comment_add(consultation=consultation, author=resident, body="某某的电话是…")
    f.signed_in(client, publisher)
    response = client.post(
        _url("manage_hide", consultation.pk, comment.pk),
        {f"h{comment.pk}-reason": HideReason.PERSONAL_DATA, f"h{comment.pk}-note": "含电话号码"},
    )
    assert response.status_code == 302
    client.logout()
    public = client.get(_url("detail", consultation.pk)).content.decode()
    assert "该意见因“含他人个人信息”已隐藏" in public and "某某的电话是" not in public
    assert _url("policy") in public
    f.signed_in(client, neighbour)
    assert "某某的电话是" not in client.get(_url("detail", consultation.pk)).content.decode()
    client.logout()
    f.signed_in(client, resident)
    own = client.get(_url("detail", consultation.pk)).content.decode()
    assert "该意见因“含他人个人信息”已隐藏" in own and "某某的电话是" in own and "含电话号码" in own
    message = Message.objects.get(recipient=resident, template="consultation_comment_hidden")
    assert message.link.endswith(f"#comment-{comment.pk}")
    assert ConsultationComment.objects.filter(pk=comment.pk).exists()


def test_policy_page_lists_every_reason(client):
    page = client.get(_url("policy")).content.decode()
    assert "<h1>发言规则</h1>" in page
    for reason in HideReason:
        assert str(reason.label) in page


def test_staff_pages_are_for_the_units_publisher_only(client, consultation, publisher, resident):
    comment = services.comment_add(consultation=consultation, author=resident, body="意见")
    manage = _url("manage_detail", consultation.pk)
    hide = _url("manage_hide", consultation.pk, comment.pk)
    assert client.get(manage).status_code == 302  # anonymous: sign in first
    f.signed_in(client, resident)
    for url in (_url("manage_index"), _url("manage_new"), manage):
        assert client.get(url).status_code == 403
    assert client.post(hide, {f"h{comment.pk}-reason": "abuse"}).status_code == 403
    client.logout()
    other = f.staff(unit=f.unit("440104"), roles=[Role.PUBLISHER])
    f.signed_in(client, other)
    assert client.get(manage).status_code == 404
    assert client.post(hide, {f"h{comment.pk}-reason": "abuse"}).status_code == 404
    answer = _url("manage_answer", consultation.pk, comment.pk)
    assert client.post(answer, {}).status_code == 404
    assert client.post(_url("manage_report", consultation.pk), {"summary": "x"}).status_code == 404
    assert consultation.title not in client.get(_url("manage_index")).content.decode()
    client.logout()
    clerk = f.staff(unit=f.unit(DISTRICT), roles=[Role.WINDOW_CLERK])
    f.signed_in(client, clerk)
    assert client.get(manage).status_code == 403
    comment.refresh_from_db()
    assert not comment.is_hidden


def test_publish_a_consultation_with_a_preview_first(client, publisher):
    f.signed_in(client, publisher)
    assert client.get(_url("manage_new")).status_code == 200
    now = timezone.localtime()
    data = {
        "title": "海珠区住宅小区停车管理规定（征求意见稿）",
        "area": DISTRICT,
        "summary": "为规范小区停车，起草本规定。",
        "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
        "draft": (
            "海珠区住宅小区停车管理规定\n第一章 总则\n第一条【目的】为了规范停车。\n"
            "第二条 适用范围。"
        ),
    }
    preview = client.post(_url("manage_new"), {**data, "action": "preview"})
    page = preview.content.decode()
    assert preview.status_code == 200 and "预览：共 2 条" in page and "第一章 总则 · 目的" in page
    assert not Consultation.objects.exists()
    bad = client.post(_url("manage_new"), {**data, "draft": "前言\n第一条 甲", "action": "publish"})
    assert bad.status_code == 400 and "第一条之前有其他文字" in bad.content.decode()
    done = client.post(_url("manage_new"), {**data, "action": "publish"})
    consultation = Consultation.objects.get()
    assert done.status_code == 302 and done["Location"] == _url("manage_detail", consultation.pk)
    assert consultation.articles.count() == 2 and consultation.announcement is not None
    assert consultation.title in client.get(_url("manage_index")).content.decode()


def test_answer_and_publish_the_report_through_the_pages(
    client, consultation, publisher, resident, neighbour
):
    first = services.comment_add(
        consultation=consultation,
        author=resident,
        body="建议增加送餐",
        article=DraftArticle.objects.get(consultation=consultation, number=2),
    )
    second = services.comment_add(consultation=consultation, author=neighbour, body=SCRIPT)
    f.signed_in(client, publisher)
    answer = _url("manage_answer", consultation.pk, first.pk)
    early = client.post(
        answer, {f"a{first.pk}-disposition": "adopted", f"a{first.pk}-answer": "好"}
    )
    assert early.status_code == 400 and "截止后才能答复" in early.content.decode()
    assert client.get(_url("report", consultation.pk)).status_code == 404
    _close(consultation)
    ok = client.post(
        answer,
        {
            f"a{first.pk}-disposition": Disposition.ADOPTED,
            f"a{first.pk}-answer": "第二条已增加送餐服务。",
        },
    )
    assert ok.status_code == 302
    refused = client.post(_url("manage_report", consultation.pk), {"summary": "修改了第二条。"})
    assert refused.status_code == 400
    assert "还有 1 条意见未答复" in refused.content.decode()
    client.post(
        _url("manage_answer", consultation.pk, second.pk),
        {f"a{second.pk}-disposition": Disposition.NOTED, f"a{second.pk}-answer": "谢谢。"},
    )
    done = client.post(_url("manage_report", consultation.pk), {"summary": "修改了第二条。"})
    assert done.status_code == 302 and done["Location"] == _url("report", consultation.pk)
    client.logout()
    report = client.get(_url("report", consultation.pk)).content.decode()
    assert "修改了第二条。" in report and "第二条已增加送餐服务。" in report
    assert "<caption>" in report and "&lt;script&gt;" in report and SCRIPT not in report
    assert Message.objects.filter(template="consultation_report_published").count() == 2
