"""Recording the weekly cash forecast (the Celery task, idempotent) and measuring recorded
forecasts against the cash received (docs/cash-forecast.md, "Forecast vs actual")."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import user_roles
from receivables import services
from reports.forecast import forecast_accuracy
from reports.models import CashForecastWeek
from reports.tasks import record_cash_forecast
from tests.factories import CustomerFactory, recorded_payment
from tests.reports.forecast_data import open_item

pytestmark = pytest.mark.django_db

# A Wednesday; the past 8 weeks are those starting 2025-12-29 … 2026-02-16.
AS_OF = date(2026, 2, 25)


@pytest.fixture
def ledger(finance_user):
    """One customer with no payment history (so items are expected on their due dates):
    1,000.00 due Monday 2026-02-09 (issued 01-10) and 2,000.00 due Monday 2026-02-16 (issued
    01-17), of which a credit note took 500.00 on 2026-02-01."""
    customer = CustomerFactory(code="ACME")
    first = open_item(customer, actor=finance_user, due=date(2026, 2, 9), amount="1000.00")
    second = open_item(customer, actor=finance_user, due=date(2026, 2, 16), amount="2000.00")
    services.credit_note_issue(
        actor=finance_user,
        invoice=second.invoice,
        amount=Decimal("500.00"),
        reason="折让",
        issue_date=date(2026, 2, 1),
    )
    return customer, first, second


def recorded(made_on: date) -> list[tuple[date, Decimal]]:
    return list(
        CashForecastWeek.objects.filter(made_on=made_on)
        .order_by("week_start")
        .values_list("week_start", "expected")
    )


def test_the_task_records_thirteen_weeks_as_of_the_monday_of_its_date(ledger):
    assert record_cash_forecast("2026-02-04") == 13

    weeks = recorded(date(2026, 2, 2))
    assert len(weeks) == 13
    assert weeks[0] == (date(2026, 2, 2), Decimal("0.00"))
    # As of Monday 02-02 the credit note had already taken 500.00 off the second item.
    assert weeks[1:3] == [
        (date(2026, 2, 9), Decimal("1000.00")),
        (date(2026, 2, 16), Decimal("1500.00")),
    ]
    assert {expected for _week, expected in weeks[3:]} == {Decimal("0.00")}
    assert weeks[-1][0] == date(2026, 4, 27)


def test_running_the_task_again_in_the_same_week_changes_nothing(ledger, finance_user):
    record_cash_forecast("2026-02-02")
    first_run = list(
        CashForecastWeek.objects.values_list("pk", "made_on", "week_start", "expected")
    )
    # Something back-dated after the forecast was made does not rewrite the record.
    open_item(ledger[0], actor=finance_user, due=date(2026, 2, 10), amount="99.00")

    assert record_cash_forecast("2026-02-06") == 13

    assert (
        list(CashForecastWeek.objects.values_list("pk", "made_on", "week_start", "expected"))
        == first_run
    )


def test_a_recorded_forecast_is_company_wide(ledger, finance_user, sales_user):
    other = CustomerFactory(owner=sales_user)
    open_item(other, actor=finance_user, due=date(2026, 2, 11), amount="7.00")

    record_cash_forecast("2026-02-02")

    assert recorded(date(2026, 2, 2))[1] == (date(2026, 2, 9), Decimal("1007.00"))


@pytest.fixture
def history(ledger, finance_user):
    """Forecasts recorded on five Mondays, and the cash that came in: 800.00 on 02-11, 2,500.00
    on 02-18, and 300.00 on 02-17 that bounced on 02-20."""
    for monday in ["2026-01-12", "2026-01-19", "2026-01-26", "2026-02-02", "2026-02-09"]:
        record_cash_forecast(monday)
    customer = ledger[0]
    recorded_payment(
        customer, actor=finance_user, amount=Decimal("800.00"), received_on=date(2026, 2, 11)
    )
    recorded_payment(
        customer, actor=finance_user, amount=Decimal("2500.00"), received_on=date(2026, 2, 18)
    )
    bounced = recorded_payment(
        customer, actor=finance_user, amount=Decimal("300.00"), received_on=date(2026, 2, 17)
    )
    services.payment_reverse(
        actor=finance_user, payment=bounced, reversed_on=date(2026, 2, 20), reason="退票"
    )


def test_forecast_vs_actual_error_figures(history, manager_user):
    accuracy = forecast_accuracy(user=manager_user, as_of=AS_OF)

    rows = {
        week.start: (
            week.actual,
            [
                None
                if comparison is None
                else (comparison.forecast, comparison.error, comparison.absolute_percentage_error)
                for _ahead, comparison in week.horizons
            ],
        )
        for week in accuracy.weeks
    }
    assert list(rows) == [
        date(2025, 12, 29),
        date(2026, 1, 5),
        date(2026, 1, 12),
        date(2026, 1, 19),
        date(2026, 1, 26),
        date(2026, 2, 2),
        date(2026, 2, 9),
        date(2026, 2, 16),
    ]
    # Made 1 week before: on 02-02 (1,000.00); 4 weeks before: on 01-12 (1,000.00).
    assert rows[date(2026, 2, 9)] == (
        Decimal("800.00"),
        [
            (Decimal("1000.00"), Decimal("-200.00"), Decimal("25.0")),
            (Decimal("1000.00"), Decimal("-200.00"), Decimal("25.0")),
        ],
    )
    # Made on 02-09 (after the credit note: 1,500.00) and on 01-19 (before it: 2,000.00); the
    # bounced 300.00 is not cash.
    assert rows[date(2026, 2, 16)] == (
        Decimal("2500.00"),
        [
            (Decimal("1500.00"), Decimal("1000.00"), Decimal("40.0")),
            (Decimal("2000.00"), Decimal("500.00"), Decimal("20.0")),
        ],
    )
    # Nothing expected and nothing received: no error, and no percentage of nothing. No forecast
    # was recorded 4 weeks before (on 01-05).
    assert rows[date(2026, 2, 2)] == (
        Decimal("0.00"),
        [(Decimal("0.00"), Decimal("0.00"), None), None],
    )
    assert rows[date(2025, 12, 29)] == (Decimal("0.00"), [None, None])
    assert accuracy.horizons == [(1, Decimal("32.5")), (4, Decimal("22.5"))]
    assert accuracy.missing_rates == ()


def test_forecast_vs_actual_costs_two_queries(history, manager_user):
    user_roles(manager_user)

    with CaptureQueriesContext(connection) as captured:
        forecast_accuracy(user=manager_user, as_of=AS_OF)

    assert len(captured) == 2
