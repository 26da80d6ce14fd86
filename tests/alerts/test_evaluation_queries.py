"""Evaluating every rule for every customer costs a fixed number of SQL queries, whatever the
number of customers (measured here at 10 and at 40)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from alerts.models import Alert, AlertRule
from alerts.services import Evaluation, alerts_evaluate
from tests.alerts.conftest import pay
from tests.factories import CustomerFactory, issued_invoice

pytestmark = pytest.mark.django_db

ON_DATE = date(2026, 7, 1)
# Every run: lock the rules, lock the live alerts, and the savepoint and its release (the test
# runs inside a transaction) = 4, plus one query per measurement (three when every kind of rule
# is active, none when no rule is), plus two (a bulk UPDATE or INSERT and the bulk INSERT of its
# history rows) for each of closing, updating and opening that has anything to do.
QUIET_QUERIES = 4 + 3
OPENING_QUERIES = 4 + 3 + 2
UPDATING_QUERIES = 4 + 3 + 2
CLOSING_QUERIES = 4 + 0 + 2


@pytest.fixture
def rules(db):
    """One rule of each kind, two for overdue days (the default rules' thresholds)."""
    AlertRule.objects.all().delete()
    Kind = AlertRule.Kind
    for kind, threshold in [
        (Kind.OVERDUE_DAYS, 30),
        (Kind.OVERDUE_DAYS, 90),
        (Kind.OVERDUE_AMOUNT, 100000),
        (Kind.CREDIT_UTILISATION, 90),
        (Kind.RATING_DOWNGRADE, 0),
        (Kind.PAYMENT_WORSENING, 10),
    ]:
        AlertRule.objects.create(kind=kind, threshold=Decimal(threshold))


def _risky_customer(actor):
    """A customer tripping every rule but the overdue amount's: 950.00 open against a 1000.00
    limit since 2026-01-31 (over 90 days overdue, 95% used), rated A then BB, and paid on time
    in the earlier window but 15 days late in the recent one."""
    customer = CustomerFactory(credit_limit=Decimal("1000.00"), credit_rating="A")
    on_time = issued_invoice(
        customer, actor=actor, amount=Decimal("10.00"), issue_date=date(2026, 1, 5)
    ).installments.get()
    pay(on_time, actor=actor, on=on_time.due_date)
    late = issued_invoice(
        customer, actor=actor, amount=Decimal("10.00"), issue_date=date(2026, 4, 1)
    ).installments.get()
    pay(late, actor=actor, on=late.due_date + timedelta(days=15))
    issued_invoice(customer, actor=actor, amount=Decimal("950.00"), issue_date=date(2026, 1, 1))
    customer.credit_rating = "BB"
    customer.save()
    return customer


@pytest.mark.parametrize("customers", [10, 40])
def test_evaluation_costs_the_same_queries_for_any_number_of_customers(
    rules, customers, finance_user, django_assert_num_queries
):
    for _index in range(customers):
        _risky_customer(finance_user)

    with django_assert_num_queries(OPENING_QUERIES):
        assert alerts_evaluate(on_date=ON_DATE) == Evaluation(5 * customers, 0, 0)
    assert Alert.objects.filter(status=Alert.Status.OPEN).count() == 5 * customers

    with django_assert_num_queries(QUIET_QUERIES):
        assert alerts_evaluate(on_date=ON_DATE) == Evaluation(0, 0, 0)

    # A day later both overdue-days alerts of each customer measure one day more.
    with django_assert_num_queries(UPDATING_QUERIES):
        assert alerts_evaluate(on_date=ON_DATE + timedelta(days=1)) == Evaluation(
            0, 2 * customers, 0
        )

    AlertRule.objects.update(is_active=False)
    with django_assert_num_queries(CLOSING_QUERIES):
        assert alerts_evaluate(on_date=ON_DATE) == Evaluation(0, 0, 5 * customers)
