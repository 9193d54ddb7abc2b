"""征求意见 in the browser: a resident comments on article 2 of an open draft; once it has closed
the department's publisher answers the comment as adopted and publishes the response report; the
resident finds the message in their inbox and opens the report with their comment and the answer.
Screenshots of the pages go to test-results/browser/pages/."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f
from cityhall.notify.models import Message
from cityhall.participation.consultations import services
from cityhall.participation.models import Consultation, ConsultationComment, Disposition

pytestmark = pytest.mark.browser

PAGES = Path("test-results") / "browser" / "pages"
DISTRICT = "440105"
STREET = "440105001"
DRAFT = (
    "第一条【目的依据】为了规范本区社区长者饭堂的运营，制定本办法。\n"
    "第二条【送餐服务】长者饭堂应当为行动不便的老年人提供送餐上门服务，送餐费每次不超过3元。\n"
    "第三条【施行日期】本办法自发布之日起施行。"
)
COMMENT = "建议对80岁以上独居老人免收送餐费。"
ANSWER = "采纳。第二条增加：80周岁以上独居老人免收送餐费。"


def _shot(page: Page, name: str) -> None:
    PAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=PAGES / f"{name}.png", full_page=True)


def test_comment_on_an_article_answered_in_the_published_report(page: Page, new_page, ui):
    publisher = f.staff(unit=f.unit(DISTRICT), roles=[Role.PUBLISHER])
    key = f.totp_device(publisher).bin_key
    resident = f.citizen(home=f.community(STREET), name="陈小明")
    now = timezone.now()
    consultation = services.consultation_create(
        author=publisher,
        title="海珠区社区长者饭堂管理办法（征求意见稿）",
        summary="为规范长者饭堂运营，区民政局起草了本办法。",
        area_code=DISTRICT,
        opens_at=now,
        closes_at=now + timedelta(days=30),
        draft=DRAFT,
    )

    # The resident finds the open draft and comments on article 2.
    ui.sign_in(page, resident.id_number)
    expect(page).to_have_url(ui.url("/me/"))
    page.goto("/consultations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("征求意见")
    page.get_by_role("link", name=consultation.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(consultation.title)
    article = page.get_by_role("region", name=re.compile("^第二条"))
    expect(article).to_contain_text("送餐上门服务")
    article.get_by_label("对第二条的意见").fill(COMMENT)
    article.get_by_role("button", name="发表意见").click()
    expect(page.get_by_role("status")).to_contain_text("您的意见已发表")
    expect(page.get_by_role("region", name=re.compile("^第二条"))).to_contain_text(COMMENT)
    _shot(page, "consultation-commented")
    comment = ConsultationComment.objects.get(consultation=consultation)
    assert comment.author == resident and comment.article is not None
    assert comment.article.number == 2

    # Time passes: the consultation closes.
    Consultation.objects.filter(pk=consultation.pk).update(
        opens_at=now - timedelta(days=31), closes_at=now - timedelta(minutes=1)
    )

    # The department's publisher answers the comment as adopted and publishes the report.
    staff = new_page()
    ui.staff_sign_in(staff, publisher, key)
    staff.goto("/consultations/manage/")
    staff.get_by_role("link", name=consultation.title).click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text(consultation.title)
    item = staff.locator(f"#comment-{comment.pk}")
    expect(item).to_contain_text(COMMENT)
    item.get_by_label("处理结果").select_option(Disposition.ADOPTED)
    item.get_by_label("答复").fill(ANSWER)
    item.get_by_role("button", name=re.compile("保存对意见")).click()
    expect(staff.get_by_role("status")).to_contain_text("答复已保存")
    report_form = staff.get_by_role("region", name="反馈报告")
    report_form.get_by_label("采纳情况说明").fill(
        "根据市民意见，第二条增加了80周岁以上独居老人免收送餐费的规定。"
    )
    _shot(staff, "consultation-manage")
    report_form.get_by_role("button", name="发布反馈报告").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("征求意见采纳情况")
    expect(staff.get_by_role("status")).to_contain_text("反馈报告已发布")

    # The resident is told, and the message leads to the report with the answer.
    page.goto("/inbox/")
    message = page.get_by_role("link", name=re.compile("反馈报告已发布"))
    expect(message).to_be_visible()
    message.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("反馈报告已发布")
    page.get_by_role("link", name="查看详情").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"《{consultation.title}》征求意见采纳情况"
    )
    answered = page.get_by_role("region", name=re.compile("^第二条"))
    expect(answered).to_contain_text(COMMENT)
    expect(answered).to_contain_text("处理结果：采纳")
    expect(answered).to_contain_text(ANSWER)
    expect(page.get_by_role("table")).to_contain_text("采纳")
    _shot(page, "consultation-report")
    assert (
        Message.objects.filter(recipient=resident, template="consultation_report_published").count()
        == 1
    )


def test_publish_a_draft_then_hide_a_comment_under_the_policy(page: Page, new_page, ui):
    publisher = f.staff(unit=f.unit(DISTRICT), roles=[Role.PUBLISHER])
    key = f.totp_device(publisher).bin_key
    resident = f.citizen(home=f.community(STREET), name="陈小明")

    # The publisher pastes a draft, previews how it splits into articles, and publishes it.
    ui.staff_sign_in(page, publisher, key)
    page.goto("/consultations/manage/new/")
    now = timezone.localtime()
    page.get_by_label("标题").fill("海珠区住宅小区停车管理规定（征求意见稿）")
    page.get_by_label("适用区域").select_option(DISTRICT)
    page.get_by_label("起草说明").fill("为规范小区停车，起草本规定。")
    page.get_by_label("开始时间").fill(now.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("截止时间").fill((now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("草案正文").fill(
        "第一章 总则\n第一条【目的】为了规范停车秩序。\n第二条 任何车辆不得占用消防车通道。"
    )
    page.get_by_role("button", name="预览分条结果").click()
    preview = page.get_by_role("region", name="预览：共 2 条")
    expect(preview).to_contain_text("第一条 第一章 总则 · 目的")
    _shot(page, "consultation-new-preview")
    page.get_by_role("button", name="发布", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("已发布征求意见")
    consultation = Consultation.objects.get()
    assert consultation.announcement is not None

    # A resident writes something that breaks the policy, on the whole draft.
    resident_page = new_page()
    ui.sign_in(resident_page, resident.id_number)
    expect(resident_page).to_have_url(ui.url("/me/"))
    resident_page.goto(f"/consultations/{consultation.pk}/")
    whole = resident_page.get_by_role("region", name="对草案整体的意见")
    whole.get_by_label("对草案整体的意见").fill("低价代办停车月卡，加微信。")
    whole.get_by_role("button", name="发表意见").click()
    expect(resident_page.get_by_role("status")).to_contain_text("您的意见已发表")
    comment = ConsultationComment.objects.get()

    # The publisher hides it with a reason from the policy.
    page.goto(f"/consultations/manage/{consultation.pk}/")
    item = page.locator(f"#comment-{comment.pk}")
    item.get_by_text(f"隐藏意见 #{comment.pk}").click()
    item.get_by_label("隐藏原因").select_option("advertising")
    item.get_by_role("button", name="隐藏并告知提出人").click()
    expect(page.get_by_role("status")).to_contain_text("已隐藏该意见")
    expect(page.locator(f"#comment-{comment.pk}")).to_contain_text("已隐藏：广告或垃圾信息")

    # The author still sees the text and why; the public sees only why.
    resident_page.reload()
    own = resident_page.locator(f"#comment-{comment.pk}")
    expect(own).to_contain_text("该意见因“广告或垃圾信息”已隐藏")
    expect(own).to_contain_text("低价代办停车月卡")
    _shot(resident_page, "consultation-hidden-own")
    visitor = new_page()
    visitor.goto(f"/consultations/{consultation.pk}/")
    hidden = visitor.locator(f"#comment-{comment.pk}")
    expect(hidden).to_contain_text("该意见因“广告或垃圾信息”已隐藏")
    expect(hidden).not_to_contain_text("低价代办")
    hidden.get_by_role("link", name="发言规则").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("发言规则")
    expect(visitor.locator("main")).to_contain_text("广告或垃圾信息")
    _shot(visitor, "consultation-policy")
    assert Message.objects.filter(
        recipient=resident, template="consultation_comment_hidden"
    ).exists()
