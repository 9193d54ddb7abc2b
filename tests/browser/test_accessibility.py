"""Everyone can use it (issue 7): every public and citizen page passes axe-core's WCAG 2.0/2.1
A and AA rules at a desktop and a phone viewport, in Chinese, in English and in elder mode
(长辈版); the checker itself can fail; and the keyboard alone gets through.

The conftest checks every page any browser test opens; the tests here make sure every page a
citizen can reach is opened, in every presentation, and keep full-page screenshots of them under
test-results/browser/pages/.
"""

import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cityhall.applications.models import Application, Certificate
from cityhall.applications.services.intake import Intake, application_submit, plan_for
from cityhall.applications.tests import factories as af
from cityhall.catalog.models import Bundle
from cityhall.cloud.services import file_store
from cityhall.geo.models import Division
from cityhall.hotline.models import Channel, Ticket
from cityhall.hotline.services.intake import TicketDraft, ticket_create
from cityhall.hotline.tests import factories as hf
from cityhall.identity import services as identity_services
from cityhall.identity.models import Account
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f
from cityhall.notify.models import Message
from cityhall.participation.boards import services as boards
from cityhall.participation.consultations import services as consultations
from cityhall.participation.mailbox import services as mailbox
from cityhall.participation.models import (
    BoardPost,
    Consultation,
    Disposition,
    Letter,
    Mailbox,
    Publication,
    QuestionKind,
    Survey,
)
from cityhall.participation.services import publication_publish, subscription_add
from cityhall.participation.surveys import services as surveys
from tests.browser.conftest import SCREENSHOTS, AxeChecker, Ui

pytestmark = pytest.mark.browser

PAGES = SCREENSHOTS / "pages"
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}
# (name, context options, language switched to in the header, elder mode switched on)
VARIANTS = [
    ("zh", DESKTOP, "", False),
    ("en", DESKTOP, "English", False),
    ("elder", DESKTOP, "", True),
    ("phone", PHONE, "", False),
    ("phone-en", PHONE, "English", False),
    ("phone-elder", PHONE, "", True),
]
ROOT_PX = 16.0  # the browser's default root font size


@dataclass
class Participation:
    consultation: Consultation
    responded: Consultation
    mailbox: Mailbox
    letter: Letter
    survey: Survey
    closed_survey: Survey
    post: BoardPost


@dataclass
class City:
    citizen: Account
    application: Application
    certificate: Certificate
    ticket: Ticket
    message: Message
    bundle: str
    publication: Publication
    street: Division
    community: Division
    lat: float
    lng: float
    participation: Participation


DRAFT = "第一条 为了规范社区长者饭堂，制定本办法。\n第二条 街道办事处负责本辖区长者饭堂的管理。"


def _participation(citizen: Account, publisher: Account) -> Participation:
    """A draft open for comment and one answered in a report, a letter answered and published,
    a survey to answer and a closed one with results, and a post on the citizen's board."""
    now = timezone.now()
    assert publisher.unit is not None and citizen.home_division is not None

    def draft(title: str) -> Consultation:
        return consultations.consultation_create(
            author=publisher,
            title=title,
            summary="起草说明。",
            area_code=af.STREET,
            opens_at=now,
            closes_at=now + timedelta(days=14),
            draft=DRAFT,
        )

    consultation = draft("社区长者饭堂管理办法（征求意见稿）")
    article = consultation.articles.get(number=2)
    consultations.comment_add(
        consultation=consultation, author=citizen, body="建议增加送餐服务。", article=article
    )
    responded = draft("停车管理办法（征求意见稿）")
    comment = consultations.comment_add(consultation=responded, author=citizen, body="赞成。")
    Consultation.objects.filter(pk=responded.pk).update(closes_at=now - timedelta(hours=1))
    responded.refresh_from_db()
    comment.refresh_from_db()
    consultations.comment_answer(
        comment=comment, by=publisher, disposition=Disposition.NOTED, answer="感谢支持。"
    )
    consultations.response_publish(consultation=responded, by=publisher, summary="未作修改。")

    box = Mailbox.objects.create(
        name="赤岗街道书记信箱", unit=publisher.unit, addressee="街道党工委书记", time_limit_days=5
    )
    letter = mailbox.letter_write(
        writer=citizen,
        mailbox=box,
        subject="小区门口占道停车",
        body="小区门口长期有车辆占道停放，请协调处理。",
        consent_publish=True,
    )
    letter = mailbox.letter_reply(letter=letter, text="已协调交警加强巡查。", by=publisher)
    mailbox.letter_publish(letter=letter, by=publisher)

    def survey(title: str) -> Survey:
        created = surveys.survey_create(author=publisher, title=title, description="")
        surveys.question_add(
            survey=created,
            actor=publisher,
            kind=QuestionKind.SINGLE,
            text="您对服务是否满意？",
            options=["满意", "一般", "不满意"],
        )
        surveys.question_add(
            survey=created, actor=publisher, kind=QuestionKind.SCALE, text="打分", scale_max=5
        )
        return surveys.survey_open(
            survey=created, actor=publisher, closes_at=now + timedelta(days=7)
        )

    open_survey = survey("政务服务满意度调查")
    closed = survey("上季度办事体验调查")
    first, second = closed.questions.order_by("position")
    surveys.survey_answer(
        survey=closed, respondent=citizen, answers={first.pk: ["0"], second.pk: ["4"]}
    )
    closed = surveys.survey_close(survey=closed, actor=publisher)
    board = boards.board_for(citizen.home_division)
    post = boards.post_create(board=board, author=citizen, body="小区路灯坏了，晚上很黑。")
    return Participation(
        consultation=consultation,
        responded=responded,
        mailbox=box,
        letter=letter,
        survey=open_survey,
        closed_survey=closed,
        post=post,
    )


def _city() -> City:
    """A citizen of 赤岗街道 with an application under way, an e-certificate from a window, a
    12345 ticket, messages and a staff member's read of their data; and the grids to show."""
    hc = hf.hotline_city()
    citizen = hc.citizen
    af.reviewer(af.DISTRICT, "RS")
    af.reviewer(af.CITY, "SB")
    clerk = af.clerk()
    online = plan_for(item_code="RS-003")
    application = application_submit(
        Intake(
            applicant=citizen,
            idempotency_key="a11y-online",
            item_code="RS-003",
            uploads={m.pk: af.pdf() for m in online.materials},
            division_code=af.STREET,
            form=af.form_values(online.fields),
        )
    )
    instant = plan_for(item_code="RS-001")
    finished = application_submit(
        Intake(
            applicant=citizen,
            idempotency_key="a11y-window",
            item_code="RS-001",
            channel="window",
            clerk=clerk,
            checked_at_window=frozenset(m.pk for m in instant.materials),
            form=af.form_values(instant.fields),
        )
    )
    certificate = finished.certificates.get()
    lat, lng = hf.point_in()
    ticket = ticket_create(
        draft=TicketDraft(
            description=hf.VENDING,
            channel=Channel.WEB,
            category_code="CG01",
            lat=lat,
            lng=lng,
            reporter=citizen,
            reporter_phone=citizen.phone,
        )
    )
    window = f.staff(unit=f.unit(af.STREET), roles=[Role.WINDOW_CLERK])
    identity_services.citizen_reveal(actor=window, account_id=citizen.pk, purpose="核对低保申请")
    publisher = f.staff(unit=f.unit(af.STREET), roles=[Role.PUBLISHER])
    publication = publication_publish(
        author=publisher,
        title="赤岗街道停水通知",
        summary="周六 9:00–17:00 停水",
        body="因管网改造，周六 9:00–17:00 停水。",
        topic="notice",
        area_code=af.STREET,
    )
    subscription_add(subscriber=citizen, topic="", area_code=af.STREET)
    file_store(owner=citizen, upload=af.pdf("租房合同.pdf"), name="租房合同")
    message = Message.objects.filter(recipient=citizen).order_by("-pk").first()
    assert message is not None
    bundle = Bundle.objects.order_by("code").values_list("code", flat=True).first()
    assert bundle is not None
    street = Division.objects.get(code=af.STREET)
    community = Division.objects.filter(parent=street).order_by("code").first()
    assert community is not None
    return City(
        citizen=citizen,
        application=application,
        certificate=certificate,
        ticket=ticket,
        message=message,
        bundle=bundle,
        publication=publication,
        street=street,
        community=community,
        lat=lat,
        lng=lng,
        participation=_participation(citizen, publisher),
    )


def public_pages(city: City) -> list[tuple[str, str]]:
    """(name, path) of every page anyone can open."""
    p = city.participation
    return [
        ("home", "/"),
        ("services", "/services/"),
        ("services-search", "/services/?q=失业"),
        ("service-item", "/services/RS-003/"),
        ("service-bundle", f"/services/bundles/{city.bundle}/"),
        ("geo", "/geo/"),
        ("geo-district", "/geo/d/440105/"),
        ("geo-street", f"/geo/d/{city.street.code}/"),
        ("geo-community", f"/geo/d/{city.community.code}/"),
        ("geo-locate", f"/geo/locate/?lat={city.lat}&lng={city.lng}"),
        ("track-search", "/hotline/track/"),
        ("track", f"/hotline/track/{city.ticket.tracking_number}/"),
        ("opendata", "/opendata/"),
        ("information", "/information/"),
        ("information-filtered", f"/information/?topic=notice&area={city.street.code[:6]}"),
        ("publication", f"/information/{city.publication.pk}/"),
        ("publication-version", f"/information/{city.publication.pk}/versions/1/"),
        ("participation", "/participation/"),
        ("consultations", "/consultations/"),
        ("consultation", f"/consultations/{p.consultation.pk}/"),
        ("consultation-report", f"/consultations/{p.responded.pk}/report/"),
        ("moderation-policy", "/consultations/policy/"),
        ("mailboxes", "/mailbox/"),
        ("mailbox", f"/mailbox/{p.mailbox.pk}/"),
        ("surveys", "/surveys/"),
        ("survey-results", f"/surveys/{p.closed_survey.pk}/results/"),
        ("boards", "/boards/"),
        ("board", f"/boards/{p.post.board.division.code}/"),
        ("board-thread", f"/boards/posts/{p.post.pk}/"),
        ("verify", "/applications/verify/"),
        ("verify-valid", f"/applications/verify/?code={city.certificate.verification_code}"),
        ("verify-forged", "/applications/verify/?code=0000000000000000"),
        ("signin", "/accounts/signin/"),
        ("not-found", "/no-such-page/"),
    ]


def citizen_pages(city: City) -> list[tuple[str, str]]:
    """(name, path) of every page of a signed-in citizen (the public ones look different too)."""
    number = city.application.number
    p = city.participation
    return [
        ("me", "/me/"),
        ("home-signed-in", "/"),
        ("service-item-signed-in", "/services/RS-003/"),
        ("apply", "/applications/apply/RS-003/"),
        ("my-applications", "/applications/mine/"),
        ("application", f"/applications/{number}/"),
        ("finished-application", f"/applications/{city.certificate.application.number}/"),
        ("my-documents", "/applications/documents/"),
        ("inbox", "/inbox/"),
        ("message", f"/inbox/{city.message.pk}/"),
        ("my-data-access", "/exchange/my-data-access/"),
        ("my-data", "/me/data/"),
        ("cloud", "/cloud/"),
        ("subscriptions", "/information/subscriptions/"),
        ("hotline-report", "/hotline/report/"),
        ("hotline-mine", "/hotline/mine/"),
        ("participation-signed-in", "/participation/"),
        ("consultation-signed-in", f"/consultations/{p.consultation.pk}/"),
        ("mailbox-signed-in", f"/mailbox/{p.mailbox.pk}/"),
        ("my-letters", "/mailbox/mine/"),
        ("mailbox-track", "/mailbox/track/"),
        ("my-letter", f"/mailbox/letters/{p.letter.pk}/"),
        ("surveys-signed-in", "/surveys/"),
        ("survey", f"/surveys/{p.survey.pk}/"),
        ("survey-answered", f"/surveys/{p.closed_survey.pk}/"),
        ("board-signed-in", f"/boards/{p.post.board.division.code}/"),
        ("track-own", f"/hotline/track/{city.ticket.tracking_number}/"),
        ("not-found-signed-in", "/no-such-page/"),
    ]


def _switch_presentation(page: Page, language: str, elder: bool) -> None:
    """Uses the switches in the header, as a visitor would."""
    if language:
        page.get_by_role("banner").get_by_role("button", name=language, exact=True).click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    if elder:
        name = "Elder mode" if language else "长辈版"
        page.get_by_role("banner").get_by_role("link", name=name, exact=True).click()
        expect(page.locator("html")).to_have_class(re.compile(r"\belder\b"))


def _visit_all(
    page: Page,
    axe: AxeChecker,
    pages: list[tuple[str, str]],
    *,
    prefix: str,
    variant: str,
    language: str,
    elder: bool,
) -> None:
    """Opens each page, checks it is in the chosen presentation, keeps a full-page screenshot,
    and makes sure axe-core checked every one (the conftest fails the test on any violation)."""
    folder = Path(__file__).resolve().parents[2] / PAGES
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in pages:
        response = page.goto(path)
        assert response is not None
        assert response.status == (404 if name.startswith("not-found") else 200), (path, response)
        expect(page.locator("html")).to_have_attribute("lang", "en" if language else "zh-hans")
        if elder:
            expect(page.locator("html")).to_have_class(re.compile(r"\belder\b"))
        else:
            expect(page.locator("html")).not_to_have_class(re.compile(r"\belder\b"))
        expect(page.get_by_role("main")).to_be_visible()
        # Reflow: nothing makes the page scroll sideways, not even on a phone in elder mode.
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], (path, widths)
        page.screenshot(path=folder / f"{prefix}-{variant}-{name}.png", full_page=True)
    axe.settle()
    base = page.url.split("/", 3)[:3]
    checked = {url.removeprefix("/".join(base)) for url in axe.checked}
    missed = [path for _name, path in pages if _quoted(path) not in checked]
    assert not missed, f"axe-core did not check {missed}"


def _quoted(path: str) -> str:
    """The path as the browser's location shows it (non-ASCII query text percent-encoded)."""
    return urllib.parse.quote(path, safe="/?=&:.-_~%")


@pytest.mark.parametrize(
    ("variant", "options", "language", "elder"), VARIANTS, ids=[v[0] for v in VARIANTS]
)
def test_every_public_page_passes_axe(
    new_page: Callable[..., Page],
    axe: AxeChecker,
    variant: str,
    options: dict[str, Any],
    language: str,
    elder: bool,
):
    city = _city()
    page = new_page(**options)
    page.goto("/")
    _switch_presentation(page, language, elder)
    _visit_all(
        page,
        axe,
        public_pages(city),
        prefix="public",
        variant=variant,
        language=language,
        elder=elder,
    )


@pytest.mark.parametrize(
    ("variant", "options", "language", "elder"), VARIANTS, ids=[v[0] for v in VARIANTS]
)
def test_every_citizen_page_passes_axe(
    new_page: Callable[..., Page],
    axe: AxeChecker,
    ui: Ui,
    variant: str,
    options: dict[str, Any],
    language: str,
    elder: bool,
):
    city = _city()
    page = new_page(**options)
    ui.sign_in(page, city.citizen.id_number)
    expect(page).to_have_url(ui.url("/me/"))
    _switch_presentation(page, language, elder)
    _visit_all(
        page,
        axe,
        citizen_pages(city),
        prefix="citizen",
        variant=variant,
        language=language,
        elder=elder,
    )


# A page with violations that axe-core's WCAG A rules must find: no lang, an image without alt
# text, a field without a label, and a link with no name. It links on to a real page.
BROKEN = """<!DOCTYPE html><html><head><title>broken</title></head><body><main>
<h1>Broken</h1><img src="/static/none.png"><input type="text" name="q">
<a href="/"><span></span></a><a id="onward" href="/services/">onward</a></main></body></html>"""


def test_the_checker_fails_a_page_with_violations_even_when_the_test_moves_on_at_once(
    page: Page, axe: AxeChecker, ui: Ui
):
    page.route(
        "**/broken-page/", lambda route: route.fulfill(content_type="text/html", body=BROKEN)
    )
    page.goto("/broken-page/")
    # Straight on to the next page: the navigation waits for the broken page's check.
    page.locator("#onward").click()
    expect(page).to_have_url(ui.url("/services/"))

    reports = axe.take()  # taken, so that this test itself does not fail at teardown
    assert [r["url"] for r in reports] == [ui.url("/broken-page/"), ui.url("/services/")]
    broken, clean = reports
    found = {v["id"]: v for v in broken["violations"]}
    assert {"html-has-lang", "image-alt", "label", "link-name"} <= set(found)
    assert clean["violations"] == []
    image = found["image-alt"]
    assert image["impact"] == "critical"
    assert image["nodes"][0]["target"] == ["img"]
    assert image["nodes"][0]["html"] == '<img src="/static/none.png">'
    assert image["helpUrl"].startswith("https://dequeuniversity.com/rules/axe/")

    # What the test would fail with names the rule, impact, page, element and help.
    text = "\n".join(AxeChecker.describe([broken]))
    assert f"image-alt (critical) on {ui.url('/broken-page/')}" in text
    assert '<img src="/static/none.png">' in text
    assert "https://dequeuniversity.com/rules/axe/" in text
    assert axe.take() == []


def test_admin_and_api_docs_are_not_checked(page: Page, axe: AxeChecker, ui: Ui):
    # Third-party markup (Django admin, the generated API docs) is left out on purpose.
    page.route(
        "**/admin/broken/", lambda route: route.fulfill(content_type="text/html", body=BROKEN)
    )
    page.goto("/admin/broken/")
    page.goto("/")
    assert [r["url"] for r in axe.take()] == [ui.url("/")]


def _focused(page: Page) -> dict[str, Any]:
    """What has the keyboard focus: tag, id, text, and whether a focus indicator shows."""
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          const box = el.getBoundingClientRect();
          const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
          const shadow = style.boxShadow !== "none";
          return {
            tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name"),
            text: (el.innerText || el.value || "").trim().slice(0, 40),
            indicator: outline || shadow,
            inView: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
              && box.top < innerHeight && box.left < innerWidth,
          };
        }"""
    )


def test_tab_reaches_the_skip_link_first_and_it_moves_focus_to_main(page: Page, ui: Ui):
    # (The sign-in page puts the focus in its form instead: see the next test.)
    for path in ("/", "/services/", "/hotline/track/", "/applications/verify/", "/no-such-page/"):
        page.goto(path)
        page.keyboard.press("Tab")
        first = _focused(page)
        assert first["tag"] == "a" and first["text"] == "跳到主要内容", (path, first)
        assert first["indicator"] and first["inView"], (path, first)
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()
        # The next Tab goes on inside the main content, not back to the header.
        page.keyboard.press("Tab")
        inside = page.evaluate(
            "() => document.querySelector('main').contains(document.activeElement)"
        )
        assert inside, (path, _focused(page))


def test_a_citizen_signs_in_with_the_keyboard_alone(page: Page, ui: Ui):
    resident = f.citizen(home=f.community("440105001"), name="陈小明")
    page.goto("/accounts/signin/")
    # No autofocus: a screen-reader user starts at the top (skip link, heading, hint).
    assert page.evaluate("() => document.activeElement.name") != "identifier"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # skip link → main
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.name") == "identifier":
            break
    else:
        pytest.fail("Tab never reached the ID number field")
    assert _focused(page)["indicator"]
    page.keyboard.type(resident.id_number)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.type") == "password"
    page.keyboard.type(f.PASSWORD)
    page.keyboard.press("Tab")
    focused = _focused(page)
    assert focused["tag"] == "button" and focused["text"] == "登录" and focused["indicator"]
    page.keyboard.press("Enter")
    # The browser keeps the skip link's #main across the redirect.
    expect(page).to_have_url(re.compile(re.escape(ui.url("/me/")) + r"(#main)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("陈小明 的主页")


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
def test_focus_is_always_visible(new_page: Callable[..., Page], ui: Ui, elder: bool):
    city = _city()
    for options in (DESKTOP, PHONE):
        page = new_page(**options)
        ui.sign_in(page, city.citizen.id_number)
        expect(page).to_have_url(ui.url("/me/"))
        _switch_presentation(page, "", elder)
        for path in (
            "/",
            "/services/RS-003/",
            "/me/",
            "/applications/documents/",
            "/hotline/report/",
        ):
            page.goto(path)
            seen: list[dict[str, Any]] = []
            for _ in range(60):
                page.keyboard.press("Tab")
                focused = _focused(page)
                if focused["tag"] == "body" or focused in seen[:1]:
                    break  # round the page and back
                seen.append(focused)
                assert focused["indicator"], (path, focused)
                assert focused["inView"], (path, focused)
            assert len(seen) > 3, (path, seen)


def _px(page: Page, script: str) -> float:
    return float(page.evaluate(script))


def test_elder_mode_is_larger_simpler_and_easier_to_hit(new_page: Callable[..., Page], ui: Ui):
    city = _city()
    page = new_page(**PHONE)
    ui.sign_in(page, city.citizen.id_number)
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="行政区划与网格")).to_be_visible()
    standard_links = nav.get_by_role("link").count()
    page.get_by_role("link", name="长辈版", exact=True).click()
    expect(page).to_have_url(ui.url("/me/"))
    page.wait_for_load_state("load")  # measure with the new page's stylesheet applied

    # The switch says which mode is on and offers the way back.
    back = page.get_by_role("link", name="标准版", exact=True)
    expect(back).to_have_accessible_description("当前为长辈版")
    root = "parseFloat(getComputedStyle(document.documentElement).fontSize)"
    assert _px(page, root) >= 1.3 * ROOT_PX
    # A reduced top navigation, and secondary content dropped.
    expect(nav.get_by_role("link", name="行政区划与网格")).to_have_count(0)
    assert nav.get_by_role("link").count() < standard_links
    expect(page.locator("footer .elder-hide")).to_be_hidden()
    # Targets of at least 48 px in the header.
    for target in page.locator("header a, header button").all():
        box = target.bounding_box()
        assert box is not None and box["height"] >= 48 and box["width"] >= 48, target
    # One column: the districts on the home page stack.
    page.goto("/")
    columns = page.locator(".card-list").evaluate("el => getComputedStyle(el).gridTemplateColumns")
    assert len(columns.split()) == 1, columns
    # Darker secondary text than the standard layout.
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.lead')).color") == "rgb(0, 0, 0)"
    )

    back = page.get_by_role("link", name="标准版", exact=True)
    back.click()
    expect(page.locator("html")).not_to_have_class(re.compile(r"\belder\b"))
    assert _px(page, root) == ROOT_PX
