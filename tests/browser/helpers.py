"""Helpers for browser tests: plain functions that test modules import
(`from tests.browser.helpers import login`); the fixtures live in conftest.py beside this file."""

from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page, Response

# tests.factories.UserFactory gives every user this password.
PASSWORD = "pw-for-tests-123"
LOGIN_PATH = "/accounts/login/"

DESKTOP = {"viewport": {"width": 1440, "height": 900}}
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


def sign_in_form(page: Page) -> Locator:
    """The form with the password field (the page has other forms, e.g. the language switch)."""
    return page.locator("form").filter(has=page.locator('input[name="password"]'))


def submit_sign_in(page: Page, username: str, password: str = PASSWORD) -> Response:
    """Fill in the sign-in form the page shows, submit it and wait until the next page has
    loaded; return the answer to the POST (302 when the credentials were accepted, 200 with the
    form again when not)."""
    form = sign_in_form(page)
    form.locator('input[name="username"]').fill(username)
    form.locator('input[name="password"]').fill(password)
    with (
        page.expect_event("load"),
        page.expect_response(
            lambda response: (
                response.request.method == "POST" and urlsplit(response.url).path == LOGIN_PATH
            )
        ) as answer,
    ):
        form.locator('[type="submit"]').click()
    return answer.value


def login(page: Page, live_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the sign-in page, as a person would; fail at once if it is refused."""
    page.goto(f"{live_url}{LOGIN_PATH}")
    response = submit_sign_in(page, username, password)
    if response.status != 302:
        raise AssertionError(f"signing in as {username!r} was refused (HTTP {response.status})")


def has_horizontal_scroll(page: Page) -> bool:
    """Whether the page is wider than the viewport. Compared with the layout viewport
    (clientWidth): a phone zooms out to show an over-wide page whole, and window.innerWidth
    then grows to the page's width."""
    return page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
