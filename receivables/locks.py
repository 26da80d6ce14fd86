"""Row locks for ledger writes. Always lock payments before installments, each set in primary-key
order, so two writers touching the same rows queue instead of deadlocking. Issuing an invoice
locks the invoice, then its customer (credit control), then the credit override it uses."""

from customers.models import Customer
from receivables.models import (
    CreditOverride,
    DocumentSequence,
    Installment,
    Invoice,
    Payment,
    WriteOff,
)


def lock_payment(payment_id) -> Payment:
    return Payment.objects.select_for_update().get(pk=payment_id)


def lock_installments(installment_ids) -> dict[int, Installment]:
    rows = (
        Installment.objects.select_for_update().filter(pk__in=list(installment_ids)).order_by("pk")
    )
    return {row.pk: row for row in rows}


def lock_invoice(invoice_id) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice_id)


def lock_write_off(write_off_id) -> WriteOff:
    return WriteOff.objects.select_for_update().get(pk=write_off_id)


def lock_document_sequence(*, prefix: str, year: int) -> DocumentSequence:
    return DocumentSequence.objects.select_for_update().get(prefix=prefix, year=year)


def lock_customer(customer_id) -> Customer:
    """The customer row, so that documents adding to its exposure are checked one at a time."""
    return Customer.objects.select_for_update().get(pk=customer_id)


def lock_credit_override(credit_override_id) -> CreditOverride:
    return CreditOverride.objects.select_for_update().get(pk=credit_override_id)
