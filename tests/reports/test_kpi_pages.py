"""The KPI page and the dashboard's headline KPIs through the test client: exact figures of the
worked example (tests/reports/kpi_example.py), scoping, the as-of date and query counts."""

import json
import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from tests.factories import CustomerFactory, UserFactory
from tests.pages import queries_to_render
from tests.reports.kpi_example import build_worked_example, invoice, pay

pytestmark = pytest.mark.django_db

URL = "/reports/kpis/?as_of=2026-03-31"


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def row(html: str, attribute: str, value: str) -> dict[str, str]:
    """The data-kpi cells of the table row marked `attribute="value"`: {kpi: text}."""
    found = re.search(rf'<tr {attribute}="{re.escape(value)}">(.*?)</tr>', html, re.S)
    assert found, f"no row {attribute}={value}"
    cells = re.findall(r'data-kpi="([^"]+)">(.*?)</td>', found.group(1), re.S)
    return {kpi: text.strip() for kpi, text in cells}


def chart_data(html: str, element_id: str) -> dict:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert found, f"no {element_id} on the page"
    return json.loads(found.group(1))


@pytest.fixture
def worked_example(customer, finance_user):
    return build_worked_example(customer, finance_user)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.FINANCE, Role.SALES, Role.AUDITOR, Role.ADMIN])
def test_every_role_may_read_the_page(role):
    response = client_for(UserFactory(role=role)).get(URL)

    assert response.status_code == 200
    assert 'id="kpi-months"' in response.content.decode()


def test_the_months_show_the_hand_computed_figures(worked_example, manager_user):
    html = client_for(manager_user).get(URL).content.decode()

    assert row(html, "data-month", "2026-03") == {
        "sales": "¥2,700.00",
        "open": "¥4,200.00",
        "overdue": "¥1,200.00",
        "overdue-ratio": "28.6%",
        "dso": "48.2",
        "dso-count-back": "59.0",
        "best-dso": "34.4",
        "add": "13.8",
        "cei": "40.0%",
        "collection-rate": "40.0%",
    }
    assert row(html, "data-month", "2026-02") == {
        "sales": "¥1,500.00",
        "open": "¥2,300.00",
        "overdue": "¥800.00",
        "overdue-ratio": "34.8%",
        "dso": "42.9",
        "dso-count-back": "40.4",
        "best-dso": "28.0",
        "add": "14.9",
        "cei": "60.0%",
        "collection-rate": "60.0%",
    }
    # Nothing open or sold in April 2025: no ratio is defined but DSO (nothing outstanding).
    assert row(html, "data-month", "2025-04") == {
        "sales": "¥0.00",
        "open": "¥0.00",
        "overdue": "¥0.00",
        "overdue-ratio": "—",
        "dso": "0.0",
        "dso-count-back": "0.0",
        "best-dso": "0.0",
        "add": "0.0",
        "cei": "—",
        "collection-rate": "—",
    }
    assert html.index('data-month="2026-03"') < html.index('data-month="2025-04"')


def test_the_charts_get_twelve_months_oldest_first_with_gaps_where_undefined(
    worked_example, manager_user
):
    html = client_for(manager_user).get(URL).content.decode()

    days = chart_data(html, "kpi-days-data")
    assert days["labels"][0] == "2025-04"
    assert days["labels"][-3:] == ["2026-01", "2026-02", "2026-03"]
    assert [series["label"] for series in days["series"]] == [
        "DSO",
        "Count-back DSO",
        "Best possible DSO",
        "Average days delinquent",
    ]
    assert days["series"][0]["values"][-3:] == ["31.0", "42.9", "48.2"]
    percent = chart_data(html, "kpi-percent-data")
    assert [series["label"] for series in percent["series"]] == [
        "CEI",
        "Collection rate",
        "Overdue ratio",
    ]
    # December 2025 collected nothing and had nothing collectible: CEI is a gap, not a zero.
    assert percent["series"][0]["values"][-4:] == [None, "100.0", "60.0", "40.0"]
    assert "chart.umd.min.js" in html
    assert "js/kpis.js" in html


def test_the_performance_table_has_each_reps_line(
    worked_example, manager_user, sales_user, other_sales_user, finance_user
):
    invoice(CustomerFactory(owner=other_sales_user), finance_user, date(2026, 3, 1), "1000.00")

    html = client_for(manager_user).get(URL).content.decode()

    assert row(html, "data-rep", sales_user.username) == {
        "open": "¥4,200.00",
        "overdue": "¥1,200.00",
        "overdue-ratio": "28.6%",
        "collected": "¥2,000.00",
        "collection-rate": "40.0%",
        "dso": "48.2",
        "add": "13.8",
        "cei": "40.0%",
    }
    assert row(html, "data-rep", other_sales_user.username) == {
        "open": "¥1,000.00",
        "overdue": "¥0.00",
        "overdue-ratio": "0.0%",
        "collected": "¥0.00",
        "collection-rate": "0.0%",
        "dso": "31.0",
        "add": "0.0",
        "cei": "—",
    }


def test_a_sales_rep_sees_only_their_own_figures_and_line(
    worked_example, sales_user, other_sales_user, finance_user
):
    theirs = CustomerFactory(owner=other_sales_user, code="THEIRS")
    pay(
        theirs,
        finance_user,
        invoice(theirs, finance_user, date(2026, 1, 5), "4321.00"),
        "4321.00",
        date(2026, 3, 1),
    )

    html = client_for(sales_user).get(URL).content.decode()

    assert row(html, "data-month", "2026-03")["open"] == "¥4,200.00"
    assert f'data-rep="{sales_user.username}"' in html
    assert f'data-rep="{other_sales_user.username}"' not in html
    assert "No sales rep" not in html
    assert 'data-customer="THEIRS"' not in html
    assert "4,321" not in html


def test_the_slowest_payers_come_first_with_their_days(worked_example, manager_user, finance_user):
    quick = CustomerFactory(code="QUICK")
    pay(
        quick,
        finance_user,
        invoice(quick, finance_user, date(2026, 3, 1), "100.00"),
        "100.00",
        date(2026, 3, 11),
    )

    html = client_for(manager_user).get(URL).content.decode()

    assert row(html, "data-customer", worked_example.code) == {
        "days-to-pay": "54.7",
        "days-beyond-terms": "24.7",
    }
    assert row(html, "data-customer", "QUICK") == {
        "days-to-pay": "10.0",
        "days-beyond-terms": "-20.0",
    }
    assert html.index(f'data-customer="{worked_example.code}"') < html.index(
        'data-customer="QUICK"'
    )


def test_a_bad_as_of_date_is_reported_and_today_is_used(manager_user):
    response = client_for(manager_user).get("/reports/kpis/?as_of=2026-02-30")

    assert response.status_code == 200
    assert "is not a date" in response.content.decode()
    assert response.context["as_of"] == timezone.localdate()


def test_the_dashboard_shows_this_months_headline_kpis(worked_example, manager_user):
    html = client_for(manager_user).get("/?as_of=2026-03-31").content.decode()

    assert 'data-kpi="company-dso">48.2 days<' in html
    assert 'data-kpi="company-best-dso">34.4 days<' in html
    assert 'data-kpi="company-add">13.8 days<' in html
    assert 'data-kpi="company-cei">40.0%' in html
    assert 'href="/reports/kpis/?as_of=2026-03-31"' in html


def test_the_dashboard_headline_reproduces_the_past(worked_example, manager_user):
    html = client_for(manager_user).get("/?as_of=2026-02-28").content.decode()

    assert 'data-kpi="company-dso">42.9 days<' in html
    assert 'data-kpi="company-cei">60.0%' in html


def _ledger(count: int, actor, reps):
    for index in range(count):
        customer = CustomerFactory(owner=reps[index % len(reps)])
        target = invoice(customer, actor, date(2026, 1, 5) + timedelta(days=index * 7), "100.00")
        pay(customer, actor, target, "40.00", date(2026, 3, 20))


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SALES])
def test_the_page_costs_the_same_queries_whatever_the_data(role, finance_user):
    user = UserFactory(role=role)
    reps = [user, UserFactory(role=Role.SALES)]
    client = client_for(user)

    _ledger(2, finance_user, reps)
    with_two = queries_to_render(client, URL)
    _ledger(10, finance_user, reps + [UserFactory(role=Role.SALES)])
    with_twelve = queries_to_render(client, URL)

    assert with_two == with_twelve
