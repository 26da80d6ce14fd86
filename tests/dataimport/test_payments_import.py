"""The payments importer: payments with their allocations, one row per allocation."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from core.exceptions import PermissionDeniedError
from dataimport.importers.payments import PaymentResource
from dataimport.models import ImportJob
from dataimport.services import import_job_create, import_job_run
from receivables import services
from receivables.models import Allocation, Installment, Payment
from receivables.selectors import customer_net_balance
from tests.factories import CustomerFactory, PaymentTermsFactory, issued_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


ZH = ["收款单号", "客户编码", "收款日期", "金额", "币种", "收款方式", "参考号"]
ZH_ALLOCATION = ["发票号码", "分期序号", "核销金额", "核销日期"]
BILL = ["票据号码", "承兑人", "票据到期日"]


def csv_bytes(rows, encoding="utf-8") -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode(encoding)


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run_import(content: bytes, *, actor, file_format="csv", dry_run=False):
    """Upload the file as an import job (the preview) and, unless a dry run, import it when the
    preview is clean: (row outcomes, errors) of the last step."""
    upload = SimpleUploadedFile(f"payments.{file_format}", content)
    job = import_job_create(actor=actor, kind=ImportJob.Kind.PAYMENTS, upload=upload)
    if not dry_run and job.can_import():
        job = import_job_run(actor=actor, job=job)
        assert job.status == ImportJob.Status.DONE
    return job.preview, job.errors


@pytest.fixture
def ledger(finance_user):
    """Two customers; ACME has an invoice in two installments (50/50) and one in one."""
    halves = services.payment_terms_create(
        actor=finance_user,
        code="HALF",
        name="50/50",
        net_days=60,
        schedule=[{"percent": 50, "days": 30}, {"percent": 50, "days": 60}],
    )
    acme = CustomerFactory(code="ACME", default_payment_terms=PaymentTermsFactory())
    other = CustomerFactory(code="OTHER")
    split = issued_invoice(acme, actor=finance_user, amount=Decimal("1000.00"), terms=halves)
    single = issued_invoice(acme, actor=finance_user, amount=Decimal("500.00"))
    foreign = issued_invoice(other, actor=finance_user, amount=Decimal("800.00"))
    return {"acme": acme, "other": other, "split": split, "single": single, "foreign": foreign}


def good_rows(ledger):
    split, single = ledger["split"].number, ledger["single"].number
    return [
        ZH + ZH_ALLOCATION,
        # One payment, two allocations: the first spread over both installments.
        ["RCV-2026-000041", "ACME", "2026-02-10", "1300.00", "CNY", "银行转账", "回单 1"]
        + [split, "", "1000.00", ""],
        ["RCV-2026-000041", "ACME", "2026-02-10", "1300.00", "CNY", "银行转账", "回单 1"]
        + [single, "1", "300.00", "2026-02-12"],
        # Money received and not applied: unapplied credit.
        ["EXT-7", "OTHER", "2026-02-11", "250.50", "", "", ""] + ["", "", "", ""],
    ]


def open_amounts(invoice):
    return list(
        Installment.objects.filter(invoice=invoice)
        .order_by("sequence")
        .values_list("open_amount", flat=True)
    )


def ledger_counts():
    return (Payment.objects.count(), Allocation.objects.count())


def test_good_file_records_payments_with_their_numbers_and_allocations(ledger, finance_user):
    outcomes, errors = run_import(csv_bytes(good_rows(ledger)), actor=finance_user)

    assert errors == []
    assert [(o["row"], o["action"]) for o in outcomes] == [(2, "new"), (3, "new"), (4, "new")]
    payment = Payment.objects.get(number="RCV-2026-000041")
    assert (payment.customer, payment.amount, payment.unapplied_amount, payment.status) == (
        ledger["acme"],
        Decimal("1300.00"),
        Decimal("0.00"),
        Payment.Status.APPLIED,
    )
    assert payment.reference == "回单 1"
    assert payment.method == Payment.Method.BANK_TRANSFER
    assert sorted(
        payment.allocations.values_list("installment__invoice__number", "amount", "applied_on")
    ) == [
        (ledger["split"].number, Decimal("500.00"), date(2026, 2, 10)),
        (ledger["split"].number, Decimal("500.00"), date(2026, 2, 10)),
        (ledger["single"].number, Decimal("300.00"), date(2026, 2, 12)),
    ]
    assert open_amounts(ledger["split"]) == [Decimal("0.00"), Decimal("0.00")]
    assert open_amounts(ledger["single"]) == [Decimal("200.00")]
    credit = Payment.objects.get(number="EXT-7")
    assert (credit.currency, credit.unapplied_amount) == ("CNY", Decimal("250.50"))
    as_of = date(2026, 3, 1)
    assert customer_net_balance(customer=ledger["acme"], as_of=as_of) == {"CNY": Decimal("200.00")}
    assert customer_net_balance(customer=ledger["other"], as_of=as_of) == {"CNY": Decimal("549.50")}


def test_imported_number_moves_the_payment_sequence_past_it(ledger, finance_user):
    run_import(csv_bytes(good_rows(ledger)), actor=finance_user)

    recorded = services.payment_record(
        actor=finance_user,
        customer=ledger["acme"],
        received_on=date(2026, 3, 1),
        amount=Decimal("1.00"),
    )

    assert recorded.number == "RCV-2026-000042"


def test_reimporting_the_same_file_changes_nothing(ledger, finance_user):
    content = csv_bytes(good_rows(ledger))
    run_import(content, actor=finance_user)
    before = ledger_counts()

    outcomes, errors = run_import(content, actor=finance_user)

    assert errors == []
    assert [o["action"] for o in outcomes] == ["unchanged", "unchanged", "unchanged"]
    assert ledger_counts() == before
    assert open_amounts(ledger["single"]) == [Decimal("200.00")]


def test_a_new_allocation_of_a_recorded_payment_is_applied(ledger, finance_user):
    rows = good_rows(ledger)
    run_import(csv_bytes(rows), actor=finance_user)
    extra = ["EXT-7", "OTHER", "2026-02-11", "250.50", "", "", ""]
    rows.append(extra + [ledger["foreign"].number, "", "250.50", "2026-02-20"])

    outcomes, errors = run_import(csv_bytes(rows), actor=finance_user)

    assert errors == []
    assert [o["action"] for o in outcomes] == ["unchanged", "unchanged", "unchanged", "updated"]
    assert Payment.objects.get(number="EXT-7").unapplied_amount == Decimal("0.00")
    assert open_amounts(ledger["foreign"]) == [Decimal("549.50")]


def test_dry_run_previews_without_writing(ledger, finance_user):
    outcomes, errors = run_import(csv_bytes(good_rows(ledger)), actor=finance_user, dry_run=True)

    assert errors == []
    assert [o["action"] for o in outcomes] == ["new", "new", "new"]
    assert ledger_counts() == (0, 0)


def test_gbk_csv_with_a_bill_of_exchange(ledger, finance_user):
    rows = [
        ZH + BILL + ZH_ALLOCATION,
        ["BILL-1", "ACME", "2026-02-10", "500", "CNY", "银行承兑汇票", "贴现前"]
        + ["31000000123", "中国工商银行上海分行", "2026-08-10"]
        + [ledger["single"].number, "", "500", ""],
    ]
    content = csv_bytes(rows, encoding="gbk")

    outcomes, errors = run_import(content, actor=finance_user)

    assert errors == []
    assert [o["action"] for o in outcomes] == ["new"]
    bill = Payment.objects.get(number="BILL-1")
    assert (bill.method, bill.instrument_number, bill.instrument_acceptor) == (
        Payment.Method.BANK_ACCEPTANCE_BILL,
        "31000000123",
        "中国工商银行上海分行",
    )
    assert bill.instrument_matures_on == date(2026, 8, 10)
    assert open_amounts(ledger["single"]) == [Decimal("0.00")]


def test_xlsx_with_english_headers_and_typed_cells(ledger, finance_user):
    rows = [
        ["Payment number", "customer code", "Received on", "Amount", "Invoice number"]
        + ["Installment", "Amount applied"],
        ["X-1", "ACME", date(2026, 2, 10), 600, ledger["split"].number, 2, 500.0],
        ["X-1", "ACME", date(2026, 2, 10), 600, ledger["single"].number, None, 100],
    ]

    outcomes, errors = run_import(xlsx_bytes(rows), actor=finance_user, file_format="xlsx")

    assert errors == []
    assert [o["action"] for o in outcomes] == ["new", "new"]
    assert open_amounts(ledger["split"]) == [Decimal("500.00"), Decimal("0.00")]
    assert open_amounts(ledger["single"]) == [Decimal("400.00")]


def bad_file(ledger, *, column, value):
    """The good file with one cell of its second row changed."""
    rows = good_rows(ledger)
    rows[2][rows[0].index(column)] = value
    return rows


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("客户编码", "NOPE", "Unknown customer code “NOPE”."),
        ("发票号码", "INV-1999-000001", "Unknown invoice number “INV-1999-000001”."),
        ("核销金额", "800.00", "has only 500.00 open; cannot apply 800.00"),
        ("核销金额", "-5", "The amount must be positive."),
        ("核销日期", "2026-13-45", "“2026-13-45” is not a date (use YYYY-MM-DD)."),
        ("核销金额", "三百", "“三百” is not a number."),
        ("分期序号", "3", "has no installment 3"),
        ("收款方式", "支票本", "“支票本” is not one of:"),
    ],
)
def test_a_bad_allocation_cell_is_reported_and_nothing_is_written(
    ledger, finance_user, column, value, message
):
    rows = bad_file(ledger, column=column, value=value)

    outcomes, errors = run_import(csv_bytes(rows), actor=finance_user)

    assert len(errors) == 1
    assert (errors[0]["row"], errors[0]["column"]) == (3, column)
    assert message in errors[0]["message"]
    assert [o["action"] for o in outcomes][1] == "error"
    assert ledger_counts() == (0, 0)
    assert open_amounts(ledger["single"]) == [Decimal("500.00")]


def test_invoice_of_another_customer_is_refused(ledger, finance_user):
    rows = bad_file(ledger, column="发票号码", value=ledger["foreign"].number)

    _outcomes, errors = run_import(csv_bytes(rows), actor=finance_user)

    assert errors == [
        {
            "row": 3,
            "column": "发票号码",
            "message": f"Invoice {ledger['foreign'].number} is not an invoice of this payment's "
            "customer.",
        }
    ]
    assert ledger_counts() == (0, 0)


def test_allocations_beyond_the_payment_are_refused(ledger, finance_user):
    rows = good_rows(ledger)
    for row in rows[1:3]:
        row[3] = "1200.00"

    _outcomes, errors = run_import(csv_bytes(rows), actor=finance_user)

    assert errors == [
        {"row": 3, "column": "核销金额", "message": "The payment has only 200.00 unapplied."}
    ]
    assert ledger_counts() == (0, 0)


def test_currency_mismatch_is_refused(ledger, finance_user):
    rows = good_rows(ledger)
    for row in rows[1:3]:
        row[4] = "USD"

    _outcomes, errors = run_import(csv_bytes(rows), actor=finance_user)

    assert errors[0] == {
        "row": 2,
        "column": "发票号码",
        "message": f"Invoice {ledger['split'].number} is in CNY, the payment in USD.",
    }
    assert ledger_counts() == (0, 0)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("金额", "-250.50", "The amount must be positive."),
        ("币种", "XYZ", "Unknown currency: XYZ"),
        ("收款日期", "11/02/2026", "is not a date"),
        ("收款日期", "", "This cell is required."),
    ],
)
def test_a_bad_payment_cell_is_reported_and_nothing_is_written(
    ledger, finance_user, column, value, message
):
    rows = good_rows(ledger)
    rows[3][rows[0].index(column)] = value

    _outcomes, errors = run_import(csv_bytes(rows), actor=finance_user)

    assert [(e["row"], e["column"]) for e in errors] == [(4, column)]
    assert message in errors[0]["message"]
    assert ledger_counts() == (0, 0)


def test_rows_of_one_payment_must_agree(ledger, finance_user):
    rows = bad_file(ledger, column="金额", value="1400.00")

    _outcomes, errors = run_import(csv_bytes(rows), actor=finance_user)

    assert [(e["row"], e["column"]) for e in errors] == [(3, "金额")]
    assert "Payment RCV-2026-000041 is recorded with “1300.00”" in errors[0]["message"]
    assert ledger_counts() == (0, 0)


def test_a_recorded_payment_is_not_changed_by_a_reimport(ledger, finance_user):
    run_import(csv_bytes(good_rows(ledger)), actor=finance_user)
    before = ledger_counts()
    rows = good_rows(ledger)
    rows[3][2] = "2026-02-12"

    _outcomes, errors = run_import(csv_bytes(rows), actor=finance_user)

    assert [(e["row"], e["column"]) for e in errors] == [(4, "收款日期")]
    assert ledger_counts() == before
    assert Payment.objects.get(number="EXT-7").received_on == date(2026, 2, 11)


def test_an_applied_amount_needs_an_invoice(ledger, finance_user):
    rows = bad_file(ledger, column="发票号码", value="")

    _outcomes, errors = run_import(csv_bytes(rows), actor=finance_user)

    assert errors == [
        {"row": 3, "column": "发票号码", "message": "Name the invoice the amount is applied to."}
    ]
    assert ledger_counts() == (0, 0)


def test_the_template_example_imports(finance_user):
    customer = CustomerFactory(code="C0001")
    invoice = issued_invoice(
        customer,
        actor=finance_user,
        amount=Decimal("10000.00"),
        tax_rate=Decimal("0.13"),
        issue_date=date(2025, 3, 1),
    )
    assert invoice.number == PaymentResource.example["invoice_number"]

    outcomes, errors = run_import(PaymentResource.template_csv(), actor=finance_user)

    assert errors == []
    assert [o["action"] for o in outcomes] == ["new"]
    assert open_amounts(invoice) == [Decimal("0.00")]


def test_only_finance_and_admin_import_payments(ledger, sales_user):
    with pytest.raises(PermissionDeniedError):
        services.payment_import(
            actor=sales_user,
            customer=ledger["acme"],
            number="RCV-2026-000041",
            received_on=date(2026, 2, 10),
            amount=Decimal("100.00"),
        )

    assert ledger_counts() == (0, 0)
