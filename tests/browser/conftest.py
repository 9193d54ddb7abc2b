"""Browser tests: Playwright's sync API drives Debian's Chromium against the live server.

One Chromium per test process (each xdist worker starts its own), a fresh context and page per
test. The live server works on a transactional test database, so tests create their data with
the project's own services and factories and the data is flushed afterwards.

Every page a test opens is checked by axe-core (WCAG 2.0/2.1 A and AA): a test that saw any
violation fails, whatever it asserted itself.
"""

import base64
import json
import os
import threading
import time
import urllib.parse
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread
from django_otp.oath import totp
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Route,
    expect,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

from cityhall.identity.models import Account
from cityhall.identity.tests import factories as f

# Playwright's sync API runs an asyncio event loop in the test's own thread, and keeps it there
# from the first browser test until the session-scoped browser closes. Django refuses ORM calls
# from a thread with a running event loop (SynchronousOnlyOperation), yet these tests build and
# read their data with the ORM in that thread. Nothing runs concurrently with that loop (every
# Playwright call blocks until it is done, and the live server answers from its own thread), so
# the guard is lifted. It is process-wide on purpose: the tests this xdist worker runs after the
# browser tests share the thread and the still-running loop.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


class SharedConnectionWSGIServer(ThreadedWSGIServer):
    """The live server, answering one request at a time when its threads share a connection.

    On in-memory SQLite every request thread uses the test's one database connection (Django's
    `connections_override`), and two requests at once interleave on it: one's transaction
    swallows or rolls back the other's, or a request hangs. A kiosk page's keep-alive fetch
    racing the navigation it came with did exactly that. Threads still accept connections
    (Chromium keeps idle ones open, which would block a single-threaded server); only running
    the application is serialised. With a connection per thread (PostgreSQL) nothing changes.
    """

    def set_app(self, application: Any) -> None:
        if not self.connections_override:
            super().set_app(application)
            return
        lock = threading.Lock()

        def one_at_a_time(environ: dict[str, Any], start_response: Any) -> Any:
            with lock:
                return application(environ, start_response)

        super().set_app(one_at_a_time)


LiveServerThread.server_class = SharedConnectionWSGIServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
SCREENSHOTS = Path("test-results") / "browser"

# axe-core from npm (package-lock.json pins it; `make browser` runs `npm ci` when it is missing).
AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
AXE_BINDING = "__cityhallAxeReport"
AXE_WAIT_S = 20.0
# Runs in every document after axe-core (both are init scripts of the context). The top document
# announces itself, and once it is parsed and styled it is checked (axe-core checks its frames
# through their own copy) and the result goes back to Python through the binding.
# Not checked: the Django admin (/admin/…) and the generated API docs (/api/…/docs), which are
# third-party markup that this project does not write.
AXE_RUN = """
(() => {
  if (window.top !== window || !/^https?:$/.test(location.protocol)) return;
  const path = location.pathname;
  if (/^\\/admin\\//.test(path) || /^\\/api\\/.*\\/docs/.test(path)) return;
  const report = window.__BINDING__;
  const doc = `${Date.now()}-${Math.random()}`;
  report({ event: "begin", doc, url: location.href });
  const check = async () => {
    const url = location.href;
    try {
      if (document.contentType !== "text/html") {
        await report({ event: "done", doc, url, violations: [] });
        return;
      }
      const result = await axe.run(document, {
        runOnly: { type: "tag", values: __TAGS__ },
        resultTypes: ["violations"],
      });
      await report({
        event: "done", doc, url,
        violations: result.violations.map((v) => ({
          id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
          nodes: v.nodes.map((n) => ({ target: n.target.map(String), html: n.html })),
        })),
      });
    } catch (error) {
      await report({ event: "done", doc, url, error: String(error) });
    }
  };
  // Once the document is parsed and its style sheets are in (not waiting for images: a test that
  // clicks on before the load event would otherwise abort it, and the check with it).
  const styled = () => Promise.all(
    [...document.querySelectorAll('link[rel~="stylesheet"]')].filter((link) => !link.sheet).map(
      (link) => new Promise((resolve) => {
        link.addEventListener("load", resolve, { once: true });
        link.addEventListener("error", resolve, { once: true });
      }),
    ),
  );
  document.addEventListener(
    "DOMContentLoaded", () => styled().then(() => setTimeout(check, 0)), { once: true },
  );
})();
""".replace("__TAGS__", json.dumps(list(AXE_TAGS))).replace("__BINDING__", AXE_BINDING)

expect.set_options(timeout=TIMEOUT_MS)

_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # Remember a failed test body so the page fixture can keep screenshots of what it showed.
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_CALL_FAILED] = True
    return report


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, never a downloaded browser; missing is a failure, not a skip."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail("Chromium not found at /usr/bin/chromium: apt-get install -y chromium")
    # From here on an event loop runs in this thread, and Django's connection handler (an asgiref
    # Local) then keeps a separate set of connections for "async" code. Hand it the connections
    # the test databases were set up on, which carry what serialized rollback restores.
    test_connections = {alias: connections[alias] for alias in connections}
    playwright = sync_playwright().start()
    for alias, connection in test_connections.items():
        connections[alias] = connection
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture(autouse=True)
def _reference_data(django_db_serialized_rollback: None) -> None:
    # Serialized rollback reloads the migrations' reference data (divisions, calendar, the audit
    # chain head) that an earlier transactional test in this worker may have flushed. The root
    # conftest already resets the per-process caches and compiles the translation catalogues.
    return None


def _may_be_a_document(url: str) -> bool:
    """Which requests pass through `_hold_navigation`: not static files.

    A route handler runs in the test's thread, and while one holds a navigation Playwright hands
    it no other request. Were a new page's style sheets and scripts routed too, a click that comes
    before they are in (the elements are there already) would hold the next navigation until the
    new page is checked, which cannot happen without its style sheets: both wait until the hold
    gives up, and the click's navigation times out.
    """
    return "/static/" not in urllib.parse.urlsplit(url).path


class AxeChecker:
    """Checks every document that a test's browser contexts load with axe-core.

    Each top-level document announces itself when it starts and reports once it has been checked
    after loading. A page's next navigation is held (a context route) until its current document
    has reported, so a quick click never skips a page; `settle` waits for the last ones.
    """

    def __init__(self) -> None:
        self.reports: list[dict[str, Any]] = []
        self.checked: list[str] = []  # the address of every document checked, in order
        self.pending: dict[Page, dict[str, str]] = {}
        self.contexts: list[BrowserContext] = []

    def attach(self, context: BrowserContext) -> None:
        if not AXE_SCRIPT.is_file():
            pytest.fail(f"axe-core not found at {AXE_SCRIPT}: run `make browser` (npm ci)")
        context.expose_binding(AXE_BINDING, self._receive)
        context.add_init_script(path=AXE_SCRIPT)
        context.add_init_script(script=AXE_RUN)
        context.route(_may_be_a_document, self._hold_navigation)
        self.contexts.append(context)

    def _receive(self, source: dict[str, Any], message: dict[str, Any]) -> None:
        pending = self.pending.setdefault(source["page"], {})
        if message["event"] == "begin":
            pending[message["doc"]] = message["url"]
        else:
            pending.pop(message["doc"], None)
            self.reports.append(message)
            if "error" not in message:
                self.checked.append(message["url"])

    def _hold_navigation(self, route: Route) -> None:
        request = route.request
        if request.is_navigation_request() and request.frame.parent_frame is None:
            self._wait(request.frame.page)
        route.fallback()

    def _wait(self, page: Page) -> None:
        """Until the documents this page has started have reported (the page itself is left
        alone: a navigation may be waiting on this)."""
        deadline = time.monotonic() + AXE_WAIT_S
        pending = self.pending.get(page, {})
        while pending and not page.is_closed():
            if time.monotonic() > deadline:
                for url in pending.values():
                    self.reports.append({"url": url, "error": "the check did not finish"})
                pending.clear()
                break
            page.wait_for_timeout(20)

    def wait_checked(self, page: Page) -> None:
        """Until the page's documents have been checked (from the test, not a route handler)."""
        if not page.is_closed():
            self._wait(page)

    def settle(self) -> None:
        """Waits until every open page's documents have been checked."""
        for context in self.contexts:
            for page in context.pages:
                if not page.is_closed():
                    page.wait_for_load_state("load")
                    self._wait(page)

    def take(self) -> list[dict[str, Any]]:
        """The reports so far (each: url, and violations or error), cleared from the checker."""
        self.settle()
        reports, self.reports = self.reports, []
        return reports

    @staticmethod
    def describe(reports: list[dict[str, Any]]) -> list[str]:
        """One entry per violation (or failed run): rule, impact, URL, nodes and help URL."""
        lines = []
        for report in reports:
            if "error" in report:
                lines.append(f"axe-core could not check {report['url']}: {report['error']}")
            for v in report.get("violations", []):
                nodes = "\n".join(
                    f"    {' '.join(n['target'])}\n      {n['html']}" for n in v["nodes"]
                )
                lines.append(
                    f"{v['id']} ({v['impact']}) on {report['url']}: {v['help']}\n"
                    f"{nodes}\n    see {v['helpUrl']}"
                )
        return lines


@pytest.fixture
def axe(monkeypatch: pytest.MonkeyPatch) -> AxeChecker:
    """The accessibility checker of this test's pages (zero violations allowed).

    A tap or a click first waits, in the test itself, until the page's current document has been
    checked. The route that holds a navigation does the same wait, but from inside a route
    handler; kiosk journeys that tapped on while a fresh page was still being checked hung there
    now and then in CI (the navigation never went on). Waiting before the action leaves the hold
    nothing to wait for.
    """
    checker = AxeChecker()
    for action in ("tap", "click"):
        original = getattr(Locator, action)

        def checked_first(
            self: Locator, *args: Any, _original: Callable[..., None] = original, **kwargs: Any
        ) -> None:
            checker.wait_checked(self.page)
            _original(self, *args, **kwargs)

        monkeypatch.setattr(Locator, action, checked_first)
    return checker


@pytest.fixture
def new_page(
    chromium: Browser, live_server: LiveServer, request: pytest.FixtureRequest, axe: AxeChecker
) -> Generator[Callable[..., Page]]:
    """Opens a page in a fresh browser context (its own cookies: another person's browser);
    keyword arguments go to the context (a phone: viewport, is_mobile, has_touch).

    Every page fails the test if the server answers 5xx, a script throws or axe-core finds an
    accessibility violation, and a failed test leaves full-page screenshots in
    test-results/browser/.
    """
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    def open_page(**options: Any) -> Page:
        context = chromium.new_context(
            base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", **options
        )
        context.set_default_timeout(TIMEOUT_MS)
        axe.attach(context)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "response",
            lambda r: (
                problems.append(f"HTTP {r.status} {r.request.method} {r.url}")
                if r.status >= 500
                else None
            ),
        )
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        return page

    yield open_page

    try:
        problems.extend(AxeChecker.describe(axe.take()))
        if request.node.stash.get(_CALL_FAILED, False):
            folder = request.config.rootpath / SCREENSHOTS
            folder.mkdir(parents=True, exist_ok=True)
            for n, context in enumerate(contexts):
                for m, page in enumerate(context.pages):
                    page.screenshot(
                        path=folder / f"{request.node.name}-{n}-{m}.png", full_page=True
                    )
    finally:
        for context in contexts:
            context.close()
    if problems:
        pytest.fail("the browser saw errors:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()


class Ui:
    """Steps that several journeys share, against this test's live server."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    @staticmethod
    def totp_code(key: bytes) -> str:
        """The code an authenticator app shows now for this key (django-otp's TOTP defaults)."""
        return f"{totp(key):06d}"

    @staticmethod
    def key_from_secret(secret: str) -> bytes:
        """The key behind the base32 secret that the enrolment page shows for manual entry."""
        return base64.b32decode(secret)

    @staticmethod
    def sign_in(page: Page, identifier: str, password: str = f.PASSWORD) -> None:
        """Fills and submits the sign-in form; the caller asserts where it leads."""
        page.goto("/accounts/signin/")
        page.get_by_label("身份证号或登录名").fill(identifier)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录", exact=True).click()

    def staff_sign_in(self, page: Page, account: Account, key: bytes) -> None:
        """Password, then the 6-digit code of the staff member's confirmed authenticator."""
        self.sign_in(page, account.username)
        expect(page).to_have_url(self.url("/accounts/signin/mfa/"))
        expect(page.locator("#totp-secret")).to_have_count(0)  # enrolled: no new secret shown
        page.get_by_label("6 位验证码").fill(self.totp_code(key))
        page.get_by_role("button", name="验证", exact=True).click()
        expect(page).to_have_url(self.url("/workspace/"))


@pytest.fixture
def ui(live_server: LiveServer) -> Ui:
    return Ui(live_server.url)
