"""The round trip: a ledger exported to XLSX (customers, invoices, payments), the ledger emptied,
the files imported back through the import jobs, and every customer's balance identical to the
cent.

The exports describe documents as they stand, not their history, so they come back as a go-live
would bring them (期初余额): each invoice with money still open as an opening balance (its total
as the original amount, its open amount as what is owed; paid invoices are not open items), and
each payment with unapplied credit as a payment of that credit (the applied part is already out
of the open amounts). Credit notes, which cannot be imported, travel the same way: the open
amount of the invoice they reduced is net of them. Payment terms and users are configuration and
stay; everything else is deleted.

An export carries columns for people (names, status, balances) that no importer reads; the files
are cut down to the importer's columns under its headers, cell values and types untouched."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import translation
from openpyxl import Workbook, load_workbook

from customers.models import Contact, Customer
from dataimport.importers.customers import CustomerResource
from dataimport.importers.opening_balances import OpeningBalanceResource
from dataimport.importers.payments import PaymentResource
from dataimport.models import ImportJob
from dataimport.services import import_job_create, import_job_run
from receivables import services
from receivables.models import (
    Allocation,
    CreditNote,
    DocumentSequence,
    Installment,
    Invoice,
    InvoiceLine,
    Payment,
)
from receivables.selectors import customer_net_balance
from receivables.views.exports import invoice_export, payment_export
from reports.views.exports import customer_export
from tests.factories import CustomerFactory, PaymentTermsFactory, issued_invoice

pytestmark = pytest.mark.django_db

GO_LIVE = date(2026, 3, 1)

# Export header (English) → the importer's field.
CUSTOMER_COLUMNS = {
    "Customer code": "code",
    "Legal name": "legal_name",
    "Short name": "short_name",
    "USCC": "uscc",
    "Country": "country",
    "Currency": "currency",
    "Tier": "tier",
    "Sales rep": "owner",
    "Payment terms code": "default_payment_terms",
    "Credit limit": "credit_limit",
    "Region": "region",
}
INVOICE_COLUMNS = {
    "Invoice number": "number",
    "Customer code": "customer_code",
    "Issue date": "issue_date",
    "Due date": "due_date",
    "Currency": "currency",
    "Amount": "original_amount",
    "Open amount": "open_amount",
}
PAYMENT_COLUMNS = {
    "Payment number": "number",
    "Customer code": "customer_code",
    "Received on": "received_on",
    "Unapplied amount": "amount",
    "Currency": "currency",
    "Method": "method",
    "Reference": "reference",
    "Instrument number": "instrument_number",
    "Acceptor": "instrument_acceptor",
    "Matures on": "instrument_matures_on",
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def exported(view, user) -> bytes:
    """The view's XLSX download, as the user would get it with the page in English."""
    request = RequestFactory().get("/export.xlsx")
    request.user = user
    request.LANGUAGE_CODE = "en"
    response = view(request, file_format="xlsx")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def cut_down(export: bytes, columns: dict[str, str], resource, *, keep) -> SimpleUploadedFile:
    """The exported sheet with only the columns the importer reads, under its English headers,
    and only the rows `keep` accepts (given {field: value})."""
    rows = (
        load_workbook(io.BytesIO(export), read_only=True).worksheets[0].iter_rows(values_only=True)
    )
    header = list(next(rows))
    indexes = {columns[text]: index for index, text in enumerate(header) if text in columns}
    assert set(indexes) == set(columns.values()), header
    workbook = Workbook()
    workbook.active.append([resource.headers[name][1] for name in indexes])
    for row in rows:
        values = {name: row[index] for name, index in indexes.items()}
        if keep(values):
            workbook.active.append(list(values.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("export.xlsx", buffer.getvalue())


def imported(actor, kind, upload, go_live_on=None) -> ImportJob:
    job = import_job_create(actor=actor, kind=kind, upload=upload, go_live_on=go_live_on)
    assert job.errors == []
    job = import_job_run(actor=actor, job=job)
    assert job.status == ImportJob.Status.DONE
    return job


def empty_the_ledger() -> None:
    for model in (
        Allocation,
        CreditNote,
        Installment,
        InvoiceLine,
        Invoice,
        Payment,
        DocumentSequence,
        Contact,
        Customer,
    ):
        model.objects.all().delete()


def balances() -> dict[str, dict[str, Decimal]]:
    return {
        customer.code: customer_net_balance(customer=customer, as_of=GO_LIVE)
        for customer in Customer.objects.order_by("code")
    }


@pytest.fixture
def source_ledger(finance_user, sales_user):
    """Two customers (CNY and USD): an invoice in two installments, one credited and partly
    paid, one paid in full; payments applied across invoices, two leaving unapplied credit."""
    halves = services.payment_terms_create(
        actor=finance_user,
        code="HALF",
        name="50/50",
        net_days=60,
        schedule=[{"percent": 50, "days": 30}, {"percent": 50, "days": 60}],
    )
    acme = CustomerFactory(
        code="ACME", owner=sales_user, default_payment_terms=PaymentTermsFactory()
    )
    beta = CustomerFactory(code="BETA", currency="USD", region="华南")
    split = issued_invoice(
        acme,
        actor=finance_user,
        amount=Decimal("1000.00"),
        terms=halves,
        issue_date=date(2026, 1, 10),
    )
    taxed = issued_invoice(
        acme,
        actor=finance_user,
        amount=Decimal("500.00"),
        tax_rate=Decimal("0.13"),
        issue_date=date(2026, 1, 15),
    )
    paid = issued_invoice(
        acme, actor=finance_user, amount=Decimal("300.00"), issue_date=date(2026, 1, 5)
    )
    dollars = issued_invoice(
        beta, actor=finance_user, amount=Decimal("2000.00"), issue_date=date(2026, 1, 20)
    )
    first = split.installments.get(sequence=1)
    services.credit_note_issue(
        actor=finance_user,
        invoice=taxed,
        amount=Decimal("100.00"),
        reason="折让",
        issue_date=date(2026, 2, 3),
    )

    def pay(customer, received_on, amount, allocations, **fields):
        payment = services.payment_record(
            actor=finance_user, customer=customer, received_on=received_on, amount=amount, **fields
        )
        services.payment_allocate(
            actor=finance_user, payment=payment, allocations=allocations, applied_on=received_on
        )

    pay(
        acme,
        date(2026, 2, 1),
        Decimal("800.00"),
        [(first.pk, Decimal("500.00")), (paid.installments.get().pk, Decimal("300.00"))],
    )
    pay(
        acme,
        date(2026, 2, 5),
        Decimal("400.00"),
        [(taxed.installments.get().pk, Decimal("265.00"))],
        reference="回单 0205",
    )
    pay(
        beta,
        date(2026, 2, 10),
        Decimal("1500.00"),
        [(dollars.installments.get().pk, Decimal("1200.00"))],
        method="bank_acceptance_bill",
        instrument_number="31000000123",
        instrument_acceptor="中国工商银行深圳分行",
        instrument_matures_on=date(2026, 8, 10),
    )


def test_exported_ledger_imports_into_an_empty_one_with_the_same_balances(
    source_ledger, finance_user
):
    before = balances()
    assert before == {"ACME": {"CNY": Decimal("565.00")}, "BETA": {"USD": Decimal("500.00")}}
    customers = exported(customer_export, finance_user)
    invoices = exported(invoice_export, finance_user)
    payments = exported(payment_export, finance_user)

    empty_the_ledger()
    assert balances() == {}
    imported(
        finance_user,
        ImportJob.Kind.CUSTOMERS,
        cut_down(customers, CUSTOMER_COLUMNS, CustomerResource, keep=lambda row: True),
    )
    opening = imported(
        finance_user,
        ImportJob.Kind.OPENING_BALANCES,
        cut_down(
            invoices, INVOICE_COLUMNS, OpeningBalanceResource, keep=lambda row: row["open_amount"]
        ),
        go_live_on=GO_LIVE,
    )
    credit = imported(
        finance_user,
        ImportJob.Kind.PAYMENTS,
        cut_down(payments, PAYMENT_COLUMNS, PaymentResource, keep=lambda row: row["amount"]),
    )

    assert balances() == before
    assert (opening.new_rows, credit.new_rows) == (3, 2)
    assert Customer.objects.get(code="ACME").owner.username == "sales_t"
    assert sorted(
        Invoice.objects.values_list("number", "original_amount", "installments__open_amount")
    ) == [
        ("INV-2026-000001", Decimal("1000.00"), Decimal("500.00")),
        ("INV-2026-000002", Decimal("565.00"), Decimal("200.00")),
        ("INV-2026-000004", Decimal("2000.00"), Decimal("800.00")),
    ]
    # The imported numbers moved the sequence on: the next receipt recorded here is the fourth.
    assert (
        services.payment_record(
            actor=finance_user,
            customer=Customer.objects.get(code="ACME"),
            received_on=GO_LIVE,
            amount=Decimal("1.00"),
        ).number
        == "RCV-2026-000004"
    )
    bill = Payment.objects.get(number="RCV-2026-000003")
    assert (bill.amount, bill.currency, bill.method, bill.instrument_matures_on) == (
        Decimal("300.00"),
        "USD",
        Payment.Method.BANK_ACCEPTANCE_BILL,
        date(2026, 8, 10),
    )


def test_importing_the_exports_again_changes_nothing(source_ledger, finance_user):
    invoices = exported(invoice_export, finance_user)
    payments = exported(payment_export, finance_user)
    empty_invoices = cut_down(
        invoices, INVOICE_COLUMNS, OpeningBalanceResource, keep=lambda row: row["open_amount"]
    )
    credit = cut_down(payments, PAYMENT_COLUMNS, PaymentResource, keep=lambda row: row["amount"])
    customers = cut_down(
        exported(customer_export, finance_user),
        CUSTOMER_COLUMNS,
        CustomerResource,
        keep=lambda row: True,
    )
    empty_the_ledger()
    imported(finance_user, ImportJob.Kind.CUSTOMERS, customers)
    imported(finance_user, ImportJob.Kind.OPENING_BALANCES, empty_invoices, go_live_on=GO_LIVE)
    imported(finance_user, ImportJob.Kind.PAYMENTS, credit)
    after_first = balances()
    for upload in (empty_invoices, credit):
        upload.seek(0)

    again = (
        imported(finance_user, ImportJob.Kind.OPENING_BALANCES, empty_invoices, go_live_on=GO_LIVE),
        imported(finance_user, ImportJob.Kind.PAYMENTS, credit),
    )

    assert [(job.new_rows, job.updated_rows, job.unchanged_rows) for job in again] == [
        (0, 0, 3),
        (0, 0, 2),
    ]
    assert balances() == after_first
    assert (Invoice.objects.count(), Payment.objects.count()) == (3, 2)


def exported_as_downloaded(view, user, language) -> SimpleUploadedFile:
    request = RequestFactory().get("/export.xlsx")
    request.user = user
    request.LANGUAGE_CODE = language
    with translation.override(language):
        response = view(request, file_format="xlsx")
    assert response.status_code == 200
    return SimpleUploadedFile("export.xlsx", b"".join(response.streaming_content))


def open_receivables() -> dict[str, dict[str, Decimal]]:
    """Per customer code and currency, what is still owed on invoices."""
    totals: dict[str, dict[str, Decimal]] = {}
    for code, currency, open_amount in Installment.objects.filter(open_amount__gt=0).values_list(
        "customer__code", "currency", "open_amount"
    ):
        per_currency = totals.setdefault(code, {})
        per_currency[currency] = per_currency.get(currency, Decimal("0")) + open_amount
    return totals


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_exports_as_downloaded_import_into_an_empty_ledger(
    source_ledger, finance_user, language
):
    # No cutting down: the customer and invoice files exactly as the list pages give them,
    # with the page's language's headers and the columns for people (names, status, balances).
    before = open_receivables()
    customers = exported_as_downloaded(customer_export, finance_user, language)
    invoices = exported_as_downloaded(invoice_export, finance_user, language)
    empty_the_ledger()

    imported(finance_user, ImportJob.Kind.CUSTOMERS, customers)
    job = imported(finance_user, ImportJob.Kind.OPENING_BALANCES, invoices, go_live_on=GO_LIVE)

    assert open_receivables() == before
    # The settled invoice has nothing to carry over: skipped, not an error.
    assert (job.new_rows, job.unchanged_rows) == (3, 1)
    assert Invoice.objects.filter(origin=Invoice.Origin.OPENING_BALANCE).count() == 3
