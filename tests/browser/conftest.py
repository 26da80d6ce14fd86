"""Browser tests: Debian's Chromium, driven by Playwright's sync API, against pytest-django's
live server (a real HTTP server in a thread of this process, on the test database).

`playwright install` downloads browsers and nothing can be downloaded here, so Playwright
launches the system's /usr/bin/chromium (`.ci/run` installs the package). Every test under
this folder is marked `browser` (`pytest -m "not browser"` leaves them out) and runs after the
rest of the suite: see pytest_collection_modifyitems.

The live server needs `transactional_db` (pytest-django requests it for any test that uses
`live_server`): what a test writes is committed, so the server's threads see it, and the
database is emptied after each test.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, sync_playwright

from tests.browser.helpers import DESKTOP, PHONE

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    # Chromium's sandbox refuses to start as root, which is how CI runs.
    "--no-sandbox",
    "--disable-gpu",
    # Nothing but the live server on loopback may be contacted: no update, sync or
    # field-trial requests to Google.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Containers often mount a small /dev/shm; Chromium then crashes while rendering.
    "--disable-dev-shm-usage",
]
# Playwright waits 30 s by default; a page of this app that takes 10 s is already a failure.
TIMEOUT_MS = 10_000


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: drives Debian's Chromium through Playwright (tests/browser)"
    )


def pytest_itemcollected(item):
    # Called only for items below this folder, and before `-m` selects.
    item.add_marker(pytest.mark.browser)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run browser tests last. While Playwright's sync API is started, its asyncio event loop
    counts as running in the main thread, so asyncio.run() or async_to_sync() would fail in any
    test that ran after the first browser test. (The stable sort keeps pytest-django's order,
    database tests before transactional ones, within each part.)"""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def browser() -> Browser:
    # Django refuses ORM calls from a thread where an event loop runs (SynchronousOnlyOperation),
    # and Playwright's loop counts as running in the main thread until it stops: this would stop
    # test bodies creating data, transactional_db emptying the database after each test, and the
    # test database being dropped at the end. The calls are not made from async code (the loop
    # is only Playwright's), so the check does not apply; it is switched off only while
    # Playwright runs.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture
def new_page(browser):
    """Make pages, each in a new browser context (its own cookies): `new_page()` for a desktop
    (1440×900, en-US), `new_page(phone=True)` for a phone (375×812, touch, mobile viewport);
    other keywords go to Browser.new_context (`locale="zh-CN"`, `extra_http_headers=...`).

    Each page collects the browser's console errors and uncaught script errors in
    `page.console_errors`, so tests can assert that there are none."""
    contexts = []

    def make(*, phone: bool = False, **context_options) -> Page:
        context = browser.new_context(
            **{"locale": "en-US", **(PHONE if phone else DESKTOP), **context_options}
        )
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.console_errors = []

        def on_console(message: ConsoleMessage) -> None:
            source = message.location.get("url")
            if message.type == "error":
                page.console_errors.append(f"{message.text} ({source})" if source else message.text)

        def on_page_error(error: Error) -> None:
            page.console_errors.append(f"uncaught {error.name}: {error.message}")

        page.on("console", on_console)
        page.on("pageerror", on_page_error)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    """A desktop page (1440×900, en-US) in a fresh browser context."""
    return new_page()


@pytest.fixture
def phone_page(new_page) -> Page:
    """A phone page (375×812, touch, mobile viewport, en-US) in a fresh browser context."""
    return new_page(phone=True)


@pytest.fixture
def live_url(live_server) -> str:
    """The live server's address, without a trailing slash: f"{live_url}/accounts/login/"."""
    return live_server.url


@pytest.fixture
def save_screenshot(tmp_path_factory):
    """`save_screenshot(page, name)` writes `<name>.png` (the whole page; keywords go to
    Page.screenshot) to $HUIKUAN_SCREENSHOT_DIR if set (the README's pictures under docs/ are
    made that way), else to a folder in pytest's temporary directory; returns the file's path."""

    def save(page: Page, name: str, **options) -> Path:
        folder = os.environ.get("HUIKUAN_SCREENSHOT_DIR")
        if folder:
            directory = Path(folder)
            directory.mkdir(parents=True, exist_ok=True)
        else:
            directory = tmp_path_factory.getbasetemp() / "screenshots"
            directory.mkdir(exist_ok=True)
        path = directory / f"{name.removesuffix('.png')}.png"
        page.screenshot(path=path, **{"full_page": True, **options})
        return path

    return save
