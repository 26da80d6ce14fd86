from datetime import date
from decimal import Decimal

import pytest

from receivables import services
from receivables.selectors import (
    customer_unapplied_credit,
    exchange_rate_on,
    installments_open,
)
from tests.factories import CustomerFactory, issued_invoice, recorded_payment

pytestmark = pytest.mark.django_db


def test_open_installments_as_of_a_date_are_scoped_to_the_sales_rep(
    customer, sales_user, finance_user
):
    mine = issued_invoice(customer, actor=finance_user, issue_date=date(2026, 1, 10))
    issued_invoice(customer, actor=finance_user, issue_date=date(2026, 3, 10))
    issued_invoice(CustomerFactory(), actor=finance_user, issue_date=date(2026, 1, 10))
    installment = mine.installments.get()
    payment = recorded_payment(customer, actor=finance_user, received_on=date(2026, 2, 1))
    services.payment_allocate(
        actor=finance_user,
        payment=payment,
        allocations=[(installment.pk, Decimal("250.00"))],
        applied_on=date(2026, 2, 1),
    )

    in_february = installments_open(user=sales_user, as_of=date(2026, 2, 15))
    assert [(i.pk, i.open_as_of) for i in in_february] == [(installment.pk, Decimal("750.00"))]
    in_january = installments_open(user=sales_user, as_of=date(2026, 1, 31))
    assert [i.open_as_of for i in in_january] == [Decimal("1000.00")]
    assert installments_open(user=sales_user).count() == 2
    assert installments_open(user=finance_user).count() == 3


def test_unapplied_credit_per_currency(customer, finance_user):
    recorded_payment(customer, actor=finance_user, amount=Decimal("300.00"))
    services.payment_record(
        actor=finance_user,
        customer=customer,
        received_on=date(2026, 1, 5),
        amount=Decimal("40.00"),
        currency="USD",
    )
    assert customer_unapplied_credit(customer=customer) == {
        "CNY": Decimal("300.00"),
        "USD": Decimal("40.00"),
    }


def test_exchange_rate_is_the_latest_known_on_the_date(finance_user):
    services.exchange_rate_set(
        actor=finance_user, currency="USD", rate_date=date(2026, 1, 1), rate_to_base=Decimal("7.1")
    )
    services.exchange_rate_set(
        actor=finance_user, currency="USD", rate_date=date(2026, 2, 1), rate_to_base=Decimal("7.2")
    )
    assert exchange_rate_on(currency="USD", on_date=date(2025, 12, 31)) is None
    assert exchange_rate_on(currency="USD", on_date=date(2026, 1, 20)) == Decimal("7.1")
    assert exchange_rate_on(currency="USD", on_date=date(2026, 3, 1)) == Decimal("7.2")
    assert exchange_rate_on(currency="CNY", on_date=date(2026, 3, 1)) == Decimal(1)
