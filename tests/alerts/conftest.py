from datetime import date
from decimal import Decimal

import pytest

from alerts.models import AlertRule
from receivables import services
from tests.factories import recorded_payment


@pytest.fixture
def only_rule(db):
    """`only_rule(kind, threshold, severity=...)`: the one active rule (the migration's default
    rules are switched off), so that a test knows exactly which alerts can open."""

    def make(kind, threshold, severity=AlertRule.Severity.WARNING) -> AlertRule:
        AlertRule.objects.update(is_active=False)
        return AlertRule.objects.create(kind=kind, threshold=Decimal(threshold), severity=severity)

    return make


def pay(installment, *, actor, on: date, amount: Decimal | None = None):
    """Receive `amount` (default: all that is open) on `on` and apply it to `installment`."""
    amount = installment.open_amount if amount is None else amount
    payment = recorded_payment(installment.customer, actor=actor, amount=amount, received_on=on)
    services.payment_allocate(
        actor=actor, payment=payment, allocations=[(installment.pk, amount)], applied_on=on
    )
    installment.refresh_from_db()
    return payment
