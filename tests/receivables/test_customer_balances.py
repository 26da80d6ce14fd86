from datetime import date
from decimal import Decimal

import pytest

from receivables import services
from receivables.selectors import customers_with_balances
from tests.factories import CustomerFactory, PaymentTermsFactory, issued_invoice

pytestmark = pytest.mark.django_db


def test_balances_are_summed_in_base_currency_with_the_rate_of_the_day(
    customer, sales_user, finance_user
):
    net30 = PaymentTermsFactory(net_days=30)
    customer.currency = "USD"
    customer.save(update_fields=["currency"])
    services.exchange_rate_set(
        actor=finance_user, currency="USD", rate_date=date(2026, 1, 1), rate_to_base="7.1000"
    )
    services.exchange_rate_set(
        actor=finance_user, currency="USD", rate_date=date(2026, 3, 1), rate_to_base="7.2000"
    )
    issued_invoice(customer, actor=finance_user, amount=Decimal("100.00"), terms=net30)
    issued_invoice(
        customer,
        actor=finance_user,
        amount=Decimal("10.00"),
        terms=net30,
        issue_date=date(2026, 2, 20),
    )
    other = CustomerFactory(currency="CNY")
    issued_invoice(other, actor=finance_user, amount=Decimal("5.00"), terms=net30)

    rows = {c.pk: c for c in customers_with_balances(user=finance_user, on_date=date(2026, 2, 15))}

    # On 15 Feb the January invoice (due 9 Feb) is overdue; the 20 Feb one is already open.
    assert rows[customer.pk].open_base == Decimal("781.00")
    assert rows[customer.pk].overdue_base == Decimal("710.00")
    assert rows[customer.pk].oldest_due_date == date(2026, 2, 9)
    assert rows[other.pk].open_base == Decimal("5.00")
    later = customers_with_balances(user=finance_user, on_date=date(2026, 3, 2)).get(pk=customer.pk)
    assert later.open_base == Decimal("792.00")


def test_balances_cover_only_the_reps_customers(customer, sales_user, finance_user):
    CustomerFactory()
    quiet = CustomerFactory(owner=sales_user)
    issued_invoice(customer, actor=finance_user)

    rows = list(customers_with_balances(user=sales_user, on_date=date(2026, 1, 11)))

    assert {(c.pk, c.open_base, c.overdue_base) for c in rows} == {
        (customer.pk, Decimal("1000.00"), Decimal("0.00")),
        (quiet.pk, Decimal("0.00"), Decimal("0.00")),
    }
