"""The Celery tasks: each calls the evaluation and may run twice without a second alert or a
second e-mail."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from alerts import tasks
from alerts.models import Alert, AlertRule
from tests.factories import CustomerFactory, issued_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_customers(only_rule, finance_user):
    only_rule(AlertRule.Kind.OVERDUE_DAYS, "30")
    customers = [CustomerFactory(), CustomerFactory()]
    for customer in customers:
        issued_invoice(customer, actor=finance_user, issue_date=date(2026, 1, 1))
    return customers


def test_the_nightly_run_is_idempotent(
    overdue_customers, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.evaluate_all("2026-03-03")
    with django_capture_on_commit_callbacks(execute=True):
        second = tasks.evaluate_all("2026-03-03")

    assert first == {"opened": 2, "updated": 0, "closed": 0}
    assert second == {"opened": 0, "updated": 0, "closed": 0}
    assert Alert.objects.filter(status=Alert.Status.OPEN).count() == 2
    assert len(mailoutbox) == 2  # finance_user, once per alert (no sales rep)


def test_the_event_run_evaluates_only_the_customers_named(overdue_customers):
    named, other = overdue_customers

    assert tasks.evaluate_customers([named.pk], "2026-03-03") == {
        "opened": 1,
        "updated": 0,
        "closed": 0,
    }
    assert tasks.evaluate_customers([named.pk], "2026-03-03")["opened"] == 0
    assert list(Alert.objects.values_list("customer", flat=True)) == [named.pk]


def test_the_nightly_run_measures_on_today_by_default(only_rule, customer, finance_user):
    only_rule(AlertRule.Kind.OVERDUE_DAYS, "30")
    today = timezone.localdate()
    # NET30: due 31 days ago.
    issued_invoice(customer, actor=finance_user, issue_date=today - timedelta(days=61))

    tasks.evaluate_all()

    assert list(Alert.objects.values_list("measured_on", "measured_value")) == [(today, 31)]
