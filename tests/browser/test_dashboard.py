"""The manager's dashboard in Chromium: both charts are drawn by Chart.js, without script
errors, on a desktop and on a phone without horizontal scrolling."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from tests.browser.helpers import has_horizontal_scroll, login
from tests.factories import CustomerFactory, PaymentTermsFactory, UserFactory, issued_invoice

CHARTS = ("aging-chart", "trend-chart")

# True once Chart.js owns the canvas and has painted something on it.
CHART_DRAWN = """(id) => {
  const canvas = document.getElementById(id);
  const chart = window.Chart && Chart.getChart(canvas);
  if (!chart || canvas.width === 0 || canvas.height === 0) return false;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
  return false;
}"""


@pytest.fixture
def manager_with_ledger(transactional_db):
    """A manager, and open invoices of two reps' customers in several aging buckets."""
    finance = UserFactory(username="finance_b", role=Role.FINANCE)
    terms = PaymentTermsFactory(code="NET10", name="Net 10", net_days=10)
    today = timezone.localdate()
    for days_past_due, amount in [(-3, "120.00"), (12, "80.00"), (75, "45.00"), (400, "9.00")]:
        customer = CustomerFactory(owner=UserFactory(role=Role.SALES))
        issued_invoice(
            customer,
            actor=finance,
            amount=Decimal(amount),
            issue_date=today - timedelta(days=days_past_due + 10),
            terms=terms,
        )
    return UserFactory(username="manager_b", role=Role.MANAGER)


def open_dashboard(page, live_url):
    login(page, live_url, "manager_b")
    page.goto(f"{live_url}/")
    for chart in CHARTS:
        page.wait_for_function(CHART_DRAWN, arg=chart)


def test_managers_dashboard_draws_its_charts(page, live_url, manager_with_ledger):
    open_dashboard(page, live_url)

    expect(page.locator("#company-dashboard")).to_be_visible()
    expect(page.locator('[data-kpi="company-open"]')).to_have_text("¥254.00")
    assert page.evaluate("Chart.getChart('aging-chart').data.datasets[0].data") == [
        120,
        80,
        0,
        45,
        0,
        0,
        9,
    ]
    trend = page.evaluate("Chart.getChart('trend-chart').data")
    assert len(trend["labels"]) == 12
    assert [dataset["label"] for dataset in trend["datasets"]] == ["Open", "Overdue"]
    assert not has_horizontal_scroll(page)
    assert page.console_errors == []


def test_managers_dashboard_fits_a_phone(phone_page, live_url, manager_with_ledger):
    open_dashboard(phone_page, live_url)

    for chart in CHARTS:
        width = phone_page.evaluate(f"document.getElementById('{chart}').clientWidth")
        assert 0 < width <= 375
    # The KPI cards stack: each one starts below the previous one.
    tops = phone_page.locator(".kpi-card").evaluate_all(
        "cards => cards.map(card => card.getBoundingClientRect().top)"
    )
    assert tops == sorted(tops) and len(set(tops)) == len(tops)
    assert not has_horizontal_scroll(phone_page)
    assert phone_page.console_errors == []


def test_the_as_of_date_can_be_chosen(page, live_url, manager_with_ledger):
    open_dashboard(page, live_url)

    page.locator("#as-of").fill(date(2020, 1, 31).isoformat())
    page.get_by_role("button", name="Show", exact=True).click()

    expect(page.locator('[data-kpi="company-open"]')).to_have_text("¥0.00")
    assert page.url.endswith("?as_of=2020-01-31")
    assert page.console_errors == []
