"""Signing in through the browser: the redirect to the sign-in page and back, refused
credentials, the language chosen from the browser's, and the page at phone width."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from tests.browser.helpers import LOGIN_PATH, has_horizontal_scroll, sign_in_form, submit_sign_in
from tests.factories import UserFactory


def test_api_docs_send_visitors_to_sign_in_and_back_after_it(page, live_url):
    UserFactory(username="finance_b", role=Role.FINANCE)

    page.goto(f"{live_url}/api/docs/")
    assert urlsplit(page.url).path == LOGIN_PATH
    assert urlsplit(page.url).query == "next=/api/docs/"

    response = submit_sign_in(page, "finance_b")

    assert response.status == 302
    assert page.url == f"{live_url}/api/docs/"
    expect(page.locator(".swagger-ui")).to_be_visible()
    expect(
        page.locator(".opblock-summary-path", has_text="/api/v1/customers/").first
    ).to_be_visible()
    assert page.console_errors == []


def test_wrong_password_shows_the_error_and_signs_nobody_in(page, live_url):
    user = UserFactory(username="finance_b", role=Role.FINANCE)

    page.goto(f"{live_url}{LOGIN_PATH}")
    response = submit_sign_in(page, "finance_b", "not-the-password")

    assert response.status == 200
    assert urlsplit(page.url).path == LOGIN_PATH
    expect(
        page.get_by_text("Your username and password didn't match. Please try again.")
    ).to_be_visible()
    assert "sessionid" not in [cookie["name"] for cookie in page.context.cookies()]
    user.refresh_from_db()
    assert user.last_login is None
    assert page.console_errors == []


@pytest.mark.parametrize(
    ("browser_locale", "html_lang", "button"),
    [("en-US", "en", "Sign in"), ("zh-CN", "zh-hans", "登录")],
)
def test_sign_in_page_speaks_the_browsers_language(
    new_page, live_url, browser_locale, html_lang, button
):
    page = new_page(locale=browser_locale)

    page.goto(f"{live_url}{LOGIN_PATH}")

    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    expect(sign_in_form(page).locator('[type="submit"]')).to_have_text(button)
    assert page.console_errors == []


def test_sign_in_page_fits_a_phone_screen(phone_page, live_url):
    phone_page.goto(f"{live_url}{LOGIN_PATH}")

    # 375 rather than the 980 px a phone assumes for pages that do not declare their width.
    assert phone_page.evaluate("window.innerWidth") == 375
    assert not has_horizontal_scroll(phone_page)
    expect(sign_in_form(phone_page).locator('[type="submit"]')).to_be_in_viewport()
    assert phone_page.console_errors == []
