"""The KPIs (reports.kpis) against the worked example of docs/kpis.md (tests/reports/
kpi_example.py): every figure computed by hand, for past periods after later payments, credit
notes and reversals, by month and by sales rep; scoping; query counts."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import user_roles
from receivables.models import ExchangeRate
from reports.kpis import (
    COUNT_BACK_MONTHS,
    Period,
    _count_back,
    customer_payment_days,
    kpi_periods,
    kpis_by_month,
    kpis_by_sales_rep,
    kpis_for_month,
    payment_days_by_customer,
)
from tests.factories import CustomerFactory, UserFactory
from tests.reports.kpi_example import build_worked_example, invoice, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def worked_example(customer, finance_user):
    return build_worked_example(customer, finance_user)


def by_month(kpis):
    return {k.period.start.strftime("%Y-%m"): k for k in kpis}


def figures(k):
    return {
        "opening": k.opening,
        "sales": k.sales,
        "closing": k.closing,
        "overdue": k.overdue,
        "current": k.current,
        "dso": k.dso,
        "dso_count_back": k.dso_count_back,
        "best_dso": k.best_dso,
        "add": k.add,
        "cei": k.cei,
        "overdue_percent": k.overdue_percent,
        "collected_for_rate": k.collection_rate.collected,
        "due_for_rate": k.collection_rate.due,
        "collection_rate": k.collection_rate.percent,
    }


EXPECTED = {
    "2026-01": {
        "opening": D("1000.00"),
        "sales": D("2000.00"),
        "closing": D("2000.00"),
        "overdue": D("0.00"),
        "current": D("2000.00"),
        "dso": D("31.0"),
        "dso_count_back": D("31.0"),
        "best_dso": D("31.0"),
        "add": D("0.0"),
        "cei": D("100.0"),
        "overdue_percent": D("0.0"),
        "collected_for_rate": D("1000.00"),
        "due_for_rate": D("1000.00"),
        "collection_rate": D("100.0"),
    },
    "2026-02": {
        "opening": D("2000.00"),
        "sales": D("1500.00"),
        "closing": D("2300.00"),
        "overdue": D("800.00"),
        "current": D("1500.00"),
        "dso": D("42.9"),
        "dso_count_back": D("40.4"),
        "best_dso": D("28.0"),
        "add": D("14.9"),
        "cei": D("60.0"),
        "overdue_percent": D("34.8"),
        "collected_for_rate": D("1200.00"),
        "due_for_rate": D("2000.00"),
        "collection_rate": D("60.0"),
    },
    "2026-03": {
        "opening": D("2300.00"),
        "sales": D("2700.00"),
        "closing": D("4200.00"),
        "overdue": D("1200.00"),
        "current": D("3000.00"),
        "dso": D("48.2"),
        "dso_count_back": D("59.0"),
        "best_dso": D("34.4"),
        "add": D("13.8"),
        "cei": D("40.0"),
        "overdue_percent": D("28.6"),
        "collected_for_rate": D("800.00"),
        "due_for_rate": D("2000.00"),
        "collection_rate": D("40.0"),
    },
}


def test_each_month_reproduces_what_was_open_then_after_later_events(worked_example, manager_user):
    report = by_month(kpis_by_month(user=manager_user, as_of=date(2026, 3, 31)))

    assert list(report)[-3:] == ["2026-01", "2026-02", "2026-03"]
    for month, expected in EXPECTED.items():
        assert figures(report[month]) == expected, month


def test_the_month_of_the_reporting_date_runs_up_to_it(worked_example, manager_user):
    kpis = kpis_for_month(user=manager_user, as_of=date(2026, 4, 20))

    assert kpis.period == Period(date(2026, 4, 1), date(2026, 4, 20))
    assert figures(kpis) == {
        "opening": D("4200.00"),
        # Invoice E 2500 less credit note 500 on D.
        "sales": D("2000.00"),
        "closing": D("4000.00"),
        "overdue": D("1500.00"),
        "current": D("2500.00"),
        "dso": D("40.0"),
        "dso_count_back": D("43.0"),
        "best_dso": D("25.0"),
        "add": D("15.0"),
        "cei": D("59.5"),
        "overdue_percent": D("37.5"),
        "collected_for_rate": D("2200.00"),
        "due_for_rate": D("3700.00"),
        "collection_rate": D("59.5"),
    }


def test_a_month_with_nothing_open_or_sold(manager_user):
    (kpis,) = kpis_by_month(user=manager_user, as_of=date(2026, 3, 31), months=1)

    assert (kpis.dso, kpis.dso_count_back, kpis.best_dso, kpis.add) == (
        D("0.0"),
        D("0.0"),
        D("0.0"),
        D("0.0"),
    )
    assert (kpis.cei, kpis.overdue_percent, kpis.collection_rate.percent) == (None, None, None)


def test_dso_is_undefined_when_something_is_open_and_nothing_was_sold(customer, finance_user):
    invoice(customer, finance_user, date(2026, 1, 10), "100.00")

    kpis = kpis_for_month(user=finance_user, as_of=date(2026, 2, 28))

    assert (kpis.sales, kpis.closing) == (D("0.00"), D("100.00"))
    assert (kpis.dso, kpis.best_dso, kpis.add) == (None, D("0.0"), None)
    # Count-back: February sold nothing (28 days), January's 100 covers the balance (31 days).
    assert kpis.dso_count_back == D("59.0")


@pytest.mark.parametrize(
    ("balance", "months", "expected"),
    [
        (D("0"), [], D("0.0")),
        (D("50"), [(D("100"), 30)], D("15.0")),
        # 30 days, then 50 of 200 sold in 31 days: 37.75, half up.
        (D("150"), [(D("100"), 30), (D("200"), 31)], D("37.8")),
        # A month of net credit notes counts whole and takes nothing off.
        (D("150"), [(D("-40"), 30), (D("300"), 31)], D("45.5")),
        (D("500"), [(D("100"), 30), (D("100"), 31)], None),
    ],
)
def test_count_back_walks_back_month_by_month(balance, months, expected):
    assert _count_back(balance, months) == expected


def test_count_back_gives_up_after_its_window(customer, finance_user):
    invoice(customer, finance_user, date(2023, 1, 10), "100.00")

    kpis = kpis_for_month(user=finance_user, as_of=date(2026, 3, 31))

    assert COUNT_BACK_MONTHS == 24
    assert kpis.dso_count_back is None


def test_periods_are_calendar_months_the_last_up_to_the_reporting_date():
    assert kpi_periods(as_of=date(2026, 3, 15), count=3) == [
        Period(date(2026, 1, 1), date(2026, 1, 31)),
        Period(date(2026, 2, 1), date(2026, 2, 28)),
        Period(date(2026, 3, 1), date(2026, 3, 15)),
    ]
    assert Period(date(2026, 3, 1), date(2026, 3, 15)).days == 15


def test_every_figure_of_a_period_uses_the_rate_of_its_last_day(manager_user, finance_user):
    euro_customer = CustomerFactory(currency="EUR")
    ExchangeRate.objects.create(currency="EUR", rate_date=date(2026, 2, 1), rate_to_base=D("7"))
    ExchangeRate.objects.create(currency="EUR", rate_date=date(2026, 3, 31), rate_to_base=D("8"))
    # Issued in February, due 13 March: open at the start of March, overdue at its end.
    invoice(euro_customer, finance_user, date(2026, 2, 11), "100.00")
    invoice(euro_customer, finance_user, date(2026, 3, 10), "50.00")

    february, march = kpis_by_month(user=manager_user, as_of=date(2026, 3, 31), months=2)

    assert (february.sales, february.closing) == (D("700.00"), D("700.00"))
    assert (march.opening, march.sales, march.closing, march.overdue) == (
        D("800.00"),
        D("400.00"),
        D("1200.00"),
        D("800.00"),
    )
    # In euros: 150 open on 50 sold in 31 days; at any single rate the same ratio.
    assert march.dso == D("93.0")
    assert march.missing_rates == ()


def test_a_currency_without_a_rate_is_named_and_left_out(manager_user, finance_user, customer):
    # Credit control needs the rate to issue the invoice; it is then removed, as if recorded in
    # error.
    rate = ExchangeRate.objects.create(
        currency="USD", rate_date=date(2026, 3, 2), rate_to_base=D("7")
    )
    invoice(CustomerFactory(currency="USD"), finance_user, date(2026, 3, 2), "10.00")
    rate.delete()
    invoice(customer, finance_user, date(2026, 3, 2), "310.00")

    kpis = kpis_for_month(user=manager_user, as_of=date(2026, 3, 31))

    assert kpis.missing_rates == ("USD",)
    assert (kpis.sales, kpis.closing, kpis.dso) == (D("310.00"), D("310.00"), D("31.0"))


def test_a_sales_rep_sees_only_their_own_customers(
    worked_example, sales_user, other_sales_user, finance_user
):
    invoice(CustomerFactory(owner=other_sales_user), finance_user, date(2026, 3, 1), "9999.00")

    mine = kpis_for_month(user=sales_user, as_of=date(2026, 3, 31))
    theirs = kpis_for_month(user=other_sales_user, as_of=date(2026, 3, 31))

    assert (mine.closing, mine.dso, mine.cei) == (D("4200.00"), D("48.2"), D("40.0"))
    assert (theirs.closing, theirs.sales, theirs.dso) == (D("9999.00"), D("9999.00"), D("31.0"))


def test_the_performance_table_has_a_line_per_sales_rep(
    worked_example, manager_user, sales_user, other_sales_user, finance_user
):
    invoice(CustomerFactory(owner=other_sales_user), finance_user, date(2026, 3, 1), "1000.00")
    unowned = CustomerFactory(owner=None)
    pay(
        unowned,
        finance_user,
        invoice(unowned, finance_user, date(2026, 2, 1), "50.00"),
        "50.00",
        date(2026, 3, 2),
    )

    rows = kpis_by_sales_rep(user=manager_user, as_of=date(2026, 3, 31))

    assert [row.rep for row in rows] == [sales_user, other_sales_user, None]
    mine, theirs, nobodys = rows
    assert figures(mine.kpis) == EXPECTED["2026-03"]
    # Received in March: payment P3 (2000); the bounced payment was received in February.
    assert mine.collected == D("2000.00")
    assert (theirs.kpis.closing, theirs.kpis.overdue, theirs.kpis.sales) == (
        D("1000.00"),
        D("0.00"),
        D("1000.00"),
    )
    assert (theirs.kpis.dso, theirs.kpis.best_dso, theirs.kpis.add, theirs.kpis.cei) == (
        D("31.0"),
        D("31.0"),
        D("0.0"),
        None,
    )
    assert theirs.collected == D("0.00")
    assert (nobodys.kpis.closing, nobodys.collected, nobodys.kpis.collection_rate.percent) == (
        D("0.00"),
        D("50.00"),
        D("100.0"),
    )


def test_a_sales_rep_gets_only_their_own_line(
    worked_example, sales_user, other_sales_user, finance_user
):
    invoice(CustomerFactory(owner=other_sales_user), finance_user, date(2026, 3, 1), "1000.00")

    rows = kpis_by_sales_rep(user=sales_user, as_of=date(2026, 3, 31))

    assert [(row.rep, row.kpis.closing) for row in rows] == [(sales_user, D("4200.00"))]


@pytest.mark.parametrize(
    ("as_of", "paid", "days_to_pay", "days_beyond_terms"),
    [
        # The payment applied on 25 February was undone on 3 March: it counts only before.
        (date(2026, 2, 28), D("2200.00"), D("41.5"), D("11.5")),
        (date(2026, 3, 31), D("3000.00"), D("54.7"), D("24.7")),
        # 20 April: the allocation undone on the 25th still stands.
        (date(2026, 4, 20), D("5200.00"), D("51.7"), D("21.7")),
        (date(2026, 4, 30), D("4200.00"), D("53.0"), D("23.0")),
    ],
)
def test_days_to_pay_are_weighted_by_the_amount_paid(
    worked_example, manager_user, as_of, paid, days_to_pay, days_beyond_terms
):
    result = customer_payment_days(user=manager_user, customer=worked_example, as_of=as_of)
    assert (result.paid_base, result.days_to_pay, result.days_beyond_terms) == (
        paid,
        days_to_pay,
        days_beyond_terms,
    )


def test_early_payers_have_negative_days_beyond_terms(customer, finance_user, manager_user):
    early = CustomerFactory()
    pay(
        early,
        finance_user,
        invoice(early, finance_user, date(2026, 1, 1), "100.00"),
        "100.00",
        date(2026, 1, 21),
    )
    pay(
        customer,
        finance_user,
        invoice(customer, finance_user, date(2026, 1, 1), "100.00"),
        "100.00",
        date(2026, 3, 2),
    )

    slowest_first = list(payment_days_by_customer(user=manager_user, as_of=date(2026, 3, 31)))

    assert [(c, c.days_to_pay, c.days_beyond_terms) for c in slowest_first] == [
        (customer, D("60.0"), D("30.0")),
        (early, D("20.0"), D("-10.0")),
    ]


def test_days_to_pay_are_scoped_and_need_a_payment(worked_example, other_sales_user, finance_user):
    unpaid = CustomerFactory(owner=other_sales_user)
    invoice(unpaid, finance_user, date(2026, 1, 1), "100.00")
    as_of = date(2026, 3, 31)

    assert (
        customer_payment_days(user=other_sales_user, customer=worked_example, as_of=as_of) is None
    )
    assert customer_payment_days(user=other_sales_user, customer=unpaid, as_of=as_of) is None
    assert list(payment_days_by_customer(user=other_sales_user, as_of=as_of)) == []


def _ledger(count: int, actor, reps):
    for index in range(count):
        customer = CustomerFactory(owner=reps[index % len(reps)])
        target = invoice(customer, actor, date(2025, 11 + index % 2, 5 + index), "100.00")
        pay(customer, actor, target, "40.00", date(2026, 1, 20))


def test_reports_cost_the_same_queries_whatever_the_data(manager_user, finance_user):
    reps = [UserFactory(role="Sales"), UserFactory(role="Sales")]
    as_of = date(2026, 3, 31)
    user_roles(manager_user)  # looked up once per request, before any report

    def cost() -> tuple[int, ...]:
        counts = []
        for report in (
            lambda: kpis_by_month(user=manager_user, as_of=as_of),
            lambda: kpis_by_sales_rep(user=manager_user, as_of=as_of),
            lambda: list(payment_days_by_customer(user=manager_user, as_of=as_of)),
        ):
            with CaptureQueriesContext(connection) as captured:
                report()
            counts.append(len(captured))
        return tuple(counts)

    _ledger(2, finance_user, reps)
    with_two = cost()
    _ledger(10, finance_user, reps + [UserFactory(role="Sales")])
    with_twelve = cost()

    assert with_two == with_twelve == (14, 5, 1)
