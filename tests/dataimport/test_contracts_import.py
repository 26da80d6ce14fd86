"""The contracts importer through the import job (upload → preview → import): a good file in
English or Chinese headers (UTF-8, GBK, XLSX), each bad row reported with its row and column and
nothing written, and an idempotent re-import."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from dataimport.importers.contracts import ContractResource
from dataimport.models import ImportJob
from dataimport.services import import_job_create, import_job_run
from receivables.models import Contract
from tests.factories import CustomerFactory, PaymentTermsFactory

pytestmark = pytest.mark.django_db

EN = {name: en for name, (_zh, en) in ContractResource.headers.items()}
ZH = {name: zh for name, (zh, _en) in ContractResource.headers.items()}
COLUMNS = ["number", "customer_code", "title", "signed_on", "amount", "currency"]
COLUMNS += ["payment_terms_code", "starts_on", "ends_on", "notes"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def ledger(db):
    terms = PaymentTermsFactory(code="NET60", name="Net 60", net_days=60)
    return {
        "terms": terms,
        "acme": CustomerFactory(code="K001", currency="CNY"),
        "bolt": CustomerFactory(code="K002", currency="USD"),
    }


def good_rows() -> list[dict]:
    return [
        {
            "number": "HT-2025-001",
            "customer_code": "K001",
            "title": "年度供货合同",
            "signed_on": "2025-01-15",
            "amount": "1,200,000.00",
            "currency": "CNY",
            "payment_terms_code": "NET60",
            "starts_on": "2025-02-01",
            "ends_on": "2025-12-31",
            "notes": "含运费",
        },
        {
            "number": "HT-2025-002",
            "customer_code": "K002",
            "title": "Service agreement",
            "signed_on": "2025/3/1",
            "amount": "50000",
            "currency": "",
            "payment_terms_code": "",
            "starts_on": "",
            "ends_on": "",
            "notes": "",
        },
    ]


def table(rows: list[dict], names: dict) -> list[list]:
    return [[names[c] for c in COLUMNS], *[[row[c] for c in COLUMNS] for row in rows]]


def csv_upload(rows, *, names=EN, encoding="utf-8") -> SimpleUploadedFile:
    text = io.StringIO()
    csv.writer(text).writerows(table(rows, names))
    return SimpleUploadedFile("contracts.csv", text.getvalue().encode(encoding))


def xlsx_upload(rows, *, names=EN) -> SimpleUploadedFile:
    workbook = Workbook()
    for line in table(rows, names):
        workbook.active.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("contracts.xlsx", buffer.getvalue())


def preview(actor, upload) -> ImportJob:
    return import_job_create(actor=actor, kind=ImportJob.Kind.CONTRACTS, upload=upload)


def imported(actor, upload) -> ImportJob:
    job = preview(actor, upload)
    assert job.errors == []
    return import_job_run(actor=actor, job=job)


def contract_values(number: str) -> dict:
    contract = Contract.objects.select_related("customer", "payment_terms").get(number=number)
    return {
        "customer": contract.customer.code,
        "title": contract.title,
        "signed_on": contract.signed_on,
        "amount": contract.amount,
        "currency": contract.currency,
        "payment_terms": contract.payment_terms.code if contract.payment_terms else None,
        "starts_on": contract.starts_on,
        "ends_on": contract.ends_on,
        "notes": contract.notes,
    }


def assert_good_file_imported() -> None:
    assert contract_values("HT-2025-001") == {
        "customer": "K001",
        "title": "年度供货合同",
        "signed_on": date(2025, 1, 15),
        "amount": Decimal("1200000.00"),
        "currency": "CNY",
        "payment_terms": "NET60",
        "starts_on": date(2025, 2, 1),
        "ends_on": date(2025, 12, 31),
        "notes": "含运费",
    }
    # A blank currency is the customer's.
    assert contract_values("HT-2025-002") == {
        "customer": "K002",
        "title": "Service agreement",
        "signed_on": date(2025, 3, 1),
        "amount": Decimal("50000.00"),
        "currency": "USD",
        "payment_terms": None,
        "starts_on": None,
        "ends_on": None,
        "notes": "",
    }


def test_good_file_previews_as_new_then_imports_every_contract(ledger, finance_user):
    job = preview(finance_user, csv_upload(good_rows()))

    assert (job.status, job.new_rows, job.error_rows, job.errors) == ("previewed", 2, 0, [])
    assert [(row["row"], row["action"], row["key"]) for row in job.preview] == [
        (2, "new", "HT-2025-001"),
        (3, "new", "HT-2025-002"),
    ]
    assert not Contract.objects.exists()  # the preview wrote nothing

    job = import_job_run(actor=finance_user, job=job)

    assert (job.status, job.new_rows) == ("done", 2)
    assert_good_file_imported()


@pytest.mark.parametrize(
    ("encoding", "file_format"), [("gbk", "csv"), ("utf-8-sig", "csv"), ("", "xlsx")]
)
def test_chinese_headers_in_gbk_bom_csv_and_xlsx(ledger, finance_user, encoding, file_format):
    if file_format == "xlsx":
        upload = xlsx_upload(good_rows(), names=ZH)
    else:
        upload = csv_upload(good_rows(), names=ZH, encoding=encoding)

    job = imported(finance_user, upload)

    assert (job.status, job.new_rows) == ("done", 2)
    assert_good_file_imported()


def test_credit_control_does_not_refuse_a_contract_signed_before_go_live(ledger, finance_user):
    ledger["acme"].credit_limit = Decimal("1000.00")
    ledger["acme"].save(update_fields=["credit_limit"])

    job = imported(finance_user, csv_upload(good_rows()))

    assert job.status == "done"
    assert Contract.objects.get(number="HT-2025-001").amount == Decimal("1200000.00")


BAD_ROWS = [
    ("customer_code", "K999", "Customer code", "Unknown customer code: K999"),
    ("amount", "-5.00", "Contract amount", "The amount cannot be negative."),
    ("amount", "1.2.3", "Contract amount", "“1.2.3” is not a number."),
    ("signed_on", "2025-02-30", "Signed on", "“2025-02-30” is not a date (use YYYY-MM-DD)."),
    ("signed_on", "", "Signed on", "This cell is required."),
    ("currency", "XYZ", "Currency", "Unknown currency: XYZ"),
    ("payment_terms_code", "NET999", "Payment terms", "Unknown payment terms code: NET999"),
    ("ends_on", "2025-01-01", "Ends on", "A contract cannot end before it starts."),
    ("number", "HT-2025-001", "Contract number", "HT-2025-001 is already in row 2 of this file."),
]


@pytest.mark.parametrize(("field", "value", "column", "message"), BAD_ROWS)
def test_bad_row_is_reported_with_row_and_column_and_nothing_is_imported(
    ledger, finance_user, field, value, column, message
):
    rows = good_rows()
    rows[1][field] = value
    if field == "ends_on":
        rows[1]["starts_on"] = "2025-06-01"

    job = preview(finance_user, csv_upload(rows))

    assert (job.status, job.new_rows, job.error_rows) == ("previewed", 1, 1)
    assert job.errors == [{"row": 3, "column": column, "message": message}]
    assert not job.can_import()
    assert not Contract.objects.exists()


def test_reimport_of_the_same_file_is_unchanged_and_creates_nothing(ledger, finance_user):
    imported(finance_user, csv_upload(good_rows()))
    before = {number: contract_values(number) for number in ("HT-2025-001", "HT-2025-002")}

    job = imported(finance_user, csv_upload(good_rows()))

    assert (job.status, job.new_rows, job.updated_rows, job.unchanged_rows) == ("done", 0, 0, 2)
    assert Contract.objects.count() == 2
    assert {number: contract_values(number) for number in before} == before


def test_reimport_with_changed_values_updates_the_contract(ledger, finance_user):
    imported(finance_user, csv_upload(good_rows()))
    rows = good_rows()
    rows[0]["title"] = "年度供货合同（续签）"
    rows[0]["amount"] = "1500000"

    job = imported(finance_user, csv_upload(rows))

    assert (job.new_rows, job.updated_rows, job.unchanged_rows) == (0, 1, 1)
    values = contract_values("HT-2025-001")
    assert (values["title"], values["amount"]) == ("年度供货合同（续签）", Decimal("1500000.00"))


def test_the_templates_example_row_imports(finance_user):
    PaymentTermsFactory(code="NET30")
    CustomerFactory(code="C00001")
    upload = SimpleUploadedFile("template.csv", ContractResource.template_csv())

    job = imported(finance_user, upload)

    assert (job.status, job.new_rows) == ("done", 1)
    assert contract_values("HT-2025-001")["amount"] == Decimal("1200000.00")
