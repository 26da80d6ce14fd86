"""Credit control under concurrency, against a real PostgreSQL: two invoices for one customer
issued at the same instant must not both pass when together they exceed its limit."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from accounts.roles import Role
from core.exceptions import ApplicationError
from receivables import services
from receivables.models import Installment, Invoice
from tests.factories import CustomerFactory, UserFactory
from tests.receivables.test_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

ROUNDS = 5


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_invoices_issued_at_once_cannot_together_exceed_the_limit(round_):
    finance = UserFactory(username="cc_finance", role=Role.FINANCE)
    customer = CustomerFactory(credit_limit=Decimal("100000.00"))
    drafts = [
        services.invoice_create_draft(
            actor=finance,
            customer=customer,
            issue_date=date(2026, 3, 1),
            lines=[{"description": "货物", "quantity": 1, "unit_price": Decimal("60000.00")}],
        )
        for _ in range(2)
    ]

    def issue(invoice):
        return lambda: services.invoice_issue(actor=finance, invoice=invoice)

    results, errors = run_together(*(issue(invoice) for invoice in drafts))

    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError)
    assert errors[0].code == "credit_limit_exceeded"
    assert Invoice.objects.filter(customer=customer, status="issued").count() == 1
    assert sum(i.open_amount for i in Installment.objects.filter(customer=customer)) == Decimal(
        "60000.00"
    )
