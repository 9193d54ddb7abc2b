"""Browser tests: Playwright's sync API drives Debian's Chromium against the live server.

One Chromium per test process (each xdist worker starts its own), a fresh context and page per
test. The live server works on a transactional test database, so tests create their data with
the project's own services and factories and the data is flushed afterwards.
"""

import base64
import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django_otp.oath import totp
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
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


@pytest.fixture
def new_page(
    chromium: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Generator[Callable[..., Page]]:
    """Opens a page in a fresh browser context (its own cookies: another person's browser);
    keyword arguments go to the context (a phone: viewport, is_mobile, has_touch).

    Every page fails the test if the server answers 5xx or a script throws, and a failed test
    leaves full-page screenshots in test-results/browser/.
    """
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    def open_page(**options: Any) -> Page:
        context = chromium.new_context(
            base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", **options
        )
        context.set_default_timeout(TIMEOUT_MS)
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
        pytest.fail("the browser saw errors:\n" + "\n".join(problems))


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
