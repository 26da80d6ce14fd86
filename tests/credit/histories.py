"""Customer histories for the scorecard tests, built through the ledger's real services in
date order (credit control checks each invoice against what is open when it is issued)."""

from datetime import date
from decimal import Decimal

from receivables import services
from tests.factories import issued_invoice


def paid_invoice(customer, *, actor, amount, issue_date: date, paid_on: date, terms=None):
    """An invoice of `amount` issued on `issue_date` and paid in full on `paid_on` (one
    installment under NET30-style terms). Returns the invoice."""
    invoice = issued_invoice(
        customer, actor=actor, amount=Decimal(amount), issue_date=issue_date, terms=terms
    )
    pay(invoice, actor=actor, amount=amount, on=paid_on)
    return invoice


def pay(invoice, *, actor, amount, on: date):
    """Receive `amount` on `on` and apply it to the invoice's first installment that day."""
    payment = services.payment_record(
        actor=actor, customer=invoice.customer, received_on=on, amount=Decimal(amount)
    )
    installment = invoice.installments.order_by("sequence").first()
    services.payment_allocate(
        actor=actor,
        payment=payment,
        allocations=[(installment.pk, Decimal(amount))],
        applied_on=on,
    )
    return payment


# The worked example of docs/credit-scoring.md, rated on 2026-06-30 under NET30 terms with a
# credit limit of 100,000.00 (see that file for every figure).
EXAMPLE_ON = date(2026, 6, 30)


def worked_example(customer, *, actor):
    paid_invoice(
        customer,
        actor=actor,
        amount="10000.00",
        issue_date=date(2025, 5, 1),
        paid_on=date(2025, 6, 10),
    )
    paid_invoice(
        customer,
        actor=actor,
        amount="20000.00",
        issue_date=date(2025, 8, 1),
        paid_on=date(2025, 9, 20),
    )
    paid_invoice(
        customer,
        actor=actor,
        amount="10000.00",
        issue_date=date(2025, 10, 1),
        paid_on=date(2025, 10, 31),
    )
    paid_invoice(
        customer,
        actor=actor,
        amount="30000.00",
        issue_date=date(2026, 1, 5),
        paid_on=date(2026, 2, 14),
    )
    paid_invoice(
        customer,
        actor=actor,
        amount="10000.00",
        issue_date=date(2026, 3, 1),
        paid_on=date(2026, 3, 25),
    )
    issued_invoice(customer, actor=actor, amount=Decimal("40000.00"), issue_date=date(2026, 5, 1))
    disputed = issued_invoice(
        customer, actor=actor, amount=Decimal("15000.00"), issue_date=date(2026, 6, 10)
    )
    services.invoice_set_disputed(actor=actor, invoice=disputed, disputed=True)
