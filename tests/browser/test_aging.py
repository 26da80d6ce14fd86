"""The aging report in Chromium: change the grouping with the filter form, follow an amount to
its installments, and read the report on a phone without horizontal scrolling."""

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from tests.browser.helpers import has_horizontal_scroll, login
from tests.factories import UserFactory
from tests.reports.aging_world import build_example_ledger


@pytest.fixture
def finance_with_ledger(transactional_db):
    finance = UserFactory(username="finance_aging", role=Role.FINANCE)
    build_example_ledger(finance)
    return finance


def test_regroup_and_drill_down_to_installments(page, live_url, finance_with_ledger):
    login(page, live_url, "finance_aging")
    page.goto(f"{live_url}/reports/aging/?as_of=2026-03-31")
    expect(page.locator("[data-grand-total]")).to_have_text("¥3,933.31")

    page.select_option('select[name="group_by"]', "sales_rep")
    page.get_by_role("button", name="Show").click()

    rows = page.locator("#aging-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator("th")).to_have_text("刘洋")
    no_rep = rows.filter(has_text="No sales rep")
    no_rep.locator("[data-row-total] a").click()

    expect(page.locator("h1")).to_have_text("Aging: installments")
    expect(page.locator("[data-group-label]")).to_have_text("No sales rep")
    expect(page.locator("#drilldown-table tbody tr")).to_have_count(2)
    expect(page.locator("[data-drilldown-total]")).to_have_text("¥150.00")
    assert page.console_errors == []


def test_the_report_fits_a_phone(phone_page, live_url, finance_with_ledger):
    login(phone_page, live_url, "finance_aging")
    phone_page.goto(f"{live_url}/reports/aging/?as_of=2026-03-31")

    expect(phone_page.locator("#aging-table")).to_be_visible()
    assert not has_horizontal_scroll(phone_page)
    assert phone_page.console_errors == []
