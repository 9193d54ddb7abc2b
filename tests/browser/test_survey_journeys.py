"""问卷调查 in the browser: a publisher builds a survey (single choice, multiple choice, scale,
text) and opens it; a resident answers it once (opening it again shows it answered, with no
form); the publisher sees the results as a chart and downloads the CSV. Screenshots of the pages
go to test-results/browser/pages/."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cityhall.core.spreadsheets import CSV_BOM
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f
from cityhall.participation.models import Survey, SurveyResponse
from cityhall.participation.surveys import selectors, services

pytestmark = pytest.mark.browser

PAGES = Path("test-results") / "browser" / "pages"
DISTRICT = "440105"
STREET = "440105001"
TITLE = "政务服务中心满意度调查"


def _shot(page: Page, name: str) -> None:
    PAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=PAGES / f"{name}.png", full_page=True)


def _add_question(staff: Page, kind: str, text: str, **extra: str) -> None:
    add = staff.get_by_role("region", name="添加题目")
    add.get_by_label("题型").select_option(label=kind)
    add.get_by_role("textbox", name="题目", exact=True).fill(text)
    if "options" in extra:
        add.get_by_label("选项（单选题、多选题）").fill(extra["options"])
    if "scale_max" in extra:
        add.get_by_label("量表最高分（量表题）").fill(extra["scale_max"])
        add.get_by_label("1 分的含义（量表题）").fill(extra["low"])
        add.get_by_label("最高分的含义（量表题）").fill(extra["high"])
    if extra.get("optional"):
        add.get_by_label("必答").uncheck()
    add.get_by_role("button", name="添加题目").click()
    expect(staff.get_by_role("status")).to_contain_text("题目已添加")


def test_build_open_answer_once_and_see_the_chart_and_csv(page: Page, new_page, ui):
    publisher = f.staff(unit=f.unit(DISTRICT), roles=[Role.PUBLISHER])
    key = f.totp_device(publisher).bin_key
    resident = f.citizen(home=f.community(STREET), name="陈小明")
    other = f.citizen(home=f.community(STREET), name="李四")

    # The publisher builds the survey.
    staff = new_page()
    ui.staff_sign_in(staff, publisher, key)
    staff.goto("/surveys/manage/")
    expect(staff.get_by_role("heading", level=1)).to_have_text("本单位问卷")
    staff.get_by_role("link", name="新建问卷").click()
    staff.get_by_label("标题").fill(TITLE)
    staff.get_by_label("说明").fill("请根据最近一次在政务服务中心办事的体验作答，约需 2 分钟。")
    expect(staff.get_by_label("所有市民")).to_be_checked()
    staff.get_by_role("button", name="创建草稿").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(TITLE)
    _add_question(staff, "单选", "您这次办事跑了几次？", options="一次办成\n两次\n三次及以上")
    _add_question(
        staff, "多选", "您遇到过哪些问题？", options="排队时间长\n材料要求不清楚\n没有遇到问题"
    )
    _add_question(staff, "量表", "您对办事体验的总体评价", scale_max="5", low="很差", high="很好")
    _add_question(staff, "文字", "您还有什么建议？", optional="1")
    questions = staff.get_by_role("region", name=re.compile("^题目"))
    expect(questions.get_by_role("listitem").filter(has_text="您还有什么建议？")).to_contain_text(
        "选答"
    )
    _shot(staff, "survey-builder")
    closes = timezone.localtime(timezone.now() + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M")
    staff.get_by_label("截止时间").fill(closes)
    staff.get_by_role("button", name="发布问卷").click()
    expect(staff.get_by_role("status")).to_contain_text("问卷已发布")
    expect(staff.get_by_role("region", name="添加题目")).to_have_count(0)
    survey = Survey.objects.get(title=TITLE)
    assert survey.opens_at is not None and survey.questions.count() == 4

    # A resident finds it and answers it.
    ui.sign_in(page, resident.id_number)
    expect(page).to_have_url(ui.url("/me/"))
    page.goto("/surveys/")
    page.get_by_role("link", name=re.compile(TITLE)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    page.get_by_role("group", name=re.compile("您这次办事跑了几次")).get_by_label(
        "一次办成"
    ).check()
    problems = page.get_by_role("group", name=re.compile("您遇到过哪些问题"))
    problems.get_by_label("排队时间长").check()
    problems.get_by_label("材料要求不清楚").check()
    page.get_by_role("group", name=re.compile("总体评价")).get_by_label("4", exact=True).check()
    page.get_by_label(re.compile("您还有什么建议")).fill(
        "<script>alert(1)</script>希望延长周末开放时间"
    )
    _shot(page, "survey-answer")
    page.get_by_role("button", name="提交答卷").click()
    expect(page.get_by_role("status")).to_contain_text("感谢参与")
    expect(page.get_by_role("heading", name="您已作答")).to_be_visible()
    expect(page.get_by_role("button", name="提交答卷")).to_have_count(0)
    assert SurveyResponse.objects.filter(survey=survey, respondent=resident).count() == 1

    # Opening it again: answered, nothing to answer.
    page.goto(f"/surveys/{survey.pk}/")
    expect(page.get_by_role("heading", name="您已作答")).to_be_visible()
    expect(page.get_by_text("您已于")).to_be_visible()
    expect(page.get_by_role("radio")).to_have_count(0)
    expect(page.get_by_role("textbox")).to_have_count(0)
    expect(page.get_by_role("button", name="提交答卷")).to_have_count(0)
    _shot(page, "survey-answered")
    page.goto("/surveys/")
    expect(page.get_by_role("link", name=re.compile(TITLE))).to_contain_text("已作答")

    # A second resident's answer (through the service, as the page would).
    asked = {q.position: q for q in selectors.questions_of(survey=survey)}
    services.survey_answer(
        survey=survey,
        respondent=other,
        answers={
            asked[1].pk: ["1"],
            asked[2].pk: ["0"],
            asked[3].pk: ["5"],
            asked[4].pk: [""],
        },
    )

    # The publisher's results: a chart per question with the counts, the mean, the text.
    staff.goto(f"/surveys/manage/{survey.pk}/")
    staff.get_by_role("link", name="查看结果").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("调查结果")
    first = staff.get_by_role("img", name=re.compile("第 1 题"))
    expect(first).to_be_visible()
    expect(first).to_contain_text("一次办成")
    expect(first).to_contain_text("1 人（50%）")
    second = staff.get_by_role("img", name=re.compile("第 2 题"))
    expect(second).to_contain_text("2 人（100%）")  # both named 排队时间长
    expect(staff.locator("figure.chart svg")).to_have_count(3)
    scale = staff.get_by_role("region", name=re.compile("总体评价"))
    expect(scale).to_contain_text("平均分 4.5（满分 5）")
    texts = staff.get_by_role("region", name=re.compile("您还有什么建议"))
    expect(texts).to_contain_text("<script>alert(1)</script>希望延长周末开放时间")
    # The charts' tables for screen readers are hidden without widening the page.
    assert staff.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _shot(staff, "survey-results")

    # The CSV: one row per response, Chinese readable in Excel (BOM), choices as labels.
    with staff.expect_download() as download_info:
        staff.get_by_role("link", name="下载全部答卷（CSV）").click()
    download = download_info.value
    assert download.suggested_filename == f"survey-{survey.pk}-results.csv"
    content = Path(download.path()).read_bytes().decode("utf-8")
    assert content.startswith(CSV_BOM)
    lines = content.removeprefix(CSV_BOM).splitlines()
    assert len(lines) == 3 and "1. 您这次办事跑了几次？" in lines[0]
    assert "一次办成" in lines[1] and "排队时间长；材料要求不清楚" in lines[1]
    assert "希望延长周末开放时间" in lines[1] and "两次" in lines[2]


def test_errors_closing_early_and_public_results(page: Page, new_page, ui):
    publisher = f.staff(unit=f.unit(DISTRICT), roles=[Role.PUBLISHER])
    key = f.totp_device(publisher).bin_key
    resident = f.citizen(home=f.community(STREET), name="陈小明")
    survey = services.survey_create(author=publisher, title="社区食堂意见征集")
    single = services.question_add(
        survey=survey, actor=publisher, kind="single", text="您会去社区食堂吗？",
        options=["会", "不会"],
    )  # fmt: skip
    services.question_add(survey=survey, actor=publisher, kind="text", text="您的意见")
    survey = services.survey_open(
        survey=survey, actor=publisher, closes_at=timezone.now() + timedelta(days=3)
    )

    # Nothing answered: each required question says so, and nothing is stored.
    ui.sign_in(page, resident.id_number)
    expect(page).to_have_url(ui.url("/me/"))
    page.goto(f"/surveys/{survey.pk}/")
    page.get_by_role("button", name="提交答卷").click()
    expect(page.get_by_role("alert").first).to_contain_text("有 2 道题需要修改")
    expect(page.get_by_role("group", name=re.compile("您会去社区食堂吗"))).to_contain_text(
        "这道题必须回答"
    )
    expect(page.get_by_text("请填写回答")).to_be_visible()
    _shot(page, "survey-errors")
    assert not SurveyResponse.objects.exists()

    # The publisher's list, the locked question, and closing early.
    staff = new_page()
    ui.staff_sign_in(staff, publisher, key)
    staff.goto("/surveys/manage/")
    table = staff.get_by_role("table")
    expect(table.get_by_role("row").filter(has_text="社区食堂意见征集")).to_contain_text("进行中")
    staff.goto(f"/surveys/manage/{survey.pk}/questions/{single.pk}/")
    expect(staff.get_by_role("alert")).to_contain_text("问卷已发布，不能再修改设置或题目")
    staff.goto(f"/surveys/manage/{survey.pk}/")
    staff.get_by_role("button", name="提前结束问卷").click()
    expect(staff.get_by_role("status")).to_contain_text("问卷已结束")

    # The resident: closed, with the results a link away; the public sees them without texts.
    page.goto(f"/surveys/{survey.pk}/")
    expect(page.get_by_role("heading", name="问卷已结束")).to_be_visible()
    expect(page.get_by_role("button", name="提交答卷")).to_have_count(0)
    page.context.clear_cookies()
    page.goto("/surveys/")
    page.get_by_role("link", name=re.compile("社区食堂意见征集")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("调查结果")
    expect(page.get_by_role("img", name=re.compile("第 1 题"))).to_contain_text("0 人（0%）")
    expect(page.get_by_text("文字回答仅提供给发起单位，不公开。")).to_be_visible()
    expect(page.get_by_role("link", name="下载全部答卷（CSV）")).to_have_count(0)
    _shot(page, "survey-public-results")
