"""Shared set-up of the statement generation, run, e-mail and API tests: a media folder per test
(PDFs are really rendered and stored), customers with a ledger and statement contacts."""

import hashlib
from datetime import date
from decimal import Decimal

import pytest

from customers.models import Customer
from receivables import services as ledger
from tests.factories import ContactFactory, CustomerFactory, issued_invoice, recorded_payment

JAN = (date(2026, 1, 1), date(2026, 1, 31))
FEB = (date(2026, 2, 1), date(2026, 2, 28))


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def customer_with_ledger(
    actor,
    *,
    owner=None,
    language=Customer.Language.EN,
    confirmation=Customer.ConfirmationKind.POSITIVE,
    frequency=Customer.StatementFrequency.MONTHLY,
    contacts=1,
    **fields,
) -> Customer:
    """December: invoice 1,000 (NET30, due 2026-01-04). January: invoice 2,000 (due 2026-02-09)
    and a payment of 400 applied to the December invoice. So on 2026-01-31: 2,600 owed, of
    which 600 overdue (27 days). Each statement contact gets an e-mail address."""
    customer = CustomerFactory(
        owner=owner,
        language=language,
        statement_confirmation=confirmation,
        statement_frequency=frequency,
        **fields,
    )
    issued_invoice(customer, actor=actor, issue_date=date(2025, 12, 5))
    issued_invoice(customer, actor=actor, amount=Decimal("2000.00"), issue_date=date(2026, 1, 10))
    payment = recorded_payment(
        customer, actor=actor, amount=Decimal("400.00"), received_on=date(2026, 1, 20)
    )
    ledger.payment_allocate_auto(actor=actor, payment=payment, applied_on=date(2026, 1, 20))
    for number in range(contacts):
        ContactFactory(
            customer=customer,
            receives_statements=True,
            email=f"ap{number}-{customer.code.lower()}@example.cn",
        )
    return customer
