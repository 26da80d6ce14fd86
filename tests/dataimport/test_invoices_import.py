"""The invoices importer through the import job: one row per line, consecutive rows with the same
number are one invoice, issued with the file's number and its installments from the terms or
the due date. Each bad row is reported with its row and column and nothing is written; a
re-import is unchanged; a changed issued invoice is refused."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from core.exceptions import PermissionDeniedError
from dataimport.importers.invoices import InvoiceResource
from dataimport.models import ImportJob
from dataimport.services import import_job_create, import_job_run
from receivables import services
from receivables.models import DocumentSequence, Installment, Invoice, InvoiceLine
from receivables.selectors import customer_net_balance
from tests.factories import CustomerFactory, PaymentTermsFactory, issued_invoice

pytestmark = pytest.mark.django_db

EN = {name: en for name, (_zh, en) in InvoiceResource.headers.items()}
ZH = {name: zh for name, (zh, _en) in InvoiceResource.headers.items()}
COLUMNS = list(InvoiceResource.headers)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def ledger(db, finance_user):
    split = services.payment_terms_create(
        actor=finance_user,
        code="SPLIT",
        name="半年分两期",
        net_days=90,
        schedule=[{"percent": Decimal("30"), "days": 30}, {"percent": Decimal("70"), "days": 90}],
    )
    net30 = PaymentTermsFactory(code="NET30")
    acme = CustomerFactory(code="K001", currency="CNY", default_payment_terms=net30)
    bolt = CustomerFactory(code="K002", currency="CNY", default_payment_terms=net30)
    contract = services.contract_create(
        actor=finance_user,
        customer=acme,
        number="HT-001",
        signed_on=date(2024, 12, 1),
        amount=Decimal("0"),
    )
    return {"split": split, "net30": net30, "acme": acme, "bolt": bolt, "contract": contract}


def good_rows() -> list[dict]:
    header = {
        "number": "ERP-0001",
        "customer_code": "K001",
        "contract_number": "HT-001",
        "issue_date": "2025-03-01",
        "currency": "CNY",
        "payment_terms_code": "SPLIT",
        "due_date": "",
        "fapiao_number": "04400123",
    }
    return [
        {
            **header,
            "description": "钢材",
            "quantity": "3",
            "unit_price": "333.33",
            "tax_rate": "13%",
        },
        {**header, "description": "运费", "quantity": "1", "unit_price": "100", "tax_rate": "0.09"},
        {
            "number": "ERP-0002",
            "customer_code": "K002",
            "contract_number": "",
            "issue_date": "2025/03/05",
            "currency": "",
            "payment_terms_code": "",
            "due_date": "2025-04-30",
            "fapiao_number": "",
            "description": "技术服务费",
            "quantity": "1",
            "unit_price": "5,000.00",
            "tax_rate": "",
        },
    ]


def table(rows, names) -> list[list]:
    return [[names[c] for c in COLUMNS], *[[row[c] for c in COLUMNS] for row in rows]]


def csv_upload(rows, *, names=EN, encoding="utf-8") -> SimpleUploadedFile:
    text = io.StringIO()
    csv.writer(text).writerows(table(rows, names))
    return SimpleUploadedFile("invoices.csv", text.getvalue().encode(encoding))


def xlsx_upload(rows, *, names=EN) -> SimpleUploadedFile:
    workbook = Workbook()
    for line in table(rows, names):
        workbook.active.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("invoices.xlsx", buffer.getvalue())


def preview(actor, upload) -> ImportJob:
    return import_job_create(actor=actor, kind=ImportJob.Kind.INVOICES, upload=upload)


def imported(actor, upload) -> ImportJob:
    job = preview(actor, upload)
    assert job.errors == []
    return import_job_run(actor=actor, job=job)


def invoice_snapshot(number: str) -> dict:
    invoice = Invoice.objects.get(number=number)
    return {
        "customer": invoice.customer.code,
        "contract": invoice.contract.number if invoice.contract else None,
        "status": invoice.status,
        "origin": invoice.origin,
        "issue_date": invoice.issue_date,
        "currency": invoice.currency,
        "terms": invoice.payment_terms.code,
        "fapiao": invoice.fapiao_number,
        "totals": (invoice.subtotal, invoice.tax_total, invoice.total),
        "lines": [
            (line.description, line.quantity, line.unit_price, line.tax_rate, line.amount)
            for line in invoice.lines.all()
        ],
        "installments": [
            (i.sequence, i.due_date, i.amount, i.open_amount) for i in invoice.installments.all()
        ],
    }


def assert_good_file_imported(ledger) -> None:
    assert invoice_snapshot("ERP-0001") == {
        "customer": "K001",
        "contract": "HT-001",
        "status": "issued",
        "origin": "imported",
        "issue_date": date(2025, 3, 1),
        "currency": "CNY",
        "terms": "SPLIT",
        "fapiao": "04400123",
        # 999.99 + 100.00; tax 130.00 (999.99 × 13% = 129.9987) + 9.00
        "totals": (Decimal("1099.99"), Decimal("139.00"), Decimal("1238.99")),
        "lines": [
            ("钢材", Decimal("3"), Decimal("333.33"), Decimal("0.13"), Decimal("999.99")),
            ("运费", Decimal("1"), Decimal("100"), Decimal("0.09"), Decimal("100.00")),
        ],
        # 30% / 70% of 1,238.99, the last part taking the rounding.
        "installments": [
            (1, date(2025, 3, 31), Decimal("371.70"), Decimal("371.70")),
            (2, date(2025, 5, 30), Decimal("867.29"), Decimal("867.29")),
        ],
    }
    # No terms in the file: the customer's; a due date in the file: one installment then.
    assert invoice_snapshot("ERP-0002") == {
        "customer": "K002",
        "contract": None,
        "status": "issued",
        "origin": "imported",
        "issue_date": date(2025, 3, 5),
        "currency": "CNY",
        "terms": "NET30",
        "fapiao": "",
        "totals": (Decimal("5000.00"), Decimal("0.00"), Decimal("5000.00")),
        "lines": [("技术服务费", Decimal("1"), Decimal("5000"), Decimal("0"), Decimal("5000.00"))],
        "installments": [(1, date(2025, 4, 30), Decimal("5000.00"), Decimal("5000.00"))],
    }
    as_of = date(2025, 3, 31)
    assert customer_net_balance(customer=ledger["acme"], as_of=as_of) == {"CNY": Decimal("1238.99")}
    assert customer_net_balance(customer=ledger["bolt"], as_of=as_of) == {"CNY": Decimal("5000.00")}


def test_good_file_previews_each_line_then_imports_issued_invoices(ledger, finance_user):
    job = preview(finance_user, csv_upload(good_rows()))

    assert (job.status, job.new_rows, job.error_rows, job.errors) == ("previewed", 3, 0, [])
    assert [(row["row"], row["action"], row["key"]) for row in job.preview] == [
        (2, "new", "ERP-0001"),
        (3, "new", "ERP-0001"),
        (4, "new", "ERP-0002"),
    ]
    assert not Invoice.objects.exists()

    job = import_job_run(actor=finance_user, job=job)

    assert (job.status, job.new_rows) == ("done", 3)
    assert_good_file_imported(ledger)
    # The file's numbers are kept: the gap-free sequence is not used.
    assert not DocumentSequence.objects.exists()


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


def test_xlsx_number_and_date_cells_keep_their_type(ledger, finance_user):
    rows = good_rows()
    for row in rows:
        row["issue_date"] = date(2025, 3, 1) if row["number"] == "ERP-0001" else date(2025, 3, 5)
    rows[0]["unit_price"], rows[0]["tax_rate"] = 333.33, 0.13
    rows[1]["unit_price"], rows[1]["tax_rate"] = 100, 0.09
    rows[2]["unit_price"], rows[2]["due_date"] = 5000.0, date(2025, 4, 30)

    imported(finance_user, xlsx_upload(rows))

    assert_good_file_imported(ledger)


def test_an_invoice_is_never_split_across_chunks(ledger, finance_user, settings):
    settings.DATA_IMPORT_CHUNK_ROWS = 1

    job = imported(finance_user, csv_upload(good_rows()))

    assert (job.status, job.new_rows) == ("done", 3)
    assert_good_file_imported(ledger)


def test_credit_control_does_not_refuse_an_existing_receivable(ledger, finance_user):
    ledger["bolt"].credit_limit = Decimal("100.00")
    ledger["bolt"].save(update_fields=["credit_limit"])

    job = imported(finance_user, csv_upload(good_rows()))

    assert job.status == "done"
    assert Invoice.objects.get(number="ERP-0002").total == Decimal("5000.00")


BAD_ROWS = [
    # (row index changed, field, value, error row, column, message)
    (2, "customer_code", "K999", 4, "Customer code", "Unknown customer code: K999"),
    (1, "unit_price", "-5", 3, "Unit price", "The unit price cannot be negative."),
    (1, "quantity", "0", 3, "Quantity", "The quantity must be positive."),
    (1, "quantity", "三", 3, "Quantity", "“三” is not a number."),
    (1, "unit_price", "0.12345", 3, "Unit price", "At most 4 decimal places."),
    (2, "due_date", "2025-03-04", 4, "Due date", "The due date cannot be before the issue date."),
    (
        2,
        "issue_date",
        "05/03/2025",
        4,
        "Issue date",
        "“05/03/2025” is not a date (use YYYY-MM-DD).",
    ),
    (2, "currency", "RMB", 4, "Currency", "Unknown currency: RMB"),
    (2, "description", "", 4, "Description", "This cell is required."),
    (2, "tax_rate", "13", 4, "Tax rate", "Write the tax rate as 13% or 0.13, not “13”."),
    (2, "contract_number", "HT-404", 4, "Contract number", "Unknown contract number: HT-404"),
    (
        2,
        "contract_number",
        "HT-001",
        4,
        "Contract number",
        "The contract belongs to another customer.",
    ),
    (
        1,
        "customer_code",
        "K002",
        3,
        "Customer code",
        "Row 2 gives invoice ERP-0001 another value here; the rows of one invoice repeat the "
        "same header.",
    ),
]


@pytest.mark.parametrize(("index", "field", "value", "row", "column", "message"), BAD_ROWS)
def test_bad_row_is_reported_with_row_and_column_and_nothing_is_imported(
    ledger, finance_user, index, field, value, row, column, message
):
    rows = good_rows()
    rows[index][field] = value

    job = preview(finance_user, csv_upload(rows))

    assert (job.status, job.error_rows) == ("previewed", 1)
    assert job.errors == [{"row": row, "column": column, "message": message}]
    assert not job.can_import()
    assert not Invoice.objects.exists()
    assert not InvoiceLine.objects.exists()


def test_invoice_number_repeated_after_another_invoice_is_a_duplicate(ledger, finance_user):
    rows = good_rows()
    rows.append({**rows[0], "description": "补充"})

    job = preview(finance_user, csv_upload(rows))

    assert job.errors == [
        {
            "row": 5,
            "column": "Invoice number",
            "message": "Invoice number ERP-0001 is already used in row 2; an invoice's lines must "
            "be consecutive rows.",
        }
    ]
    assert not Invoice.objects.exists()


def test_invoice_number_of_another_customer_is_refused(ledger, finance_user):
    other = issued_invoice(ledger["acme"], actor=finance_user)
    rows = good_rows()
    rows[2]["number"] = other.number

    job = preview(finance_user, csv_upload(rows))

    assert job.errors == [
        {
            "row": 4,
            "column": "Invoice number",
            "message": f"Invoice number {other.number} already belongs to customer K001.",
        }
    ]
    assert list(Invoice.objects.values_list("number", flat=True)) == [other.number]


def test_reimport_of_the_same_file_is_unchanged_and_creates_nothing(ledger, finance_user):
    imported(finance_user, csv_upload(good_rows()))
    before = {number: invoice_snapshot(number) for number in ("ERP-0001", "ERP-0002")}

    job = imported(finance_user, csv_upload(good_rows()))

    assert (job.status, job.new_rows, job.updated_rows, job.unchanged_rows) == ("done", 0, 0, 3)
    assert (Invoice.objects.count(), InvoiceLine.objects.count()) == (2, 3)
    assert Installment.objects.count() == 3
    assert {number: invoice_snapshot(number) for number in before} == before


def test_reimport_with_a_new_fapiao_number_updates_only_that(ledger, finance_user):
    imported(finance_user, csv_upload(good_rows()))
    rows = good_rows()
    rows[2]["fapiao_number"] = "04400999"

    job = imported(finance_user, csv_upload(rows))

    assert (job.new_rows, job.updated_rows, job.unchanged_rows) == (0, 1, 2)
    assert Invoice.objects.get(number="ERP-0002").fapiao_number == "04400999"


@pytest.mark.parametrize(
    ("index", "field", "value", "row", "column"),
    [
        (1, "unit_price", "101", 3, "Unit price"),
        (2, "issue_date", "2025-03-06", 4, "Issue date"),
        (2, "due_date", "2025-05-31", 4, "Due date"),
    ],
)
def test_reimport_with_other_content_is_refused_because_issued_invoices_are_immutable(
    ledger, finance_user, index, field, value, row, column
):
    imported(finance_user, csv_upload(good_rows()))
    before = {number: invoice_snapshot(number) for number in ("ERP-0001", "ERP-0002")}
    rows = good_rows()
    rows[index][field] = value

    job = preview(finance_user, csv_upload(rows))

    number = rows[index]["number"]
    assert job.errors == [
        {
            "row": row,
            "column": column,
            "message": f"Invoice {number} is already issued with other content; an issued "
            "invoice cannot change (issue a credit note instead).",
        }
    ]
    assert {number: invoice_snapshot(number) for number in before} == before


def test_reimport_with_a_line_less_is_refused(ledger, finance_user):
    imported(finance_user, csv_upload(good_rows()))
    rows = good_rows()
    del rows[1]

    job = preview(finance_user, csv_upload(rows))

    assert [(error["row"], error["column"]) for error in job.errors] == [(2, "Description")]
    assert InvoiceLine.objects.filter(invoice__number="ERP-0001").count() == 2


@pytest.mark.parametrize("role_user", ["sales_user", "manager_user", "auditor_user"])
def test_only_finance_and_admin_may_import_an_invoice(ledger, request, role_user):
    actor = request.getfixturevalue(role_user)

    with pytest.raises(PermissionDeniedError):
        services.invoice_import(
            actor=actor,
            customer=ledger["acme"],
            number="ERP-0009",
            issue_date=date(2025, 3, 1),
            lines=[{"description": "钢材", "quantity": 1, "unit_price": Decimal("10")}],
        )

    assert not Invoice.objects.exists()


def test_queries_per_invoice_do_not_grow_with_the_file(ledger, finance_user):
    """Each invoice costs the same number of queries however many the file holds (lookups of
    customers and terms are made once per file)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def rows(count: int, start: int) -> list[dict]:
        return [
            {**good_rows()[2], "number": f"ERP-{start + n:04d}", "customer_code": "K002"}
            for n in range(count)
        ]

    preview(finance_user, csv_upload(rows(1, 1)))  # warms the per-process caches
    counts = []
    for count, start in ((2, 100), (6, 200), (10, 300)):
        with CaptureQueriesContext(connection) as queries:
            preview(finance_user, csv_upload(rows(count, start)))
        counts.append(len(queries))

    per_invoice = (counts[1] - counts[0]) // 4
    assert counts[2] - counts[1] == counts[1] - counts[0] == per_invoice * 4
    assert per_invoice <= 16


def test_the_templates_example_row_imports(finance_user):
    customer = CustomerFactory(code="C00001", default_payment_terms=PaymentTermsFactory())
    services.contract_create(
        actor=finance_user,
        customer=customer,
        number="HT-2025-001",
        signed_on=date(2025, 1, 15),
        amount=Decimal("0"),
    )
    upload = SimpleUploadedFile("template.xlsx", InvoiceResource.template_xlsx())

    job = imported(finance_user, upload)

    assert (job.status, job.new_rows) == ("done", 1)
    assert Invoice.objects.get(number="INV-ERP-000123").total == Decimal("11300.00")


def test_an_imported_number_in_our_format_moves_the_numbering_past_it(finance_user, customer):
    services.invoice_import(
        actor=finance_user,
        customer=customer,
        number="INV-2026-000005",
        issue_date=date(2026, 1, 10),
        due_date=date(2026, 2, 10),
        lines=[
            {
                "description": "货物",
                "quantity": Decimal("1"),
                "unit_price": Decimal("100.00"),
                "tax_rate": Decimal("0"),
            }
        ],
    )

    entered = issued_invoice(customer, actor=finance_user, issue_date=date(2026, 1, 20))

    assert entered.number == "INV-2026-000006"
