"""The cash forecast page in Chromium: Chart.js draws the 13 weeks without script errors, the
drill-down opens from the table, and the page fits a phone."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from reports.forecast import week_start
from tests.browser.helpers import has_horizontal_scroll, login
from tests.factories import CustomerFactory, PaymentTermsFactory, UserFactory, issued_invoice

# True once Chart.js owns the canvas and has painted something on it.
CHART_DRAWN = """() => {
  const canvas = document.getElementById("forecast-chart");
  const chart = window.Chart && Chart.getChart(canvas);
  if (!chart || canvas.width === 0 || canvas.height === 0) return false;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
  return false;
}"""


@pytest.fixture
def manager_with_ledger(transactional_db):
    """A manager, and two customers with no payment history (items expected on their due
    dates): 120.00 due in 8 days, 80.00 due in 22 days."""
    finance = UserFactory(username="finance_f", role=Role.FINANCE)
    terms = PaymentTermsFactory(code="NET30", name="Net 30", net_days=30)
    today = timezone.localdate()
    for days_ahead, amount in [(8, "120.00"), (22, "80.00")]:
        issued_invoice(
            CustomerFactory(owner=UserFactory(role=Role.SALES)),
            actor=finance,
            amount=Decimal(amount),
            issue_date=today + timedelta(days=days_ahead - 30),
            terms=terms,
        )
    UserFactory(username="manager_f", role=Role.MANAGER)
    return today


def open_forecast(page, live_url):
    login(page, live_url, "manager_f")
    page.goto(f"{live_url}/reports/forecast/")
    page.wait_for_function(CHART_DRAWN)


def test_the_forecast_chart_draws_the_thirteen_weeks(page, live_url, manager_with_ledger):
    today = manager_with_ledger
    open_forecast(page, live_url)

    data = page.evaluate("Chart.getChart('forecast-chart').data")
    assert len(data["labels"]) == 13
    expected = [0] * 13
    for days_ahead, amount in [(8, 120), (22, 80)]:
        index = (week_start(today + timedelta(days=days_ahead)) - week_start(today)).days // 7
        expected[index] += amount
    assert data["datasets"][0]["data"] == expected
    expect(page.locator('[data-figure="total"]')).to_have_text("¥200.00")
    expect(page.locator("#forecast-accuracy")).to_be_visible()
    assert not has_horizontal_scroll(page)
    assert page.console_errors == []


def test_a_week_drills_down_to_its_customers(page, live_url, manager_with_ledger):
    today = manager_with_ledger
    open_forecast(page, live_url)
    week = week_start(today + timedelta(days=8)).isoformat()

    page.locator(f'tr[data-week="{week}"] a').click()

    expect(page.locator("#drill-down")).to_be_visible()
    expect(page.locator("#drill-down tbody[data-customer]")).to_have_count(1)
    expect(page.locator("#drill-down [data-customer-total]")).to_have_text("¥120.00")
    assert page.console_errors == []


def test_the_forecast_fits_a_phone(phone_page, live_url, manager_with_ledger):
    open_forecast(phone_page, live_url)

    width = phone_page.evaluate("document.getElementById('forecast-chart').clientWidth")
    assert 0 < width <= 375
    assert not has_horizontal_scroll(phone_page)
    assert phone_page.console_errors == []
