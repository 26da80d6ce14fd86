"""The cash forecast page through the test client: figures, drill-down, scoping by role, the
as-of date, and a query count that does not grow with the data."""

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from accounts.roles import Role
from reports.forecast_services import cash_forecast_record
from tests.factories import CustomerFactory, UserFactory, recorded_payment
from tests.pages import queries_to_render
from tests.reports.forecast_data import AS_OF, build_worked_example, open_item, paid_late

pytestmark = pytest.mark.django_db

URL = f"/reports/forecast/?as_of={AS_OF.isoformat()}"


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def week_rows(html: str) -> dict[str, tuple[str, str]]:
    """The 13-week table's rows: week key → (installments, expected) as shown."""
    rows = re.findall(
        r'<tr data-week="([^"]+)"[^>]*>.*?<td class="amount">([^<]*)</td>\s*'
        r'<td class="amount">([^<]*)</td>',
        html,
        re.S,
    )
    return {key: (count, amount) for key, count, amount in rows}


def chart_data(html: str) -> dict:
    found = re.search(
        r'<script id="forecast-chart-data" type="application/json">(.*?)</script>', html
    )
    assert found, "no chart data on the page"
    return json.loads(found.group(1))


@pytest.fixture
def example(finance_user, manager_user, sales_user, other_sales_user):
    return build_worked_example(
        actor=finance_user, approver=manager_user, rep_one=sales_user, rep_two=other_sales_user
    )


def test_the_page_shows_the_weeks_later_and_disputed_lines(example, manager_user):
    html = client_for(manager_user).get(URL).content.decode()

    rows = week_rows(html)
    assert rows["2026-03-02"] == ("1", "¥500.00")
    assert rows["2026-03-16"] == ("2", "¥1,300.00")
    assert rows["2026-04-13"] == ("1", "¥710.00")
    assert rows["total"] == ("", "¥4,010.00")
    assert rows["later"] == ("1", "¥4,000.00")
    assert rows["disputed"] == ("1", "¥700.00")
    assert len([key for key in rows if key[0].isdigit()]) == 13
    chart = chart_data(html)
    assert chart["labels"][0] == "2026-03-02"
    assert [Decimal(amount) for amount in chart["amounts"]][:7] == [
        Decimal(n) for n in ("500.00", "0.00", "1300.00", "0.00", "0.00", "1500.00", "710.00")
    ]
    assert 'id="drill-down"' not in html


def test_the_drill_down_lists_a_weeks_installments_by_customer(example, manager_user):
    html = client_for(manager_user).get(f"{URL}&week=2026-03-16").content.decode()

    assert re.findall(r'<tbody data-customer="([^"]+)"', html) == ["ALPHA", "GAMMA"]
    expected_on = re.findall(
        r'<tr data-installment="(\d+)">.*?<td[^>]*data-expected-on>([^<]*)</td>', html, re.S
    )
    assert expected_on == [
        (str(example.items["alpha_due"].pk), "2026-03-17"),
        (str(example.items["gamma"].pk), "2026-03-22"),
    ]
    assert 'data-lateness-source="sales_rep"' in html


def test_the_disputed_line_drills_down_too(example, manager_user):
    html = client_for(manager_user).get(f"{URL}&week=disputed").content.decode()

    assert re.findall(r'<tbody data-customer="([^"]+)"', html) == ["DELTA"]
    assert f'data-installment="{example.items["delta_disputed"].pk}"' in html


def test_a_sales_rep_sees_only_their_customers_and_no_company_history(example, sales_user):
    client = client_for(sales_user)
    html = client.get(URL).content.decode()

    rows = week_rows(html)
    assert rows["total"] == ("", "¥3,300.00")
    assert rows["later"] == ("0", "¥0.00")
    assert rows["disputed"] == ("0", "¥0.00")
    assert 'id="forecast-accuracy"' not in html
    later = client.get(f"{URL}&week=later").content.decode()
    assert "DELTA" not in later
    assert "Nothing is expected in this line." in later


@pytest.mark.parametrize("role", [Role.MANAGER, Role.FINANCE, Role.AUDITOR, Role.ADMIN])
def test_roles_seeing_every_customer_see_forecast_vs_actual(role):
    html = client_for(UserFactory(role=role)).get(URL).content.decode()

    assert 'id="forecast-accuracy"' in html
    assert html.count("data-accuracy-week=") == 8


def test_forecast_vs_actual_on_the_page(finance_user, manager_user):
    customer = CustomerFactory()
    open_item(customer, actor=finance_user, due=date(2026, 2, 24), amount="400.00")
    cash_forecast_record(on_date=date(2026, 2, 16))
    recorded_payment(
        customer, actor=finance_user, amount=Decimal("300.00"), received_on=date(2026, 2, 25)
    )

    html = client_for(manager_user).get(URL).content.decode()

    row = re.search(r'<tr data-accuracy-week="2026-02-23">(.*?)</tr>', html, re.S).group(1)
    assert re.search(r"data-actual>([^<]*)<", row).group(1) == "¥300.00"
    assert re.search(r'data-forecast="1">([^<]*)<', row).group(1) == "¥400.00"
    assert re.search(r'data-error="1">([^<]*)<', row).group(1) == "-¥100.00"
    assert re.search(r'data-ape="1">([^<]*)<', row).group(1).strip() == "33.3%"
    assert 'data-forecast="4">not recorded' in row


def test_a_bad_date_or_line_is_reported(manager_user):
    client = client_for(manager_user)

    assert (
        "is not a date (YYYY-MM-DD)" in client.get("/reports/forecast/?as_of=soon").content.decode()
    )
    html = client.get(f"{URL}&week=2027-01-04").content.decode()
    assert "is not a line of this forecast" in html
    assert 'id="drill-down"' not in html


def _customers(count: int, *, actor, rep) -> None:
    for index in range(count):
        customer = CustomerFactory(owner=rep)
        for month in (9, 10, 11):
            paid_late(customer, actor=actor, due=date(2025, month, 1), days_late=index)
        open_item(customer, actor=actor, due=date(2026, 3, 16 + index % 5), amount="10.00")
        recorded_payment(
            customer, actor=actor, amount=Decimal("5.00"), received_on=date(2026, 2, 3)
        )


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SALES])
def test_the_page_costs_the_same_queries_with_more_customers(role, finance_user):
    user = UserFactory(role=role)
    cash_forecast_record(on_date=date(2026, 2, 2))
    client = client_for(user)
    url = f"{URL}&week=2026-03-16"
    _customers(2, actor=finance_user, rep=user)
    small = queries_to_render(client, url)
    _customers(10, actor=finance_user, rep=user)

    assert queries_to_render(client, url) == small
