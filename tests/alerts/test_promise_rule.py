"""The early-warning rule for broken promises to pay: it measures the days since a customer's
latest broken promise and alerts at or below its threshold (the window, in days); a promise kept
later, or the window passing, closes the alert."""

from datetime import date
from decimal import Decimal

import pytest

from alerts.models import Alert, AlertRule
from alerts.services import Evaluation, alerts_evaluate
from alerts.templatetags.alert_tags import alert_details, rule_sentence
from arcollections.services.promises import promise_create, promises_check
from receivables.services import payment_record
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

Kind = AlertRule.Kind


@pytest.fixture
def broken_promise(finance_user):
    """A promise of 5,000.00 by 2026-03-15 with nothing paid: found broken on 2026-03-16."""
    customer = CustomerFactory()
    promise_create(
        actor=finance_user,
        customer=customer,
        amount=Decimal("5000.00"),
        currency="CNY",
        promised_date=date(2026, 3, 15),
        promised_on=date(2026, 3, 1),
    )
    promises_check(on_date=date(2026, 3, 16))
    return customer


def test_the_migration_adds_a_30_day_broken_promise_rule():
    assert list(
        AlertRule.objects.filter(kind=Kind.PROMISE_BROKEN).values_list(
            "threshold", "severity", "is_active"
        )
    ) == [(Decimal("30.00"), "warning", True)]


def test_a_broken_promise_raises_an_alert_for_the_window_then_it_closes(only_rule, broken_promise):
    rule = only_rule(Kind.PROMISE_BROKEN, "30")

    # Before it was found broken there is nothing to alert on.
    assert alerts_evaluate(on_date=date(2026, 3, 15)) == Evaluation(0, 0, 0)
    assert alerts_evaluate(on_date=date(2026, 3, 16)) == Evaluation(1, 0, 0)
    alert = Alert.objects.get()
    assert (alert.customer, alert.rule, alert.measured_value, alert.message) == (
        broken_promise,
        rule,
        Decimal("0"),
        "2026-03-16",
    )
    assert alert_details(alert) == "promise found broken on: 2026-03-16"
    assert rule_sentence(rule) == "A promise to pay broken within the last 30 days"

    # 30 days later it is still "within 30 days"; the 31st day closes it.
    assert alerts_evaluate(on_date=date(2026, 4, 15)) == Evaluation(0, 1, 0)
    alert.refresh_from_db()
    assert alert.measured_value == Decimal("30")
    assert alerts_evaluate(on_date=date(2026, 4, 16)) == Evaluation(0, 0, 1)
    alert.refresh_from_db()
    assert alert.status == Alert.Status.CLOSED


def test_a_promise_kept_afterwards_closes_the_alert(only_rule, broken_promise, finance_user):
    only_rule(Kind.PROMISE_BROKEN, "30")
    alerts_evaluate(on_date=date(2026, 3, 16))
    assert Alert.objects.get().status == Alert.Status.OPEN

    promise_create(
        actor=finance_user,
        customer=broken_promise,
        amount=Decimal("5000.00"),
        currency="CNY",
        promised_date=date(2026, 3, 25),
        promised_on=date(2026, 3, 17),
    )
    payment_record(
        actor=finance_user,
        customer=broken_promise,
        received_on=date(2026, 3, 20),
        amount=Decimal("5000.00"),
    )
    promises_check(on_date=date(2026, 3, 20))

    assert alerts_evaluate(on_date=date(2026, 3, 21)) == Evaluation(0, 0, 1)
    assert Alert.objects.get().status == Alert.Status.CLOSED


def test_only_broken_promises_count(only_rule, finance_user):
    only_rule(Kind.PROMISE_BROKEN, "30")
    customer = CustomerFactory()
    promise_create(
        actor=finance_user,
        customer=customer,
        amount=Decimal("100.00"),
        currency="CNY",
        promised_date=date(2026, 3, 15),
        promised_on=date(2026, 3, 1),
    )
    # Open (not yet judged) and then kept: no alert either way.
    assert alerts_evaluate(on_date=date(2026, 3, 16)) == Evaluation(0, 0, 0)
    payment_record(
        actor=finance_user, customer=customer, received_on=date(2026, 3, 10), amount=Decimal("100")
    )
    promises_check(on_date=date(2026, 3, 16))
    assert alerts_evaluate(on_date=date(2026, 3, 16)) == Evaluation(0, 0, 0)
