"""The cash forecast's reads: expected collection dates from hand-made payment histories, the
weekly roll-up, and their cost in queries (docs/cash-forecast.md's worked example)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import user_roles
from receivables import services
from reports.forecast import (
    DISPUTED,
    LATER,
    Lateness,
    LatenessSource,
    cash_forecast,
    company_cash_forecast,
    median_days,
    week_start,
)
from reports.models import CashForecastSettings
from tests.factories import CustomerFactory
from tests.reports.forecast_data import AS_OF, build_worked_example, open_item, paid_late

pytestmark = pytest.mark.django_db


@pytest.fixture
def example(finance_user, manager_user, sales_user, other_sales_user):
    return build_worked_example(
        actor=finance_user, approver=manager_user, rep_one=sales_user, rep_two=other_sales_user
    )


def by_installment(forecast):
    return {c.installment.pk: c for c in forecast.collections}


@pytest.mark.parametrize(
    ("values", "median"),
    [([10, 11, 20, 40], 16), ([0, 2, 4, 20, 30, 40], 12), ([-5, -4], -4), ([-3, -4, 7], -3)],
)
def test_a_median_of_days_rounds_half_a_day_up_to_the_later_day(values, median):
    assert median_days(values) == median


def test_week_start_is_the_monday_of_the_week():
    assert [week_start(date(2026, 3, day)) for day in (1, 2, 4, 8, 9)] == [
        date(2026, 2, 23),
        date(2026, 3, 2),
        date(2026, 3, 2),
        date(2026, 3, 2),
        date(2026, 3, 9),
    ]


def test_expected_collection_dates_of_the_worked_example(example, finance_user):
    collections = by_installment(cash_forecast(user=finance_user, as_of=AS_OF))

    assert {
        name: (collections[item.pk].lateness, collections[item.pk].expected_on)
        for name, item in example.items.items()
    } == {
        # Own history, median of 10, 11, 20, 40 = 15.5 → 16 days; overdue and expected on
        # 2026-01-26, which has passed: expected on the forecast date.
        "alpha_overdue": (Lateness(16, LatenessSource.CUSTOMER), AS_OF),
        "alpha_due": (Lateness(16, LatenessSource.CUSTOMER), date(2026, 3, 17)),
        # Median 12, but the last 3 months' median (30) is later.
        "beta": (Lateness(30, LatenessSource.CUSTOMER, from_trend=True), date(2026, 4, 9)),
        # One paid installment is too few: the sales rep's customers' (median 20, recent 30).
        "gamma": (Lateness(30, LatenessSource.SALES_REP, from_trend=True), date(2026, 3, 22)),
        # No history; the rep's customers have 2 paid installments: all customers' (11; 20).
        "delta_later": (Lateness(20, LatenessSource.COMPANY, from_trend=True), date(2026, 6, 4)),
        # Disputed: expected on no date (its lateness is worked out all the same).
        "delta_disputed": (Lateness(20, LatenessSource.COMPANY, from_trend=True), None),
        "epsilon": (Lateness(20, LatenessSource.COMPANY, from_trend=True), date(2026, 4, 19)),
    }


def test_open_amounts_and_rates_are_those_of_the_forecast_date(example, finance_user):
    collections = by_installment(cash_forecast(user=finance_user, as_of=AS_OF))

    # 500.00 of beta's 2,000.00 was paid before; alpha's item was paid only after the date.
    assert collections[example.items["beta"].pk].open_base == Decimal("1500.00")
    assert collections[example.items["alpha_overdue"].pk].open_base == Decimal("500.00")
    # USD 100.00 at 2026-03-01's 7.10, not 2026-03-05's 7.30.
    epsilon = collections[example.items["epsilon"].pk]
    assert (epsilon.open_amount, epsilon.open_base) == (Decimal("100.00"), Decimal("710.00"))


def test_weekly_roll_up_of_the_worked_example(example, finance_user):
    forecast = cash_forecast(user=finance_user, as_of=AS_OF)

    assert [(week.start, week.expected, week.count) for week in forecast.weeks] == [
        (date(2026, 3, 2), Decimal("500.00"), 1),
        (date(2026, 3, 9), Decimal("0.00"), 0),
        # alpha's 1,000.00 on Tuesday 03-17 and gamma's 300.00 on Sunday 03-22.
        (date(2026, 3, 16), Decimal("1300.00"), 2),
        (date(2026, 3, 23), Decimal("0.00"), 0),
        (date(2026, 3, 30), Decimal("0.00"), 0),
        (date(2026, 4, 6), Decimal("1500.00"), 1),
        (date(2026, 4, 13), Decimal("710.00"), 1),
        *[(date(2026, 4, 20) + timedelta(weeks=n), Decimal("0.00"), 0) for n in range(6)],
    ]
    assert forecast.weeks[-1].end == date(2026, 5, 31)
    assert forecast.total == Decimal("4010.00")
    assert (forecast.later, forecast.later_count) == (Decimal("4000.00"), 1)
    assert (forecast.disputed, forecast.disputed_count) == (Decimal("700.00"), 1)
    assert forecast.missing_rates == ()


def test_drill_down_groups_a_weeks_installments_by_customer(example, finance_user):
    forecast = cash_forecast(user=finance_user, as_of=AS_OF)

    week = forecast.by_customer("2026-03-16")
    assert [(group.customer.code, group.expected) for group in week] == [
        ("ALPHA", Decimal("1000.00")),
        ("GAMMA", Decimal("300.00")),
    ]
    assert [c.installment.pk for c in week[0].collections] == [example.items["alpha_due"].pk]
    assert [(g.customer.code, g.expected) for g in forecast.by_customer(LATER)] == [
        ("DELTA", Decimal("4000.00"))
    ]
    assert [(g.customer.code, g.expected) for g in forecast.by_customer(DISPUTED)] == [
        ("DELTA", Decimal("700.00"))
    ]
    assert forecast.by_customer("2026-03-09") == []


def test_a_sales_rep_sees_their_customers_forecast_with_the_same_dates(
    example, finance_user, sales_user, other_sales_user
):
    everyone = by_installment(cash_forecast(user=finance_user, as_of=AS_OF))
    mine = cash_forecast(user=other_sales_user, as_of=AS_OF)

    assert {c.customer.code for c in mine.collections} == {"DELTA", "EPSILON"}
    # The fallbacks pool every customer's history, whoever looks.
    for collection in mine.collections:
        assert collection.expected_on == everyone[collection.installment.pk].expected_on
    assert mine.total == Decimal("710.00")
    assert (mine.later, mine.disputed) == (Decimal("4000.00"), Decimal("700.00"))
    assert cash_forecast(user=sales_user, as_of=AS_OF).total == Decimal("3300.00")


def test_the_minimum_history_is_a_setting(example, finance_user):
    CashForecastSettings.objects.filter(pk=1).update(min_settled_installments=2)

    collection = by_installment(cash_forecast(user=finance_user, as_of=AS_OF))[
        example.items["epsilon"].pk
    ]

    # epsilon's own two payments, 5 days early, now suffice.
    assert collection.lateness == Lateness(-5, LatenessSource.CUSTOMER)
    assert collection.expected_on == date(2026, 3, 25)


def test_without_any_history_an_item_is_expected_on_its_due_date(finance_user):
    customer = CustomerFactory()
    item = open_item(customer, actor=finance_user, due=date(2026, 3, 20), amount="250.00")

    forecast = cash_forecast(user=finance_user, as_of=AS_OF)

    (collection,) = forecast.collections
    assert collection.installment == item
    assert collection.lateness == Lateness(0, LatenessSource.NONE)
    assert collection.expected_on == date(2026, 3, 20)
    assert forecast.weeks[2].expected == Decimal("250.00")


def test_an_early_payer_is_not_expected_before_the_forecast_date(finance_user):
    customer = CustomerFactory()
    for due in [date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)]:
        paid_late(customer, actor=finance_user, due=due, days_late=-10)
    open_item(customer, actor=finance_user, due=date(2026, 3, 9), amount="80.00")

    (collection,) = cash_forecast(user=finance_user, as_of=AS_OF).collections

    # Due 03-09 less 10 days is 02-27, before the forecast date: expected on it.
    assert collection.lateness == Lateness(-10, LatenessSource.CUSTOMER)
    assert collection.expected_on == AS_OF


def test_an_installment_a_reversal_reopened_is_open_and_expected_again(finance_user):
    customer = CustomerFactory()
    for due in [date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)]:
        paid_late(customer, actor=finance_user, due=due, days_late=3)
    bounced = open_item(customer, actor=finance_user, due=date(2026, 1, 1), amount="90.00")
    payment = services.payment_record(
        actor=finance_user, customer=customer, received_on=date(2026, 1, 2), amount=Decimal("90")
    )
    services.payment_allocate(
        actor=finance_user,
        payment=payment,
        allocations=[(bounced.pk, Decimal("90"))],
        applied_on=date(2026, 1, 2),
    )
    services.payment_reverse(
        actor=finance_user, payment=payment, reversed_on=date(2026, 1, 9), reason="退票"
    )

    collections = by_installment(cash_forecast(user=finance_user, as_of=AS_OF))

    # Open again as of the forecast date, and overdue: expected on that date.
    assert collections[bounced.pk].lateness == Lateness(3, LatenessSource.CUSTOMER)
    assert collections[bounced.pk].expected_on == AS_OF


def test_an_installment_a_credit_note_closed_after_a_reversal_is_not_history(finance_user):
    customer = CustomerFactory()
    for due, days_late in [(date(2025, 10, 1), 3), (date(2025, 11, 1), 3), (date(2025, 12, 1), 30)]:
        paid_late(customer, actor=finance_user, due=due, days_late=days_late)
    bounced = open_item(customer, actor=finance_user, due=date(2026, 1, 1), amount="90.00")
    payment = services.payment_record(
        actor=finance_user, customer=customer, received_on=date(2026, 1, 2), amount=Decimal("90")
    )
    services.payment_allocate(
        actor=finance_user,
        payment=payment,
        allocations=[(bounced.pk, Decimal("90"))],
        applied_on=date(2026, 1, 2),
    )
    services.payment_reverse(
        actor=finance_user, payment=payment, reversed_on=date(2026, 1, 9), reason="退票"
    )
    services.credit_note_issue(
        actor=finance_user,
        invoice=bounced.invoice,
        amount=Decimal("90.00"),
        reason="退货",
        issue_date=date(2026, 1, 20),
    )
    open_item(customer, actor=finance_user, due=date(2026, 3, 10), amount="10.00")

    (collection,) = cash_forecast(user=finance_user, as_of=AS_OF).collections

    # Settled 19 days late, but by the credit note: the median stays that of 3, 3 and 30.
    assert collection.lateness == Lateness(3, LatenessSource.CUSTOMER)


def test_a_currency_without_a_rate_is_named_and_left_out_of_the_sums(finance_user):
    customer = CustomerFactory(currency="EUR")
    open_item(customer, actor=finance_user, due=date(2026, 3, 20), amount="50.00")

    forecast = cash_forecast(user=finance_user, as_of=AS_OF)

    assert forecast.missing_rates == ("EUR",)
    assert forecast.total == Decimal("0.00")
    assert forecast.weeks[2].count == 1


def test_the_company_forecast_covers_every_customer(example):
    forecast = company_cash_forecast(as_of=AS_OF)

    assert forecast.total == Decimal("4010.00")
    assert len(forecast.collections) == 7


def _more_customers(count: int, *, actor, rep) -> None:
    for index in range(count):
        customer = CustomerFactory(owner=rep)
        for month in (9, 10, 11):
            paid_late(customer, actor=actor, due=date(2025, month, 1), days_late=index)
        open_item(customer, actor=actor, due=date(2026, 3, 20 + index % 5), amount="10.00")


def _queries(function) -> int:
    with CaptureQueriesContext(connection) as captured:
        forecast = function()
        forecast.weeks, forecast.by_customer("2026-03-16")  # noqa: B018 (evaluated for the count)
    return len(captured)


def test_the_forecast_costs_the_same_queries_whatever_the_data(finance_user, sales_user):
    _more_customers(2, actor=finance_user, rep=sales_user)
    user_roles(finance_user)  # looked up once per request's user, not per read
    small = _queries(lambda: cash_forecast(user=finance_user, as_of=AS_OF))
    _more_customers(10, actor=finance_user, rep=sales_user)

    assert _queries(lambda: cash_forecast(user=finance_user, as_of=AS_OF)) == small == 3
