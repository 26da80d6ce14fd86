"""The aging report's pages: the report, the drill-down and the XLSX/PDF exports (scoping,
parameters, contents, and a fixed number of queries whatever the data size)."""

import subprocess
from datetime import timedelta
from decimal import Decimal as D
from io import BytesIO
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import CustomerFactory, UserFactory
from tests.pages import queries_to_render
from tests.reports.aging_world import (
    AS_OF,
    CHINESE_NAME,
    EXPECTED_GRAND_TOTAL,
    build_example_ledger,
    invoice,
    pay,
    relax_credit_control,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    # Pages in English, so that labels can be compared (the default language is Chinese).
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def ledger(finance_user):
    return build_example_ledger(finance_user)


def url(name: str, **params) -> str:
    return f"{reverse(name)}?{urlencode(params)}"


def test_the_report_page_shows_the_groups_buckets_and_totals(client, finance_user, ledger):
    client.force_login(finance_user)

    response = client.get(url("aging-report", as_of=AS_OF.isoformat()))

    assert response.status_code == 200
    page = response.content.decode()
    assert CHINESE_NAME in page
    assert "¥3,933.31" in page  # the grand total
    assert "¥2,850.00" in page  # customer A's total
    report = response.context["report"]
    assert report.total == EXPECTED_GRAND_TOTAL
    # Every amount links to its installments, with the report's parameters spelled out.
    first_row = response.context["rows"][0]
    assert first_row["url"] == url(
        "aging-drilldown",
        as_of="2026-03-31",
        group_by="customer",
        basis="past_due",
        buckets="30,60,90,180,365",
        group=ledger.a.pk,
    )


def test_grouped_by_currency_the_page_shows_foreign_amounts_too(client, finance_user, ledger):
    client.force_login(finance_user)

    response = client.get(url("aging-report", as_of=AS_OF.isoformat(), group_by="currency"))

    page = response.content.decode()
    assert "$133.33" in page  # USD total in dollars
    assert "¥933.31" in page  # and in the base currency


def test_a_sales_rep_sees_only_their_customers_and_no_rep_filter(client, ledger):
    client.force_login(ledger.rep_a)

    response = client.get(url("aging-report", as_of=AS_OF.isoformat()))

    page = response.content.decode()
    assert [row.group for row in response.context["report"].rows] == [ledger.a.pk]
    assert "Northwind" not in page
    assert 'name="owner"' not in page


def test_a_sales_rep_drilling_into_another_reps_customer_sees_nothing(client, ledger):
    client.force_login(ledger.rep_b)

    response = client.get(
        url("aging-drilldown", as_of=AS_OF.isoformat(), group_by="customer", group=ledger.a.pk)
    )

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert response.context["total"] == D("0.00")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"as_of": "2026-02-30"}, "as_of"),
        ({"group_by": "planet"}, "group_by"),
        ({"basis": "moon"}, "basis"),
        ({"buckets": "60,30"}, "buckets"),
        ({"tier": "Z"}, "tier"),
        ({"currency": "XXX"}, "currency"),
        ({"owner": "999999"}, "owner"),
    ],
)
def test_bad_parameters_are_reported_on_their_field(client, finance_user, params, field):
    client.force_login(finance_user)

    response = client.get(url("aging-report", **params))

    assert response.status_code == 400
    assert f'data-field-error="{field}"' in response.content.decode()
    assert "report" not in response.context


@pytest.mark.parametrize(
    ("params", "field"),
    [({"group_by": "customer", "group": "abc"}, "group"), ({"bucket": "days_1_2"}, "bucket")],
)
def test_bad_drilldown_cells_are_refused(client, finance_user, params, field):
    client.force_login(finance_user)

    response = client.get(url("aging-drilldown", **params))

    assert response.status_code == 400
    assert f'data-field-error="{field}"' in response.content.decode()


def test_the_drilldown_lists_a_cells_installments_with_their_total(client, finance_user, ledger):
    client.force_login(finance_user)

    response = client.get(
        url(
            "aging-drilldown",
            as_of=AS_OF.isoformat(),
            group_by="sales_rep",
            group="",
            bucket="days_61_90",
        )
    )

    assert response.status_code == 200
    rows = list(response.context["page"])
    assert [(i.invoice_id, i.open_base, i.age.days, i.bucket.key) for i in rows] == [
        (ledger.invoices["C2"].pk, D("70.00"), 90, "days_61_90")
    ]
    assert response.context["total"] == D("70.00")
    page = response.content.decode()
    assert "No sales rep" in page
    assert "61–90 days" in page


def test_the_xlsx_export_holds_the_report(client, finance_user, ledger):
    client.force_login(finance_user)

    response = client.get(url("aging-export", as_of=AS_OF.isoformat(), format="xlsx"))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="aging-2026-03-31.xlsx"'
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header_index = next(i for i, row in enumerate(rows) if row[0] == "Customer")
    assert rows[header_index] == [
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
    body = rows[header_index + 1 :]
    assert body[0] == [
        f"A001 {CHINESE_NAME}",
        D("2000.00"),
        D("0.00"),
        D("400.00"),
        D("0.00"),
        D("0.00"),
        D("0.00"),
        D("450.00"),
        D("2850.00"),
    ]
    assert body[-1][0] == "Total"
    assert body[-1][-1] == pytest.approx(float(EXPECTED_GRAND_TOTAL))


def test_the_xlsx_export_grouped_by_currency_has_the_currencies_own_amounts(
    client, finance_user, ledger
):
    client.force_login(finance_user)

    response = client.get(
        url("aging-export", as_of=AS_OF.isoformat(), group_by="currency", format="xlsx")
    )

    rows = [list(row) for row in load_workbook(BytesIO(response.content)).active.values]
    usd = next(row for row in rows if row[0] == "USD")
    assert usd[8] == pytest.approx(933.31)  # total, base currency
    assert usd[-1] == pytest.approx(133.33)  # total, in dollars


def test_the_pdf_export_prints_chinese_names(client, finance_user, ledger, tmp_path):
    client.force_login(finance_user)

    response = client.get(url("aging-export", as_of=AS_OF.isoformat(), format="pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "aging.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert CHINESE_NAME in text
    assert "¥3,933.31" in text


def test_exports_are_scoped_like_the_page(client, ledger):
    client.force_login(ledger.rep_b)

    response = client.get(url("aging-export", as_of=AS_OF.isoformat(), format="xlsx"))

    labels = [row[0] for row in load_workbook(BytesIO(response.content)).active.values]
    assert "B001 Northwind" in labels
    assert f"A001 {CHINESE_NAME}" not in labels


def test_an_unknown_export_format_is_refused(client, finance_user):
    client.force_login(finance_user)

    response = client.get(url("aging-export", format="docx"))

    assert response.status_code == 400
    assert 'data-field-error="format"' in response.content.decode()


def _ledger_of(size: int, actor) -> None:
    """`size` customers, over two sales reps, regions and tiers, each with an overdue invoice
    part paid and a current one."""
    relax_credit_control()
    reps = [UserFactory(username=f"size_rep{n}", role="Sales") for n in range(2)]
    for n in range(size):
        customer = CustomerFactory(
            owner=reps[n % 2], region=f"区域{n % 3}", tier="ABC"[n % 3], credit_limit=D("1e7")
        )
        old = invoice(customer, actor, f"{100 + n}.00", AS_OF - timedelta(days=40 + 20 * n))
        pay(customer, actor, old, "10.00", AS_OF - timedelta(days=5))
        invoice(customer, actor, "50.00", AS_OF - timedelta(days=3))


@pytest.mark.parametrize("group_by", ["customer", "sales_rep", "region", "tier", "currency"])
def test_pages_cost_the_same_queries_at_two_sizes(client, finance_user, group_by):
    client.force_login(finance_user)
    as_of = AS_OF.isoformat()
    urls = [
        url("aging-report", as_of=as_of, group_by=group_by),
        url("aging-drilldown", as_of=as_of, group_by=group_by, bucket="current"),
        url("aging-export", as_of=as_of, group_by=group_by, format="xlsx"),
    ]
    _ledger_of(2, finance_user)
    small = [queries_to_render(client, page) for page in urls]
    _ledger_of(12, finance_user)
    large = [queries_to_render(client, page) for page in urls]

    assert small == large


def test_every_role_may_read_the_report(client, auditor_user, manager_user, sales_user):
    for user in (auditor_user, manager_user, sales_user):
        client.force_login(user)
        assert client.get(reverse("aging-report")).status_code == 200
        assert client.get(reverse("aging-drilldown")).status_code == 200


def test_the_report_defaults_to_today(client, finance_user):
    client.force_login(finance_user)

    response = client.get(reverse("aging-report"))

    assert response.context["report"].query.as_of == timezone.localdate()
