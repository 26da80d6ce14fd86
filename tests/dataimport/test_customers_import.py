"""Customers and contacts from CSV (UTF-8, GBK) and XLSX, Chinese or English headers: preview,
all-or-nothing import, errors with row and column, idempotent re-import."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from customers.models import Contact, Customer
from dataimport.importers.customers import CustomerResource
from dataimport.models import ImportJob
from dataimport.services import import_job_create, import_job_run
from tests.factories import CustomerFactory, PaymentTermsFactory, valid_uscc

pytestmark = pytest.mark.django_db

ZH = {name: zh for name, (zh, _en) in CustomerResource.headers.items()}
EN = {name: en for name, (_zh, en) in CustomerResource.headers.items()}
COLUMNS = [
    "code",
    "legal_name",
    "country",
    "uscc",
    "owner",
    "default_payment_terms",
    "currency",
    "credit_limit",
    "contact_name",
    "contact_phone",
    "contact_receives_statements",
]


def good_rows(sales_user) -> list[dict]:
    return [
        {
            "code": "K001",
            "legal_name": "北京甲（集团）有限公司",
            "country": "CN",
            "uscc": valid_uscc(501),
            "owner": sales_user.username,
            "default_payment_terms": "NET30",
            "currency": "CNY",
            "credit_limit": "200,000.00",
            "contact_name": "王芳",
            "contact_phone": "13800138000",
            "contact_receives_statements": "是",
        },
        {
            "code": "K001",
            "legal_name": "北京甲（集团）有限公司",
            "country": "CN",
            "uscc": valid_uscc(501),
            "owner": sales_user.username,
            "default_payment_terms": "NET30",
            "currency": "CNY",
            "credit_limit": "200,000.00",
            "contact_name": "赵强",
            "contact_phone": "",
            "contact_receives_statements": "否",
        },
        {
            "code": "K002",
            "legal_name": "Acme Trading Ltd",
            "country": "HK",
            "uscc": "",
            "owner": "",
            "default_payment_terms": "",
            "currency": "USD",
            "credit_limit": "0",
            "contact_name": "",
            "contact_phone": "",
            "contact_receives_statements": "",
        },
    ]


def csv_upload(rows, *, headers=ZH, encoding="utf-8", name="customers.csv", columns=COLUMNS):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([headers[name] for name in columns])
    for row in rows:
        writer.writerow([row.get(name, "") for name in columns])
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), content_type="text/csv")


def xlsx_upload(rows, *, headers=EN, columns=COLUMNS):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([headers[name] for name in columns])
    for row in rows:
        values = [row.get(name) or None for name in columns]
        sheet.append(values)
    sheet.append([])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("customers.xlsx", buffer.getvalue())


@pytest.fixture
def terms(db):
    return PaymentTermsFactory(code="NET30")


def check_and_import(user, upload) -> ImportJob:
    job = import_job_create(actor=user, kind=ImportJob.Kind.CUSTOMERS, upload=upload)
    assert job.status == ImportJob.Status.PREVIEWED, (job.errors, job.failure)
    assert job.errors == []
    return import_job_run(actor=user, job=job)


def assert_imported(sales_user, terms):
    first = Customer.objects.get(code="K001")
    assert first.legal_name == "北京甲（集团）有限公司"
    assert first.uscc == valid_uscc(501)
    assert first.owner == sales_user
    assert first.default_payment_terms == terms
    assert first.credit_limit == Decimal("200000.00")
    contacts = {c.name: c for c in first.contacts.all()}
    assert sorted(contacts) == ["王芳", "赵强"]
    assert contacts["王芳"].receives_statements is True
    assert contacts["王芳"].phone.endswith("13800138000")
    assert contacts["赵强"].receives_statements is False
    second = Customer.objects.get(code="K002")
    assert (second.country, second.currency, second.uscc) == ("HK", "USD", "")
    assert second.contacts.count() == 0


@pytest.mark.parametrize(
    "make_upload",
    [
        pytest.param(lambda rows: csv_upload(rows, encoding="utf-8"), id="utf8-csv-zh"),
        pytest.param(lambda rows: csv_upload(rows, encoding="utf-8-sig"), id="utf8-bom-csv"),
        pytest.param(lambda rows: csv_upload(rows, encoding="gbk"), id="gbk-csv-zh"),
        pytest.param(lambda rows: csv_upload(rows, headers=EN), id="csv-en"),
        pytest.param(lambda rows: xlsx_upload(rows), id="xlsx-en"),
        pytest.param(lambda rows: xlsx_upload(rows, headers=ZH), id="xlsx-zh"),
    ],
)
def test_good_file_imports_customers_and_contacts(finance_user, sales_user, terms, make_upload):
    job = check_and_import(finance_user, make_upload(good_rows(sales_user)))

    assert job.status == ImportJob.Status.DONE
    assert (job.total_rows, job.processed_rows) == (3, 3)
    assert (job.new_rows, job.updated_rows, job.unchanged_rows, job.error_rows) == (3, 0, 0, 0)
    assert Customer.objects.count() == 2
    assert_imported(sales_user, terms)


def test_gbk_file_is_detected_as_gb18030(finance_user, sales_user, terms):
    job = import_job_create(
        actor=finance_user,
        kind=ImportJob.Kind.CUSTOMERS,
        upload=csv_upload(good_rows(sales_user), encoding="gbk"),
    )
    assert (job.file_format, job.encoding) == ("csv", "gb18030")


def test_preview_lists_each_rows_outcome_and_writes_nothing(finance_user, sales_user, terms):
    job = import_job_create(
        actor=finance_user, kind=ImportJob.Kind.CUSTOMERS, upload=csv_upload(good_rows(sales_user))
    )

    assert [(p["row"], p["action"], p["key"]) for p in job.preview] == [
        (2, "new", "K001"),
        (3, "new", "K001"),
        (4, "new", "K002"),
    ]
    assert Customer.objects.count() == 0
    assert Contact.objects.count() == 0


def test_reimport_of_the_same_file_is_all_unchanged(finance_user, sales_user, terms):
    check_and_import(finance_user, csv_upload(good_rows(sales_user)))
    customer_ids = sorted(Customer.objects.values_list("pk", flat=True))
    contact_ids = sorted(Contact.objects.values_list("pk", flat=True))

    again = check_and_import(finance_user, csv_upload(good_rows(sales_user)))

    assert again.status == ImportJob.Status.DONE
    assert (again.new_rows, again.updated_rows, again.unchanged_rows) == (0, 0, 3)
    assert sorted(Customer.objects.values_list("pk", flat=True)) == customer_ids
    assert sorted(Contact.objects.values_list("pk", flat=True)) == contact_ids


def test_reimport_updates_changed_fields_by_code(finance_user, sales_user, terms):
    check_and_import(finance_user, csv_upload(good_rows(sales_user)))
    rows = good_rows(sales_user)
    rows[2]["legal_name"] = "Acme Trading Limited"

    job = check_and_import(finance_user, csv_upload(rows))

    assert (job.new_rows, job.updated_rows, job.unchanged_rows) == (0, 1, 2)
    assert Customer.objects.get(code="K002").legal_name == "Acme Trading Limited"
    assert Customer.objects.count() == 2


BAD_ROWS = [
    pytest.param("uscc", "91110000000000501X", "统一社会信用代码", id="bad-uscc-check-digit"),
    pytest.param("currency", "XYZ", "币种", id="unknown-currency"),
    pytest.param("credit_limit", "-5", "信用额度", id="negative-amount"),
    pytest.param("credit_limit", "12,3a", "信用额度", id="bad-number"),
    pytest.param("owner", "nobody", "销售负责人", id="unknown-sales-rep"),
    pytest.param("default_payment_terms", "NET999", "付款条件", id="unknown-terms"),
    pytest.param("legal_name", "", "客户名称", id="missing-required"),
    pytest.param("contact_receives_statements", "maybe", "接收对账单", id="bad-flag"),
]


@pytest.mark.parametrize(("column", "value", "header"), BAD_ROWS)
def test_one_bad_row_reports_row_and_column_and_writes_nothing(
    finance_user, sales_user, terms, column, value, header
):
    rows = good_rows(sales_user)
    rows[2]["contact_name"] = "Jane Doe"
    rows[2][column] = value
    rows[2]["country"] = "CN" if column == "uscc" else rows[2]["country"]

    job = import_job_create(
        actor=finance_user, kind=ImportJob.Kind.CUSTOMERS, upload=csv_upload(rows)
    )

    assert job.status == ImportJob.Status.PREVIEWED
    assert job.error_rows == 1
    assert [(e["row"], e["column"]) for e in job.errors] == [(4, header)]
    assert job.errors[0]["message"]
    assert not job.can_import()
    with pytest.raises(Exception, match="Only a checked file"):
        import_job_run(actor=finance_user, job=job)
    assert Customer.objects.count() == 0
    assert Contact.objects.count() == 0


def test_unknown_and_missing_columns_are_reported_on_the_header_row(finance_user):
    buffer = "客户编码,Colour\nK9,red\n".encode()
    job = import_job_create(
        actor=finance_user,
        kind=ImportJob.Kind.CUSTOMERS,
        upload=SimpleUploadedFile("c.csv", buffer),
    )

    assert job.error_rows == 1
    assert {(e["row"], e["column"]) for e in job.errors} == {
        (1, "Colour"),
        (1, "客户名称 / Legal name"),
    }
    assert Customer.objects.count() == 0


def test_headers_match_full_width_and_case_and_both_languages(finance_user):
    upload = SimpleUploadedFile(
        "c.csv", "ＣＵＳＴＯＭＥＲ ＣＯＤＥ, 客户名称 / Legal Name \nK7,七号公司\n".encode()
    )
    job = import_job_create(actor=finance_user, kind=ImportJob.Kind.CUSTOMERS, upload=upload)

    assert job.errors == []
    import_job_run(actor=finance_user, job=job)
    assert Customer.objects.get(code="K7").legal_name == "七号公司"


def test_import_keeps_existing_customers_intact_when_a_row_fails(finance_user, sales_user, terms):
    existing = CustomerFactory(
        code="K002",
        legal_name="Old name",
        country="HK",
        uscc="",
        credit_limit=0,
        currency="USD",
        default_payment_terms=None,
    )
    rows = good_rows(sales_user)
    rows[2]["legal_name"] = "New name"
    rows[0]["currency"] = "XYZ"

    job = import_job_create(
        actor=finance_user, kind=ImportJob.Kind.CUSTOMERS, upload=csv_upload(rows)
    )

    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "币种")]
    existing.refresh_from_db()
    assert existing.legal_name == "Old name"
    assert Customer.objects.count() == 1
