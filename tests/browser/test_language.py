"""Switching the interface to Simplified Chinese in the browser: the pages speak Chinese at once,
and the choice follows the user to their next sign-in."""

from datetime import date
from decimal import Decimal

from playwright.sync_api import expect

from accounts.roles import Role
from tests.browser.helpers import login
from tests.factories import CustomerFactory, UserFactory, issued_invoice


def test_switching_to_chinese_shows_chinese_labels_and_is_remembered(new_page, live_url):
    finance = UserFactory(username="finance_l", role=Role.FINANCE)
    customer = CustomerFactory(code="LANG01")
    issued_invoice(customer, actor=finance, amount=Decimal("500.00"), issue_date=date(2026, 1, 5))
    page = new_page(locale="en-US")
    login(page, live_url, "finance_l")
    page.goto(f"{live_url}/customers/{customer.pk}/")
    expect(page.locator("#main-nav").get_by_role("link", name="Customers")).to_be_visible()

    page.get_by_role("button", name="简体中文").click()

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    navigation = page.locator("#main-nav")
    for label in ("仪表盘", "客户", "发票", "收款"):
        expect(navigation.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="新建发票")).to_be_visible()
    expect(page.get_by_text("Open balance")).to_have_count(0)
    assert page.url.endswith(f"/customers/{customer.pk}/")

    # A new browser, asking for English, still gets the language the user chose.
    again = new_page(locale="en-US")
    login(again, live_url, "finance_l")
    expect(again.locator("html")).to_have_attribute("lang", "zh-hans")
    assert page.console_errors == [] and again.console_errors == []
