"""Exports of the customer list, the aging table (CSV), the KPI tables and the bank lines."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from tests.exports.conftest import content_of, queries_to_export, rows_of, xlsx_sheet
from tests.factories import CustomerFactory, bank_line, issued_invoice
from tests.reports.aging_world import AS_OF, CHINESE_NAME, build_example_ledger
from tests.reports.kpi_example import build_worked_example

FORMATS = ["csv", "xlsx"]
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _number(value) -> D:
    return D(str(value))


@pytest.fixture
def ledger(finance_user):
    return build_example_ledger(finance_user)


@pytest.mark.parametrize("file_format", FORMATS)
def test_customer_export_holds_the_lists_customers_with_balances(
    client, finance_user, ledger, file_format
):
    client.force_login(finance_user)
    response = client.get(reverse("customer-export", args=[file_format]), **ENGLISH)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="customers-{date.today().isoformat()}.{file_format}"'
    )
    rows = rows_of(response, file_format)
    assert rows[0] == [
        "Customer code",
        "Legal name",
        "Short name",
        "USCC",
        "Country",
        "Currency",
        "Tier",
        "Sales rep",
        "Payment terms code",
        "Credit limit",
        "Region",
        "Status",
        "Open balance (CNY)",
        "Overdue (CNY)",
        "Oldest due date",
    ]
    assert [row[0] for row in rows[1:]] == ["A001", "B001", "C001"]
    a001 = rows[1]
    assert a001[1] == CHINESE_NAME
    assert a001[5:8] == ["CNY", "A", "rep_east"]
    assert _number(a001[9]) == D("100000.00")
    assert a001[10] == "华东"
    # No owner: the sales rep cell is empty.
    assert rows[3][7] in ("", None)


def test_customer_xlsx_balances_are_numbers(client, finance_user, ledger):
    client.force_login(finance_user)
    sheet = xlsx_sheet(content_of(client.get(reverse("customer-export", args=["xlsx"]))))
    credit_limit = sheet["J2"]
    assert (credit_limit.data_type, credit_limit.number_format) == ("n", "#,##0.00")
    assert sheet["M2"].data_type == "n"
    assert sheet["O2"].is_date


@pytest.mark.parametrize("file_format", FORMATS)
def test_customer_export_applies_filters_and_scope(client, finance_user, ledger, file_format):
    url = reverse("customer-export", args=[file_format])
    client.force_login(finance_user)
    rows = rows_of(client.get(url, {"tier": "B"}), file_format)
    assert [row[0] for row in rows[1:]] == ["B001"]
    rows = rows_of(client.get(url, {"sort": "-code"}), file_format)
    assert [row[0] for row in rows[1:]] == ["C001", "B001", "A001"]
    client.force_login(ledger.rep_a)
    rows = rows_of(client.get(url), file_format)
    assert [row[0] for row in rows[1:]] == ["A001"]


def test_aging_csv_holds_the_reports_table(client, finance_user, ledger):
    client.force_login(finance_user)
    response = client.get(reverse("aging-export-csv"), {"as_of": AS_OF.isoformat()}, **ENGLISH)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="aging-2026-03-31.csv"'
    rows = rows_of(response, "csv")
    assert rows[0] == [
        "Customer",
        "Current",
        "1–30 days",
        "31–60 days",
        "61–90 days",
        "91–180 days",
        "181–365 days",
        "Over 365 days",
        "Total",
    ]
    assert rows[1] == [
        f"A001 {CHINESE_NAME}",
        "2000.00",
        "0.00",
        "400.00",
        "0.00",
        "0.00",
        "0.00",
        "450.00",
        "2850.00",
    ]
    assert rows[-1][0] == "Total"
    assert rows[-1][-1] == "3933.31"


def test_aging_csv_by_currency_has_the_currencies_own_amounts(client, finance_user, ledger):
    client.force_login(finance_user)
    response = client.get(
        reverse("aging-export-csv"),
        {"as_of": AS_OF.isoformat(), "group_by": "currency"},
        **ENGLISH,
    )
    rows = rows_of(response, "csv")
    assert rows[0][-1] == "Total (in currency)"
    usd = next(row for row in rows if row[0] == "USD")
    assert usd[-1] == "133.33"
    # Amounts in different currencies are not added up.
    assert rows[-1][0] == "Total" and rows[-1][-1] == ""


def test_aging_csv_is_scoped_and_validates_its_parameters(client, finance_user, ledger):
    client.force_login(ledger.rep_b)
    response = client.get(reverse("aging-export-csv"), {"as_of": AS_OF.isoformat()}, **ENGLISH)
    assert [row[0] for row in rows_of(response, "csv")[1:]] == ["B001 Northwind", "Total"]
    client.force_login(finance_user)
    assert client.get(reverse("aging-export-csv"), {"as_of": "soon"}).status_code == 400


@pytest.mark.parametrize("file_format", FORMATS)
def test_kpi_export_months_hold_the_hand_computed_figures(
    client, customer, finance_user, file_format
):
    build_worked_example(customer, finance_user)
    client.force_login(finance_user)
    url = reverse("kpi-export", args=[file_format])
    response = client.get(url, {"as_of": "2026-03-31"}, **ENGLISH)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="kpis-2026-03-31.{file_format}"'
    )
    rows = rows_of(response, file_format)
    assert rows[0][:6] == [
        "Month",
        "Sales (CNY)",
        "Open (CNY)",
        "Overdue (CNY)",
        "Overdue ratio",
        "DSO",
    ]
    assert len(rows) == 13
    march = rows[1]
    assert march[0] == "2026-03"
    assert [_number(value) for value in march[1:]] == [
        D("2700.00"),
        D("4200.00"),
        D("1200.00"),
        D("28.6"),
        D("48.2"),
        D("59.0"),
        D("34.4"),
        D("13.8"),
        D("40.0"),
        D("40.0"),
    ]
    # Undefined ratios are empty cells, not zeros.
    april_2025 = rows[12]
    assert april_2025[0] == "2025-04"
    assert april_2025[4] in ("", None) and april_2025[9] in ("", None)


def test_kpi_xlsx_percentages_and_amounts_are_numbers(client, customer, finance_user):
    build_worked_example(customer, finance_user)
    client.force_login(finance_user)
    response = client.get(reverse("kpi-export", args=["xlsx"]), {"as_of": "2026-03-31"})
    sheet = xlsx_sheet(content_of(response))
    assert (sheet["B2"].data_type, sheet["B2"].number_format) == ("n", "#,##0.00")
    assert (sheet["E2"].data_type, sheet["E2"].number_format) == ("n", '0.00"%"')


def test_kpi_export_of_sales_reps(client, customer, finance_user, sales_user):
    build_worked_example(customer, finance_user)
    client.force_login(finance_user)
    response = client.get(
        reverse("kpi-export", args=["csv"]), {"as_of": "2026-03-31", "table": "reps"}, **ENGLISH
    )
    assert response["Content-Disposition"] == 'attachment; filename="kpis-reps-2026-03-31.csv"'
    rows = rows_of(response, "csv")
    assert rows[0][:3] == ["Sales rep", "Open (CNY)", "Overdue (CNY)"]
    assert rows[1][:3] == ["sales_t", "4200.00", "1200.00"]


@pytest.fixture
def bank_lines(finance_user, sales_user):
    customer = CustomerFactory(owner=sales_user, code="C-BANK")
    return [
        bank_line(amount=D("1200.00"), counterparty_name="上海甲公司", booked_on=date(2026, 2, 1)),
        bank_line(
            amount=D("35.50"), direction="debit", remittance="手续费", booked_on=date(2026, 2, 3)
        ),
        customer,
    ]


@pytest.mark.parametrize("file_format", FORMATS)
def test_bank_line_export(client, finance_user, bank_lines, file_format):
    client.force_login(finance_user)
    url = reverse("bank-line-export", args=[file_format])
    response = client.get(url, **ENGLISH)
    assert response.status_code == 200
    rows = rows_of(response, file_format)
    assert rows[0][:6] == [
        "Booked on",
        "Value date",
        "Bank account",
        "Direction",
        "Amount",
        "Currency",
    ]
    # Newest first, like the list.
    assert [row[3] for row in rows[1:]] == ["Money out", "Money in"]
    assert _number(rows[2][4]) == D("1200.00")
    assert rows[2][6] == "上海甲公司"
    rows = rows_of(client.get(url, {"direction": "credit"}, **ENGLISH), file_format)
    assert [row[3] for row in rows[1:]] == ["Money in"]


def test_bank_line_export_is_refused_to_a_sales_rep(client, sales_user, bank_lines):
    client.force_login(sales_user)
    assert client.get(reverse("bank-line-export", args=["csv"])).status_code == 403


@pytest.mark.parametrize(
    ("name", "args"),
    [("customer-export", ["xlsx"]), ("customer-export", ["csv"]), ("bank-line-export", ["csv"])],
)
def test_report_exports_cost_the_same_queries_at_two_sizes(client, finance_user, name, args):
    client.force_login(finance_user)
    url = reverse(name, args=args)

    def add(count):
        for _ in range(count):
            customer = CustomerFactory()
            issued_invoice(customer, actor=finance_user)
            bank_line(amount=D("10.00"))

    add(2)
    small = queries_to_export(client, url)
    add(8)
    assert queries_to_export(client, url) == small
