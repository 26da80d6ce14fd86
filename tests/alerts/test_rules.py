"""Each early-warning rule: raised only above its threshold (equal does not raise), no duplicate
while the condition persists (the live alert's measure is updated instead), closed when it
clears, a new alert when it comes back. The worked examples are docs/early-warning.md's."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts.models import Alert, AlertRule
from alerts.services import Evaluation, alert_acknowledge, alerts_evaluate
from receivables import services
from receivables.models import ExchangeRate
from tests.alerts.conftest import pay
from tests.factories import CustomerFactory, issued_invoice

pytestmark = pytest.mark.django_db

Kind = AlertRule.Kind


def _alerts():
    return list(
        Alert.objects.order_by("pk").values_list(
            "customer__code", "rule__kind", "status", "measured_value", "message", "measured_on"
        )
    )


# --- overdue days -----------------------------------------------------------------------------


def test_overdue_days_raise_only_above_the_threshold(only_rule, customer, finance_user):
    only_rule(Kind.OVERDUE_DAYS, "30")
    installment = issued_invoice(
        customer, actor=finance_user, issue_date=date(2026, 1, 1)
    ).installments.get()
    assert installment.due_date == date(2026, 1, 31)

    # 2026-03-02 - 2026-01-31 = 30 days: equal to the threshold, nothing.
    assert alerts_evaluate(on_date=date(2026, 3, 2)) == Evaluation(0, 0, 0)
    assert _alerts() == []

    assert alerts_evaluate(on_date=date(2026, 3, 3)) == Evaluation(1, 0, 0)
    assert _alerts() == [
        (customer.code, Kind.OVERDUE_DAYS, "open", Decimal("31.00"), "2026-01-31", date(2026, 3, 3))
    ]


def test_overdue_days_update_the_live_alert_then_close_when_paid(only_rule, customer, finance_user):
    only_rule(Kind.OVERDUE_DAYS, "30")
    installment = issued_invoice(
        customer, actor=finance_user, issue_date=date(2026, 1, 1)
    ).installments.get()
    alerts_evaluate(on_date=date(2026, 3, 3))
    opened = Alert.objects.get()

    assert alerts_evaluate(on_date=date(2026, 3, 10)) == Evaluation(0, 1, 0)
    assert _alerts() == [
        (
            customer.code,
            Kind.OVERDUE_DAYS,
            "open",
            Decimal("38.00"),
            "2026-01-31",
            date(2026, 3, 10),
        )
    ]
    # Same day again: nothing changes at all.
    assert alerts_evaluate(on_date=date(2026, 3, 10)) == Evaluation(0, 0, 0)

    pay(installment, actor=finance_user, on=date(2026, 3, 11))
    assert alerts_evaluate(on_date=date(2026, 3, 11)) == Evaluation(0, 0, 1)
    opened.refresh_from_db()
    assert opened.status == Alert.Status.CLOSED
    assert opened.closed_at is not None


def test_a_condition_that_comes_back_opens_a_new_alert(only_rule, customer, finance_user):
    only_rule(Kind.OVERDUE_DAYS, "30")
    first = issued_invoice(customer, actor=finance_user, issue_date=date(2026, 1, 1))
    alerts_evaluate(on_date=date(2026, 3, 3))
    pay(first.installments.get(), actor=finance_user, on=date(2026, 3, 5))
    alerts_evaluate(on_date=date(2026, 3, 5))
    issued_invoice(customer, actor=finance_user, issue_date=date(2026, 3, 1))

    # Due 2026-03-31; 31 days past due on 2026-05-01.
    assert alerts_evaluate(on_date=date(2026, 5, 1)) == Evaluation(1, 0, 0)
    assert _alerts() == [
        (
            customer.code,
            Kind.OVERDUE_DAYS,
            "closed",
            Decimal("31.00"),
            "2026-01-31",
            date(2026, 3, 3),
        ),
        (
            customer.code,
            Kind.OVERDUE_DAYS,
            "open",
            Decimal("31.00"),
            "2026-03-31",
            date(2026, 5, 1),
        ),
    ]


def test_an_acknowledged_alert_stays_while_the_condition_holds(only_rule, customer, finance_user):
    only_rule(Kind.OVERDUE_DAYS, "30")
    installment = issued_invoice(
        customer, actor=finance_user, issue_date=date(2026, 1, 1)
    ).installments.get()
    alerts_evaluate(on_date=date(2026, 3, 3))
    alert_acknowledge(actor=finance_user, alert=Alert.objects.get())

    assert alerts_evaluate(on_date=date(2026, 3, 4)) == Evaluation(0, 1, 0)
    assert list(Alert.objects.values_list("status", "measured_value")) == [
        ("acknowledged", Decimal("32.00"))
    ]
    pay(installment, actor=finance_user, on=date(2026, 3, 5))
    alerts_evaluate(on_date=date(2026, 3, 5))
    assert list(Alert.objects.values_list("status", flat=True)) == ["closed"]


# --- overdue amount ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "raised"), [(Decimal("5000.00"), False), (Decimal("5000.01"), True)]
)
def test_overdue_amount_raises_only_above_the_threshold(
    only_rule, customer, finance_user, amount, raised
):
    only_rule(Kind.OVERDUE_AMOUNT, "5000")
    issued_invoice(customer, actor=finance_user, amount=amount, issue_date=date(2026, 1, 1))
    # Not yet due on its due date: nothing is overdue.
    alerts_evaluate(on_date=date(2026, 1, 31))
    assert _alerts() == []

    alerts_evaluate(on_date=date(2026, 2, 1))

    expected = [(customer.code, Kind.OVERDUE_AMOUNT, "open", amount, "", date(2026, 2, 1))]
    assert _alerts() == (expected if raised else [])


def test_overdue_amount_converts_to_the_base_currency_and_clears_with_payment(
    only_rule, finance_user
):
    only_rule(Kind.OVERDUE_AMOUNT, "5000")
    customer = CustomerFactory(currency="USD")
    services.exchange_rate_set(
        actor=finance_user, currency="USD", rate_date=date(2026, 1, 1), rate_to_base=Decimal("7.1")
    )
    installment = issued_invoice(
        customer, actor=finance_user, amount=Decimal("800.00"), issue_date=date(2026, 1, 1)
    ).installments.get()

    alerts_evaluate(on_date=date(2026, 2, 1))
    # 800.00 USD × 7.1 = 5680.00 CNY.
    assert _alerts() == [
        (customer.code, Kind.OVERDUE_AMOUNT, "open", Decimal("5680.00"), "", date(2026, 2, 1))
    ]
    assert alerts_evaluate(on_date=date(2026, 2, 2)) == Evaluation(0, 0, 0)

    # 100.00 paid: 700.00 × 7.1 = 4970.00, no longer above 5000.
    pay(installment, actor=finance_user, on=date(2026, 2, 3), amount=Decimal("100.00"))
    assert alerts_evaluate(on_date=date(2026, 2, 3)) == Evaluation(0, 0, 1)


def test_an_amount_without_an_exchange_rate_leaves_alerts_as_they_are(only_rule, finance_user):
    only_rule(Kind.OVERDUE_AMOUNT, "5000")
    customer = CustomerFactory(currency="USD")

    def set_rate():
        return services.exchange_rate_set(
            actor=finance_user,
            currency="USD",
            rate_date=date(2026, 1, 1),
            rate_to_base=Decimal("7"),
        )

    set_rate()
    issued_invoice(
        customer, actor=finance_user, amount=Decimal("800.00"), issue_date=date(2026, 1, 1)
    )
    ExchangeRate.objects.all().delete()  # deleted by mistake

    # Without a rate the amount cannot be measured: no alert is raised...
    assert alerts_evaluate(on_date=date(2026, 2, 1)) == Evaluation(0, 0, 0)
    set_rate()
    assert alerts_evaluate(on_date=date(2026, 2, 1)) == Evaluation(1, 0, 0)
    # ...and a live one is not closed while the rate is missing.
    ExchangeRate.objects.all().delete()
    assert alerts_evaluate(on_date=date(2026, 2, 2)) == Evaluation(0, 0, 0)
    assert list(Alert.objects.values_list("status", "measured_value")) == [
        ("open", Decimal("5600.00"))
    ]


# --- credit utilisation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("open_amount", "measured"),
    [
        (Decimal("90000.00"), None),  # 90.00%: equal, nothing
        (Decimal("90004.99"), None),  # 90.00499% rounds to 90.00%: nothing
        (Decimal("90005.00"), Decimal("90.01")),  # 90.005% rounds half up to 90.01%
    ],
)
def test_credit_utilisation_raises_only_above_the_threshold(
    only_rule, finance_user, open_amount, measured
):
    only_rule(Kind.CREDIT_UTILISATION, "90")
    customer = CustomerFactory(credit_limit=Decimal("100000.00"))
    # Not yet due: utilisation counts everything open, due or not.
    issued_invoice(customer, actor=finance_user, amount=open_amount, issue_date=date(2026, 1, 1))

    alerts_evaluate(on_date=date(2026, 1, 5))

    expected = [
        (
            customer.code,
            Kind.CREDIT_UTILISATION,
            "open",
            measured,
            f"CNY {open_amount:,} / CNY 100,000.00",
            date(2026, 1, 5),
        )
    ]
    assert _alerts() == (expected if measured else [])


def test_credit_utilisation_follows_the_limit_and_ignores_a_zero_limit(only_rule, finance_user):
    only_rule(Kind.CREDIT_UTILISATION, "90")
    customer = CustomerFactory(credit_limit=Decimal("1000.00"))
    no_credit = CustomerFactory(credit_limit=Decimal("1000.00"))
    issued_invoice(customer, actor=finance_user, amount=Decimal("950.00"))
    issued_invoice(no_credit, actor=finance_user, amount=Decimal("950.00"))
    # Credit withdrawn: a limit of 0 means no credit at all, and a share of it is undefined.
    no_credit.credit_limit = Decimal("0")
    no_credit.save()

    assert alerts_evaluate(on_date=date(2026, 1, 15)) == Evaluation(1, 0, 0)
    assert _alerts() == [
        (
            customer.code,
            Kind.CREDIT_UTILISATION,
            "open",
            Decimal("95.00"),
            "CNY 950.00 / CNY 1,000.00",
            date(2026, 1, 15),
        )
    ]

    customer.credit_limit = Decimal("2000.00")
    customer.save()
    assert alerts_evaluate(on_date=date(2026, 1, 16)) == Evaluation(0, 0, 1)


# --- rating downgrade -------------------------------------------------------------------------


def _rate(customer, rating):
    customer.credit_rating = rating
    customer.save()


@pytest.mark.parametrize(
    ("previous", "current", "measured"),
    [
        ("A", "BBB", None),  # one grade: equal to the threshold of 1
        ("A", "BB", Decimal("2")),
        ("AA", "C", Decimal("7")),
        ("B", "A", None),  # an upgrade
        ("", "C", None),  # a first rating is no downgrade
        ("A", "D", None),  # not a grade of the documented order
    ],
)
def test_rating_downgrade_compares_with_the_previous_rating(only_rule, previous, current, measured):
    only_rule(Kind.RATING_DOWNGRADE, "1")
    customer = CustomerFactory(credit_rating=previous)
    _rate(customer, current)

    alerts_evaluate(on_date=date(2026, 1, 5))

    expected = [
        (
            customer.code,
            Kind.RATING_DOWNGRADE,
            "open",
            measured,
            f"{previous} → {current}",
            date(2026, 1, 5),
        )
    ]
    assert _alerts() == (expected if measured else [])


def test_rating_downgrade_persists_until_the_rating_improves(only_rule):
    only_rule(Kind.RATING_DOWNGRADE, "0")
    customer = CustomerFactory(credit_rating="AA")
    _rate(customer, "A")
    customer.notes = "saved again without a rating change"
    customer.save()

    assert alerts_evaluate(on_date=date(2026, 1, 5)) == Evaluation(1, 0, 0)
    assert alerts_evaluate(on_date=date(2026, 1, 6)) == Evaluation(0, 0, 0)
    _rate(customer, "B")  # further down: the same alert, with the new drop
    assert alerts_evaluate(on_date=date(2026, 1, 7)) == Evaluation(0, 1, 0)
    assert _alerts() == [
        (customer.code, Kind.RATING_DOWNGRADE, "open", Decimal("3.00"), "A → B", date(2026, 1, 7))
    ]
    _rate(customer, "AA")
    assert alerts_evaluate(on_date=date(2026, 1, 8)) == Evaluation(0, 0, 1)


# --- payment behaviour ------------------------------------------------------------------------

# on_date 2026-07-01: recent window 2026-04-03..2026-07-01, earlier 2026-01-03..2026-04-02.
ON_DATE = date(2026, 7, 1)


def _settled_late(customer, actor, *, amount, issue_date, days_late):
    """An invoice (NET30) paid in full `days_late` days after its due date."""
    installment = issued_invoice(
        customer, actor=actor, amount=Decimal(amount), issue_date=issue_date
    ).installments.get()
    pay(installment, actor=actor, on=installment.due_date + timedelta(days=days_late))
    return installment


@pytest.fixture
def worsening_customer(customer, finance_user):
    """Earlier window: 1000.00 paid 5 days late. Recent window: 1000.00 paid 20 days late and
    3000.00 paid 10 days late (weighted: 12.50 days), plus 500.00 settled by a credit note
    40 days after its due date, which weighs nothing. Worsening: 12.50 - 5.00 = 7.50 days."""
    _settled_late(
        customer, finance_user, amount="1000.00", issue_date=date(2026, 1, 10), days_late=5
    )
    _settled_late(
        customer, finance_user, amount="1000.00", issue_date=date(2026, 4, 1), days_late=20
    )
    _settled_late(
        customer, finance_user, amount="3000.00", issue_date=date(2026, 4, 10), days_late=10
    )
    credited = issued_invoice(
        customer, actor=finance_user, amount=Decimal("500.00"), issue_date=date(2026, 3, 1)
    )
    services.credit_note_issue(
        actor=finance_user,
        invoice=credited,
        amount=Decimal("500.00"),
        reason="退货",
        issue_date=date(2026, 5, 10),
    )
    return customer


@pytest.mark.parametrize(("threshold", "raised"), [("7.50", False), ("7.49", True)])
def test_payment_worsening_compares_weighted_days_late(
    only_rule, worsening_customer, threshold, raised
):
    only_rule(Kind.PAYMENT_WORSENING, threshold)

    alerts_evaluate(on_date=ON_DATE)

    expected = [
        (
            worsening_customer.code,
            Kind.PAYMENT_WORSENING,
            "open",
            Decimal("7.50"),
            "5.00 → 12.50",
            ON_DATE,
        )
    ]
    assert _alerts() == (expected if raised else [])


def test_payment_worsening_clears_when_the_late_payments_leave_the_window(
    only_rule, worsening_customer
):
    only_rule(Kind.PAYMENT_WORSENING, "5")
    assert alerts_evaluate(on_date=ON_DATE) == Evaluation(1, 0, 0)
    assert alerts_evaluate(on_date=ON_DATE) == Evaluation(0, 0, 0)

    # 2026-09-30: the earlier window (2026-04-04..2026-07-02) holds the 20 and 10 days late;
    # nothing was settled since, so there is no recent behaviour to compare.
    assert alerts_evaluate(on_date=date(2026, 9, 30)) == Evaluation(0, 0, 1)


def test_early_payments_count_as_zero_days_late(only_rule, customer, finance_user):
    only_rule(Kind.PAYMENT_WORSENING, "0")
    early = issued_invoice(customer, actor=finance_user, issue_date=date(2026, 1, 10))
    pay(early.installments.get(), actor=finance_user, on=date(2026, 1, 20))  # 20 days early
    _settled_late(
        customer, finance_user, amount="1000.00", issue_date=date(2026, 4, 1), days_late=3
    )

    alerts_evaluate(on_date=ON_DATE)

    assert list(Alert.objects.values_list("measured_value", "message")) == [
        (Decimal("3.00"), "0.00 → 3.00")
    ]


# --- rules and scope --------------------------------------------------------------------------


def test_deactivating_a_rule_closes_its_alerts(only_rule, customer, finance_user):
    rule = only_rule(Kind.OVERDUE_DAYS, "30")
    issued_invoice(customer, actor=finance_user, issue_date=date(2026, 1, 1))
    alerts_evaluate(on_date=date(2026, 3, 3))

    rule.is_active = False
    rule.save()

    assert alerts_evaluate(on_date=date(2026, 3, 4)) == Evaluation(0, 0, 1)
    assert alerts_evaluate(on_date=date(2026, 3, 5)) == Evaluation(0, 0, 0)


def test_rules_of_the_same_kind_raise_separately(only_rule, customer, finance_user):
    only_rule(Kind.OVERDUE_DAYS, "30")
    AlertRule.objects.create(
        kind=Kind.OVERDUE_DAYS, threshold=Decimal("90"), severity=AlertRule.Severity.CRITICAL
    )
    issued_invoice(customer, actor=finance_user, issue_date=date(2026, 1, 1))

    alerts_evaluate(on_date=date(2026, 3, 3))
    alerts_evaluate(on_date=date(2026, 5, 1))  # 90 days: equal, the critical rule waits

    assert list(Alert.objects.values_list("rule__threshold", "status")) == [(Decimal("30"), "open")]
    alerts_evaluate(on_date=date(2026, 5, 2))
    assert sorted(Alert.objects.values_list("rule__threshold", "measured_value")) == [
        (Decimal("30"), Decimal("91.00")),
        (Decimal("90"), Decimal("91.00")),
    ]


def test_evaluating_some_customers_leaves_the_others_alone(only_rule, finance_user):
    only_rule(Kind.OVERDUE_DAYS, "30")
    evaluated, untouched = CustomerFactory(), CustomerFactory()
    for customer in (evaluated, untouched):
        issued_invoice(customer, actor=finance_user, issue_date=date(2026, 1, 1))

    assert alerts_evaluate(on_date=date(2026, 3, 3), customer_ids=[evaluated.pk]) == Evaluation(
        1, 0, 0
    )
    assert list(Alert.objects.values_list("customer", flat=True)) == [evaluated.pk]


def test_the_migration_creates_the_default_rules():
    assert sorted(AlertRule.objects.values_list("kind", "threshold", "severity", "is_active")) == [
        (Kind.CREDIT_UTILISATION, Decimal("90.00"), "warning", True),
        (Kind.LIMITATION_NEAR, Decimal("90.00"), "warning", True),
        (Kind.OVERDUE_AMOUNT, Decimal("100000.00"), "warning", True),
        (Kind.OVERDUE_DAYS, Decimal("30.00"), "warning", True),
        (Kind.OVERDUE_DAYS, Decimal("90.00"), "critical", True),
        (Kind.PAYMENT_WORSENING, Decimal("10.00"), "warning", True),
        (Kind.PROMISE_BROKEN, Decimal("30.00"), "warning", True),
        (Kind.RATING_DOWNGRADE, Decimal("0.00"), "warning", True),
    ]


def test_the_database_refuses_a_second_live_alert_for_a_customer_and_rule(only_rule, customer):
    rule = only_rule(Kind.OVERDUE_DAYS, "30")
    fields = {
        "customer": customer,
        "rule": rule,
        "opened_at": timezone.now(),
        "measured_on": date(2026, 3, 3),
        "measured_value": Decimal("31"),
    }
    Alert.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(**fields, status=Alert.Status.OPEN)
    Alert.objects.create(**fields, status=Alert.Status.CLOSED, closed_at=timezone.now())
    assert Alert.objects.count() == 2
