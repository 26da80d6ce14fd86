from datetime import date
from decimal import Decimal

import pytest

from receivables import services
from receivables.models import Invoice
from tests.factories import issued_invoice, recorded_payment

pytestmark = pytest.mark.django_db


def test_issue_assigns_number_and_installment(customer, finance_user):
    invoice = issued_invoice(
        customer, actor=finance_user, amount=Decimal("100.00"), tax_rate=Decimal("0.13")
    )
    assert invoice.number == "INV-2026-000001"
    assert invoice.total == Decimal("113.00")
    (installment,) = invoice.installments.all()
    assert installment.due_date == date(2026, 2, 9)
    assert installment.open_amount == Decimal("113.00")


def test_payment_allocation_updates_balances(customer, finance_user):
    invoice = issued_invoice(customer, actor=finance_user)
    payment = recorded_payment(customer, actor=finance_user, amount=Decimal("600.00"))
    installment = invoice.installments.get()
    services.payment_allocate(
        actor=finance_user,
        payment=payment,
        allocations=[(installment.pk, Decimal("600.00"))],
        applied_on=date(2026, 1, 20),
    )
    installment.refresh_from_db()
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert installment.open_amount == Decimal("400.00")
    assert payment.unapplied_amount == Decimal("0.00")
    assert invoice.status == Invoice.Status.PARTIALLY_PAID
