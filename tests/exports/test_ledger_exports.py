"""Exports of the ledger's lists: invoices, payments, contracts, credit notes, write-offs."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from receivables import services
from receivables.models import Invoice, Payment
from tests.exports.conftest import content_of, queries_to_export, rows_of, xlsx_sheet
from tests.factories import CustomerFactory, PaymentTermsFactory, issued_invoice, recorded_payment

FORMATS = ["csv", "xlsx"]
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _cell(value) -> str:
    """A value as the CSV file writes it, to compare both formats alike."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float | int | Decimal):
        return f"{Decimal(str(value)):.2f}"
    return str(value)


def _as_text(rows: list[list]) -> list[list[str]]:
    return [[_cell(value) for value in row] for row in rows]


@pytest.fixture
def ledger(finance_user, sales_user, other_sales_user):
    """Two customers of two sales reps: one paid invoice and one half-paid with a payment
    applied to both, and another rep's open invoice."""
    PaymentTermsFactory()
    mine = CustomerFactory(owner=sales_user, code="C-MINE", legal_name="上海甲贸易有限公司")
    theirs = CustomerFactory(owner=other_sales_user, code="C-THEIRS", legal_name="北京乙有限公司")
    paid = issued_invoice(mine, actor=finance_user, amount=Decimal("1000.00"))
    half_paid = issued_invoice(
        mine, actor=finance_user, amount=Decimal("2500.50"), issue_date=date(2026, 2, 1)
    )
    other = issued_invoice(theirs, actor=finance_user, amount=Decimal("99.99"))
    payment = recorded_payment(
        mine, actor=finance_user, amount=Decimal("2000.00"), received_on=date(2026, 2, 10)
    )
    services.payment_allocate(
        actor=finance_user,
        payment=payment,
        allocations=[
            (paid.installments.get().pk, Decimal("1000.00")),
            (half_paid.installments.get().pk, Decimal("900.00")),
        ],
        applied_on=date(2026, 2, 10),
    )
    other_payment = recorded_payment(theirs, actor=finance_user, amount=Decimal("50.00"))
    return {
        "paid": Invoice.objects.get(pk=paid.pk),
        "half_paid": Invoice.objects.get(pk=half_paid.pk),
        "other": other,
        "payment": Payment.objects.get(pk=payment.pk),
        "other_payment": other_payment,
    }


@pytest.mark.parametrize("file_format", FORMATS)
def test_invoice_export_holds_every_invoice_with_its_open_amount(
    client, finance_user, ledger, file_format
):
    client.force_login(finance_user)
    response = client.get(reverse("invoice-export", args=[file_format]), **ENGLISH)
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPES[file_format]
    assert response["Content-Disposition"] == (
        f'attachment; filename="invoices-{date.today().isoformat()}.{file_format}"'
    )
    rows = _as_text(rows_of(response, file_format))
    assert rows[0] == [
        "Invoice number",
        "Customer code",
        "Customer name",
        "Sales rep",
        "Contract number",
        "Issue date",
        "Due date",
        "Currency",
        "Amount",
        "Open amount",
        "Status",
        "Fapiao number",
        "Origin",
    ]
    paid, half_paid, other = ledger["paid"], ledger["half_paid"], ledger["other"]
    # The list's default order: newest issue date first, then newest id.
    assert rows[1:] == [
        [
            half_paid.number,
            "C-MINE",
            "上海甲贸易有限公司",
            "sales_t",
            "",
            "2026-02-01",
            "2026-03-03",
            "CNY",
            "2500.50",
            "1600.50",
            "Partially paid",
            "",
            "Entered",
        ],
        [
            other.number,
            "C-THEIRS",
            "北京乙有限公司",
            "sales_t2",
            "",
            "2026-01-10",
            "2026-02-09",
            "CNY",
            "99.99",
            "99.99",
            "Issued",
            "",
            "Entered",
        ],
        [
            paid.number,
            "C-MINE",
            "上海甲贸易有限公司",
            "sales_t",
            "",
            "2026-01-10",
            # Settled: the last installment's due date.
            "2026-02-09",
            "CNY",
            "1000.00",
            "0.00",
            "Paid",
            "",
            "Entered",
        ],
    ]


def test_invoice_xlsx_amounts_are_numbers_and_dates_are_dates(client, finance_user, ledger):
    client.force_login(finance_user)
    sheet = xlsx_sheet(content_of(client.get(reverse("invoice-export", args=["xlsx"]))))
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    first = sheet[2]
    issue_date, due_date, amount, open_amount = first[5], first[6], first[8], first[9]
    assert issue_date.is_date and issue_date.number_format == "yyyy-mm-dd"
    assert due_date.is_date
    assert amount.data_type == "n" and amount.value == 2500.5
    assert amount.number_format == "#,##0.00"
    assert open_amount.data_type == "n" and open_amount.value == 1600.5


def test_headers_are_in_the_users_language(client, finance_user, ledger):
    client.force_login(finance_user)
    response = client.get(reverse("invoice-export", args=["csv"]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    rows = rows_of(response, "csv")
    assert rows[0][:3] == ["应收单号", "客户编码", "客户名称"]
    # Labels too: the status of the half-paid invoice.
    assert rows[1][10] == "部分收款"


@pytest.mark.parametrize("file_format", FORMATS)
def test_invoice_export_applies_the_list_filters(client, finance_user, ledger, file_format):
    client.force_login(finance_user)
    url = reverse("invoice-export", args=[file_format])
    rows = rows_of(client.get(url, {"status": "paid"}), file_format)
    assert [row[0] for row in rows[1:]] == [ledger["paid"].number]
    rows = rows_of(client.get(url, {"q": "C-THEIRS"}), file_format)
    assert [row[0] for row in rows[1:]] == [ledger["other"].number]
    # The page's sort: by open amount, largest first.
    rows = rows_of(client.get(url, {"sort": "-open"}), file_format)
    assert [row[0] for row in rows[1:]] == [
        ledger["half_paid"].number,
        ledger["other"].number,
        ledger["paid"].number,
    ]


@pytest.mark.parametrize("file_format", FORMATS)
def test_sales_reps_invoice_export_holds_only_their_customers(
    client, sales_user, ledger, file_format
):
    client.force_login(sales_user)
    rows = rows_of(client.get(reverse("invoice-export", args=[file_format])), file_format)
    assert sorted(row[0] for row in rows[1:]) == sorted(
        [ledger["paid"].number, ledger["half_paid"].number]
    )


@pytest.mark.parametrize("file_format", FORMATS)
def test_payment_export(client, finance_user, ledger, file_format):
    client.force_login(finance_user)
    response = client.get(reverse("payment-export", args=[file_format]), **ENGLISH)
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPES[file_format]
    assert response["Content-Disposition"] == (
        f'attachment; filename="payments-{date.today().isoformat()}.{file_format}"'
    )
    rows = _as_text(rows_of(response, file_format))
    assert rows[0] == [
        "Payment number",
        "Customer code",
        "Customer name",
        "Received on",
        "Amount",
        "Currency",
        "Method",
        "Reference",
        "Instrument number",
        "Acceptor",
        "Matures on",
        "Unapplied amount",
        "Status",
    ]
    assert rows[1:] == [
        [
            ledger["payment"].number,
            "C-MINE",
            "上海甲贸易有限公司",
            "2026-02-10",
            "2000.00",
            "CNY",
            "Bank transfer",
            "",
            "",
            "",
            "",
            "100.00",
            "Partially applied",
        ],
        [
            ledger["other_payment"].number,
            "C-THEIRS",
            "北京乙有限公司",
            "2026-01-20",
            "50.00",
            "CNY",
            "Bank transfer",
            "",
            "",
            "",
            "",
            "50.00",
            "Unapplied",
        ],
    ]


def test_payment_xlsx_cells_are_typed(client, finance_user, ledger):
    client.force_login(finance_user)
    sheet = xlsx_sheet(content_of(client.get(reverse("payment-export", args=["xlsx"]))))
    received_on, amount, unapplied = sheet["D2"], sheet["E2"], sheet["L2"]
    assert received_on.is_date
    assert (amount.data_type, amount.value) == ("n", 2000)
    assert (unapplied.data_type, unapplied.value) == ("n", 100)


@pytest.mark.parametrize("file_format", FORMATS)
def test_payment_export_filters_and_scope(client, finance_user, sales_user, ledger, file_format):
    url = reverse("payment-export", args=[file_format])
    client.force_login(finance_user)
    rows = rows_of(client.get(url, {"status": "unapplied"}), file_format)
    assert [row[0] for row in rows[1:]] == [ledger["other_payment"].number]
    client.force_login(sales_user)
    rows = rows_of(client.get(url), file_format)
    assert [row[0] for row in rows[1:]] == [ledger["payment"].number]


@pytest.mark.parametrize("file_format", FORMATS)
def test_contract_credit_note_and_write_off_exports(
    client, finance_user, manager_user, sales_user, ledger, file_format
):
    mine = ledger["half_paid"].customer
    contract = services.contract_create(
        actor=finance_user,
        customer=mine,
        number="HT-2026-001",
        title="年度供货合同",
        signed_on=date(2026, 1, 5),
        amount=Decimal("50000.00"),
    )
    credit_note = services.credit_note_issue(
        actor=finance_user,
        invoice=ledger["half_paid"],
        amount=Decimal("100.50"),
        reason="退货",
        issue_date=date(2026, 2, 15),
    )
    services.write_off_request(
        actor=finance_user,
        installment=ledger["other"].installments.get(),
        amount=Decimal("99.99"),
        reason="无法收回",
    )
    client.force_login(finance_user)

    def export(name, **params):
        response = client.get(reverse(name, args=[file_format]), params, **ENGLISH)
        assert response.status_code == 200
        return _as_text(rows_of(response, file_format))

    rows = export("contract-export")
    assert rows[0][:5] == [
        "Contract number",
        "Customer code",
        "Customer name",
        "Title",
        "Signed on",
    ]
    assert rows[1][:5] == [
        contract.number,
        "C-MINE",
        "上海甲贸易有限公司",
        "年度供货合同",
        "2026-01-05",
    ]
    assert rows[1][8:] == ["50000.00", "CNY"]

    assert export("credit-note-export")[1] == [
        credit_note.number,
        ledger["half_paid"].number,
        "C-MINE",
        "上海甲贸易有限公司",
        "2026-02-15",
        "100.50",
        "CNY",
        "退货",
    ]

    rows = export("write-off-export")
    assert Decimal(rows[1][1]) == 1  # the installment's sequence
    assert rows[1][:1] + rows[1][2:8] == [
        ledger["other"].number,
        "C-THEIRS",
        "北京乙有限公司",
        "99.99",
        "CNY",
        "无法收回",
        "Pending approval",
    ]
    # The list's filter: nothing approved yet.
    assert export("write-off-export", status="approved")[1:] == []

    # A sales rep sees their own customer's contract, not the other rep's write-off.
    client.force_login(sales_user)
    assert len(export("contract-export")) == 2
    assert len(export("write-off-export")) == 1


def test_exports_need_sign_in(client, ledger):
    for name in ("invoice-export", "payment-export", "contract-export", "credit-note-export"):
        response = client.get(reverse(name, args=["csv"]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_unknown_format_is_not_found(client, finance_user):
    client.force_login(finance_user)
    assert client.get("/invoices/export.pdf").status_code == 404


def test_text_that_a_spreadsheet_would_run_is_kept_as_text(client, finance_user, sales_user):
    PaymentTermsFactory()
    customer = CustomerFactory(owner=sales_user, legal_name='=HYPERLINK("http://x","y")')
    issued_invoice(customer, actor=finance_user)
    client.force_login(finance_user)
    rows = rows_of(client.get(reverse("invoice-export", args=["csv"])), "csv")
    assert rows[1][2] == '\'=HYPERLINK("http://x","y")'
    sheet = xlsx_sheet(content_of(client.get(reverse("invoice-export", args=["xlsx"]))))
    assert (sheet["C2"].data_type, sheet["C2"].value) == ("s", '=HYPERLINK("http://x","y")')


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("name", ["invoice-export", "payment-export"])
def test_export_query_count_does_not_grow_with_rows(client, finance_user, file_format, name):
    PaymentTermsFactory()
    customer = CustomerFactory()
    client.force_login(finance_user)
    url = reverse(name, args=[file_format])

    def add(count):
        for _ in range(count):
            issued_invoice(customer, actor=finance_user)
            recorded_payment(customer, actor=finance_user)

    add(2)
    small = queries_to_export(client, url)
    add(10)
    assert queries_to_export(client, url) == small
