"""The KPI page in Chromium: both line charts are drawn by Chart.js from the worked example
(tests/reports/kpi_example.py), without script errors, on a desktop and on a phone without
horizontal scrolling."""

import pytest

from accounts.roles import Role
from tests.browser.helpers import has_horizontal_scroll, login
from tests.factories import CustomerFactory, UserFactory
from tests.reports.kpi_example import build_worked_example

CHARTS = ("kpi-days-chart", "kpi-percent-chart")
PATH = "/reports/kpis/?as_of=2026-03-31"

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
    finance = UserFactory(username="finance_k", role=Role.FINANCE)
    build_worked_example(CustomerFactory(owner=UserFactory(role=Role.SALES)), finance)
    return UserFactory(username="manager_k", role=Role.MANAGER)


def open_report(page, live_url):
    login(page, live_url, "manager_k")
    page.goto(f"{live_url}{PATH}")
    for chart in CHARTS:
        page.wait_for_function(CHART_DRAWN, arg=chart)


def test_the_kpi_charts_are_drawn(page, live_url, manager_with_ledger):
    open_report(page, live_url)

    days = page.evaluate("Chart.getChart('kpi-days-chart').data")
    assert len(days["labels"]) == 12
    assert days["labels"][-1] == "2026-03"
    assert days["datasets"][0]["label"] == "DSO"
    assert days["datasets"][0]["data"][-3:] == [31, 42.9, 48.2]
    percent = page.evaluate("Chart.getChart('kpi-percent-chart').data")
    # CEI is undefined in December 2025: a gap in the line, not a zero.
    assert percent["datasets"][0]["data"][-4:] == [None, 100, 60, 40]
    assert not has_horizontal_scroll(page)
    assert page.console_errors == []


def test_the_kpi_page_fits_a_phone(phone_page, live_url, manager_with_ledger):
    open_report(phone_page, live_url)

    for chart in CHARTS:
        width = phone_page.evaluate(f"document.getElementById('{chart}').clientWidth")
        assert 0 < width <= 375
    assert not has_horizontal_scroll(phone_page)
    assert phone_page.console_errors == []
