"""The early-warning rule for debts nearing their limitation date (诉讼时效): it measures the days
left until a customer's earliest limitation date and alerts at or below its threshold."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from alerts.models import Alert, AlertRule
from alerts.services import Evaluation, alerts_evaluate
from receivables.models import Installment
from tests.alerts.conftest import pay
from tests.factories import CustomerFactory, PaymentTermsFactory, issued_invoice

pytestmark = pytest.mark.django_db

Kind = AlertRule.Kind


@pytest.fixture
def old_debt(finance_user):
    """1,000.00 due 2023-02-09 (issued 2023-01-10, net 30): its limitation date is 2026-02-09."""
    customer = CustomerFactory()
    invoice = issued_invoice(
        customer,
        actor=finance_user,
        issue_date=date(2023, 1, 10),
        terms=PaymentTermsFactory(net_days=30),
    )
    return customer, invoice.installments.get()


def test_the_migration_adds_a_90_day_limitation_rule():
    assert list(
        AlertRule.objects.filter(kind=Kind.LIMITATION_NEAR).values_list(
            "threshold", "severity", "is_active"
        )
    ) == [(Decimal("90.00"), "warning", True)]


def test_an_item_within_the_threshold_raises_an_alert_naming_its_limitation_date(
    only_rule, old_debt
):
    customer, installment = old_debt
    assert installment.due_date == date(2023, 2, 9)
    only_rule(Kind.LIMITATION_NEAR, "90")

    # 2025-11-10 is 91 days before 2026-02-09: not yet.
    assert alerts_evaluate(on_date=date(2025, 11, 10)) == Evaluation(0, 0, 0)
    # 2025-11-11: exactly 90 days left, "within 90 days".
    assert alerts_evaluate(on_date=date(2025, 11, 11)) == Evaluation(1, 0, 0)

    alert = Alert.objects.get()
    assert (alert.customer, alert.measured_value, alert.message) == (
        customer,
        Decimal("90"),
        "2026-02-09",
    )
    # Counting down, and negative once the date has passed: the alert stays.
    assert alerts_evaluate(on_date=date(2026, 2, 19)) == Evaluation(0, 1, 0)
    alert.refresh_from_db()
    assert alert.measured_value == Decimal("-10")


def test_a_confirmed_balance_clears_the_alert(only_rule, old_debt):
    customer, installment = old_debt
    only_rule(Kind.LIMITATION_NEAR, "90")
    alerts_evaluate(on_date=date(2026, 1, 1))
    assert Alert.objects.get().status == Alert.Status.OPEN

    # The customer acknowledged the debt on 2026-01-05: three more years from then.
    Installment.objects.filter(pk=installment.pk).update(limitation_restarted_on=date(2026, 1, 5))

    assert alerts_evaluate(on_date=date(2026, 1, 6)) == Evaluation(0, 0, 1)
    assert Alert.objects.get().status == Alert.Status.CLOSED


def test_paying_the_item_clears_the_alert(only_rule, old_debt, finance_user):
    _customer, installment = old_debt
    only_rule(Kind.LIMITATION_NEAR, "90")
    alerts_evaluate(on_date=date(2026, 1, 1))

    pay(installment, actor=finance_user, on=date(2026, 1, 2))

    assert alerts_evaluate(on_date=date(2026, 1, 3)) == Evaluation(0, 0, 1)


def test_the_earliest_of_several_items_counts(only_rule, finance_user):
    customer = CustomerFactory()
    net30 = PaymentTermsFactory(net_days=30)
    issued_invoice(customer, actor=finance_user, issue_date=date(2023, 3, 1), terms=net30)
    issued_invoice(customer, actor=finance_user, issue_date=date(2023, 1, 10), terms=net30)
    only_rule(Kind.LIMITATION_NEAR, "90")

    alerts_evaluate(on_date=date(2026, 1, 1))

    assert Alert.objects.get().message == "2026-02-09"


def test_the_alert_list_describes_the_rule(client, only_rule, old_debt, finance_user):
    only_rule(Kind.LIMITATION_NEAR, "90")
    alerts_evaluate(on_date=date(2026, 1, 1))
    client.force_login(finance_user)

    page = client.get(reverse("alert-list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "An open item&#x27;s limitation period ends within 90 days" in page
    assert "39 days" in page
