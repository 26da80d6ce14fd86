"""The opening balances importer through the import job: each open item as of the go-live date
becomes an issued invoice of origin "opening balance" whose installment is the open amount, so
balances and aging as of go-live are exact to the cent. Bad rows are reported with row and
column and nothing is written; a re-import is unchanged."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from dataimport.importers.opening_balances import OpeningBalanceResource
from dataimport.models import ImportJob
from dataimport.services import import_job_create, import_job_run
from receivables.models import Installment, Invoice
from receivables.selectors import customer_net_balance
from tests.factories import CustomerFactory, PaymentTermsFactory

pytestmark = pytest.mark.django_db

GO_LIVE = date(2025, 1, 1)
EN = {name: en for name, (_zh, en) in OpeningBalanceResource.headers.items()}
ZH = {name: zh for name, (zh, _en) in OpeningBalanceResource.headers.items()}
COLUMNS = list(OpeningBalanceResource.headers)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def ledger(db):
    net30 = PaymentTermsFactory(code="NET30")
    PaymentTermsFactory(code="NET90", name="Net 90", net_days=90)
    return {
        "acme": CustomerFactory(code="K001", currency="CNY", default_payment_terms=net30),
        "bolt": CustomerFactory(code="K002", currency="USD", default_payment_terms=net30),
    }


def good_rows() -> list[dict]:
    return [
        {
            "customer_code": "K001",
            "number": "ERP-2024-0815",
            "issue_date": "2024-11-20",
            "due_date": "2024-12-20",
            "currency": "CNY",
            "original_amount": "113,000.00",
            "open_amount": "56,500.01",
            "payment_terms_code": "",
        },
        {
            "customer_code": "K001",
            "number": "ERP-2024-0901",
            "issue_date": "2024-12-28",
            "due_date": "2025-03-28",
            "currency": "CNY",
            "original_amount": "0.10",
            "open_amount": "0.10",
            "payment_terms_code": "NET90",
        },
        {
            "customer_code": "K002",
            "number": "ERP-2024-0777",
            "issue_date": "2024-10-01",
            "due_date": "2024-10-31",
            "currency": "",
            "original_amount": "8000",
            "open_amount": "7999.99",
            "payment_terms_code": "",
        },
    ]


def table(rows, names) -> list[list]:
    return [[names[c] for c in COLUMNS], *[[row[c] for c in COLUMNS] for row in rows]]


def csv_upload(rows, *, names=EN, encoding="utf-8") -> SimpleUploadedFile:
    text = io.StringIO()
    csv.writer(text).writerows(table(rows, names))
    return SimpleUploadedFile("opening.csv", text.getvalue().encode(encoding))


def xlsx_upload(rows, *, names=EN) -> SimpleUploadedFile:
    workbook = Workbook()
    for line in table(rows, names):
        workbook.active.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("opening.xlsx", buffer.getvalue())


def preview(actor, upload, go_live_on=GO_LIVE) -> ImportJob:
    return import_job_create(
        actor=actor, kind=ImportJob.Kind.OPENING_BALANCES, upload=upload, go_live_on=go_live_on
    )


def imported(actor, upload) -> ImportJob:
    job = preview(actor, upload)
    assert job.errors == []
    return import_job_run(actor=actor, job=job)


def snapshot(number: str) -> dict:
    invoice = Invoice.objects.get(number=number)
    return {
        "customer": invoice.customer.code,
        "status": invoice.status,
        "origin": invoice.origin,
        "issue_date": invoice.issue_date,
        "currency": invoice.currency,
        "terms": invoice.payment_terms.code,
        "total": invoice.total,
        "original_amount": invoice.original_amount,
        "installments": [(i.due_date, i.amount, i.open_amount) for i in invoice.installments.all()],
    }


def assert_good_file_imported(ledger) -> None:
    assert snapshot("ERP-2024-0815") == {
        "customer": "K001",
        "status": "issued",
        "origin": "opening_balance",
        "issue_date": date(2024, 11, 20),
        "currency": "CNY",
        "terms": "NET30",
        "total": Decimal("56500.01"),
        "original_amount": Decimal("113000.00"),
        "installments": [(date(2024, 12, 20), Decimal("56500.01"), Decimal("56500.01"))],
    }
    assert snapshot("ERP-2024-0901")["terms"] == "NET90"
    assert snapshot("ERP-2024-0777") == {
        "customer": "K002",
        "status": "issued",
        "origin": "opening_balance",
        "issue_date": date(2024, 10, 1),
        "currency": "USD",
        "terms": "NET30",
        "total": Decimal("7999.99"),
        "original_amount": Decimal("8000.00"),
        "installments": [(date(2024, 10, 31), Decimal("7999.99"), Decimal("7999.99"))],
    }
    # Exact to the cent as of go-live: what was open then, not what was invoiced.
    assert customer_net_balance(customer=ledger["acme"], as_of=GO_LIVE) == {
        "CNY": Decimal("56500.11")
    }
    assert customer_net_balance(customer=ledger["bolt"], as_of=GO_LIVE) == {
        "USD": Decimal("7999.99")
    }


def test_good_file_previews_then_imports_open_items_as_of_go_live(ledger, finance_user):
    job = preview(finance_user, csv_upload(good_rows()))

    assert (job.status, job.new_rows, job.error_rows, job.errors) == ("previewed", 3, 0, [])
    assert job.go_live_on == GO_LIVE
    assert not Invoice.objects.exists()

    job = import_job_run(actor=finance_user, job=job)

    assert (job.status, job.new_rows) == ("done", 3)
    assert_good_file_imported(ledger)


@pytest.mark.parametrize(
    ("encoding", "file_format"), [("gbk", "csv"), ("utf-8-sig", "csv"), ("", "xlsx")]
)
def test_chinese_headers_in_gbk_bom_csv_and_xlsx(ledger, finance_user, encoding, file_format):
    if file_format == "xlsx":
        upload = xlsx_upload(good_rows(), names=ZH)
    else:
        upload = csv_upload(good_rows(), names=ZH, encoding=encoding)

    job = imported(finance_user, upload)

    assert (job.status, job.new_rows) == ("done", 3)
    assert_good_file_imported(ledger)


def test_open_items_age_from_their_own_due_dates(ledger, finance_user):
    imported(finance_user, csv_upload(good_rows()))

    overdue_at_go_live = Installment.objects.filter(
        customer=ledger["acme"], due_date__lt=GO_LIVE, open_amount__gt=0
    )
    assert [(i.invoice.number, i.open_amount) for i in overdue_at_go_live] == [
        ("ERP-2024-0815", Decimal("56500.01"))
    ]


BAD_ROWS = [
    ("customer_code", "K999", "Customer code", "Unknown customer code: K999"),
    ("open_amount", "-1.00", "Open amount", "The amount must be positive."),
    ("original_amount", "0", "Original amount", "The amount must be positive."),
    ("open_amount", "9000", "Open amount", "The open amount cannot exceed the original amount."),
    ("open_amount", "12.345", "Open amount", "USD amounts have at most 2 decimal places."),
    ("open_amount", "abc", "Open amount", "“abc” is not a number."),
    ("due_date", "2024-09-30", "Due date", "The due date cannot be before the issue date."),
    ("due_date", "", "Due date", "This cell is required."),
    ("issue_date", "2024-13-01", "Issue date", "“2024-13-01” is not a date (use YYYY-MM-DD)."),
    (
        "issue_date",
        "2025-01-02",
        "Issue date",
        "An opening balance must be issued on or before the go-live date 2025-01-01.",
    ),
    ("currency", "US$", "Currency", "Unknown currency: US$"),
    ("payment_terms_code", "N7", "Payment terms", "Unknown payment terms code: N7"),
    (
        "number",
        "ERP-2024-0815",
        "Document number",
        "ERP-2024-0815 is already in row 2 of this file.",
    ),
]


@pytest.mark.parametrize(("field", "value", "column", "message"), BAD_ROWS)
def test_bad_row_is_reported_with_row_and_column_and_nothing_is_imported(
    ledger, finance_user, field, value, column, message
):
    rows = good_rows()
    rows[2][field] = value
    if field == "issue_date" and value == "2025-01-02":
        rows[2]["due_date"] = "2025-02-01"

    job = preview(finance_user, csv_upload(rows))

    assert (job.status, job.new_rows, job.error_rows) == ("previewed", 2, 1)
    assert job.errors == [{"row": 4, "column": column, "message": message}]
    assert not job.can_import()
    assert not Invoice.objects.exists()
    assert not Installment.objects.exists()


def test_reimport_of_the_same_file_is_unchanged_and_creates_nothing(ledger, finance_user):
    imported(finance_user, csv_upload(good_rows()))

    job = imported(finance_user, csv_upload(good_rows()))

    assert (job.status, job.new_rows, job.updated_rows, job.unchanged_rows) == ("done", 0, 0, 3)
    assert (Invoice.objects.count(), Installment.objects.count()) == (3, 3)
    assert_good_file_imported(ledger)


def test_reimport_with_another_open_amount_is_refused(ledger, finance_user):
    imported(finance_user, csv_upload(good_rows()))
    rows = good_rows()
    rows[0]["open_amount"] = "50000.00"

    job = preview(finance_user, csv_upload(rows))

    assert job.errors == [
        {
            "row": 2,
            "column": "Open amount",
            "message": "Document ERP-2024-0815 is already in the ledger with other content; a "
            "posted document cannot change (issue a credit note instead).",
        }
    ]
    assert_good_file_imported(ledger)


def test_the_templates_example_row_imports(finance_user):
    customer = CustomerFactory(code="C00001", default_payment_terms=PaymentTermsFactory())
    upload = SimpleUploadedFile("template.csv", OpeningBalanceResource.template_csv())

    job = imported(finance_user, upload)

    assert (job.status, job.new_rows) == ("done", 1)
    assert customer_net_balance(customer=customer, as_of=GO_LIVE) == {"CNY": Decimal("56500.00")}
