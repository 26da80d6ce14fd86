"""The aging report (reports.aging) against the hand-computed example in aging_world.py."""

from datetime import date
from decimal import Decimal as D

import pytest

from core.exceptions import ApplicationError
from reports.aging import (
    AgingGroup,
    AgingQuery,
    aging_installments,
    aging_report,
    parse_bucket_bounds,
)
from reports.selectors import AGING_BUCKETS, AgingBasis, AgingBucket, aging_buckets
from tests.factories import CustomerFactory
from tests.reports.aging_world import (
    AS_OF,
    CHINESE_NAME,
    EXPECTED_BY_CUSTOMER,
    EXPECTED_GRAND_TOTAL,
    EXPECTED_TOTALS,
    LATER,
    build_example_ledger,
    invoice,
    relax_credit_control,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(finance_user):
    return build_example_ledger(finance_user)


def nonzero(amounts: dict) -> dict:
    return {key: amount for key, amount in amounts.items() if amount}


def by_label(report) -> dict:
    return {row.label: (nonzero(row.amounts), row.total) for row in report.rows}


def test_past_date_reproduces_what_was_open_then_despite_later_payments_credits_and_reversals(
    ledger, finance_user
):
    report = aging_report(user=finance_user, query=AgingQuery(as_of=AS_OF))

    assert [bucket.key for bucket in report.buckets] == [bucket.key for bucket in AGING_BUCKETS]
    assert {row.label.split()[0]: nonzero(row.amounts) for row in report.rows} == (
        EXPECTED_BY_CUSTOMER
    )
    assert [(row.label, row.total) for row in report.rows] == [
        (f"A001 {CHINESE_NAME}", D("2850.00")),
        ("B001 Northwind", D("933.31")),
        ("C001 无主", D("150.00")),
    ]
    assert report.totals == EXPECTED_TOTALS
    assert report.total == EXPECTED_GRAND_TOTAL
    assert report.missing_rates == ()


def test_today_shows_the_later_payments_credit_notes_and_reopened_items(ledger, finance_user):
    report = aging_report(user=finance_user, query=AgingQuery(as_of=LATER))

    rows = by_label(report)
    # A1 600 (the payment reversed on 04-10 reopened 200): 85 days past due; A2 paid; A3 350.
    assert rows[f"A001 {CHINESE_NAME}"] == (
        {"days_61_90": D("600.00"), "over_365": D("350.00")},
        D("950.00"),
    )
    # Converted at the rate of 04-01 (7.50): 750.00 and 249.975 → 249.98.
    assert rows["B001 Northwind"] == (
        {"days_61_90": D("750.00"), "days_91_180": D("249.98")},
        D("999.98"),
    )


def test_days_since_invoice_date(ledger, finance_user):
    query = AgingQuery(as_of=AS_OF, basis=AgingBasis.DAYS_SINCE_INVOICE)

    report = aging_report(user=finance_user, query=query)

    assert [bucket.key for bucket in report.buckets] == [
        "days_0_30",
        "days_31_60",
        "days_61_90",
        "days_91_180",
        "days_181_365",
        "over_365",
    ]
    # A1 85 days old, A2 11, A3 423; B1 70, B2 150; C1 30, C2 120.
    assert nonzero(report.totals) == {
        "days_0_30": D("2080.00"),
        "days_61_90": D("1100.00"),
        "days_91_180": D("303.31"),
        "over_365": D("450.00"),
    }
    assert report.total == EXPECTED_GRAND_TOTAL


def test_custom_buckets(ledger, finance_user):
    query = AgingQuery(as_of=AS_OF, bounds=parse_bucket_bounds("30,60,90"))

    report = aging_report(user=finance_user, query=query)

    assert [(bucket.key, bucket.label) for bucket in report.buckets] == [
        ("current", "Current"),
        ("days_1_30", "1–30 days"),
        ("days_31_60", "31–60 days"),
        ("days_61_90", "61–90 days"),
        ("over_90", "Over 90 days"),
    ]
    assert report.totals == {
        "current": D("2080.00"),
        "days_1_30": D("0.00"),
        "days_31_60": D("1100.00"),
        "days_61_90": D("70.00"),
        "over_90": D("683.31"),
    }


@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        (
            AgingGroup.SALES_REP,
            [("刘洋", D("2850.00")), ("rep_north", D("933.31")), ("No sales rep", D("150.00"))],
        ),
        (
            AgingGroup.REGION,
            [("华东", D("2850.00")), ("华北", D("933.31")), ("No region", D("150.00"))],
        ),
        (
            AgingGroup.TIER,
            [
                ("A (key account)", D("2850.00")),
                ("B (regular)", D("933.31")),
                ("C (occasional)", D("150.00")),
            ],
        ),
        (AgingGroup.CURRENCY, [("CNY", D("3000.00")), ("USD", D("933.31"))]),
    ],
)
def test_grouping(ledger, finance_user, group_by, expected):
    report = aging_report(user=finance_user, query=AgingQuery(as_of=AS_OF, group_by=group_by))

    assert [(row.label, row.total) for row in report.rows] == expected
    assert report.totals == EXPECTED_TOTALS
    assert report.total == EXPECTED_GRAND_TOTAL


def test_grouped_by_currency_rows_also_carry_their_own_currency(ledger, finance_user):
    report = aging_report(
        user=finance_user, query=AgingQuery(as_of=AS_OF, group_by=AgingGroup.CURRENCY)
    )

    usd = next(row for row in report.rows if row.group == "USD")
    assert nonzero(usd.currency_amounts) == {"days_31_60": D("100.00"), "days_91_180": D("33.33")}
    assert usd.currency_total == D("133.33")
    assert nonzero(usd.amounts) == {"days_31_60": D("700.00"), "days_91_180": D("233.31")}
    cny = next(row for row in report.rows if row.group == "CNY")
    assert cny.currency_total == cny.total == D("3000.00")


def test_filters(ledger, finance_user):
    def total(**filters):
        return aging_report(user=finance_user, query=AgingQuery(as_of=AS_OF, **filters)).total

    assert total(owner=ledger.rep_a) == D("2850.00")
    assert total(region="华北") == D("933.31")
    assert total(tier="C") == D("150.00")
    assert total(currency="USD") == D("933.31")
    assert total(currency="EUR") == D("0.00")


def test_a_sales_rep_sees_only_their_customers(ledger):
    report = aging_report(user=ledger.rep_a, query=AgingQuery(as_of=AS_OF))

    assert [row.group for row in report.rows] == [ledger.a.pk]
    assert report.total == D("2850.00")


def test_currencies_without_a_rate_are_named_and_left_out(finance_user):
    relax_credit_control()
    euros = CustomerFactory(currency="EUR", credit_limit=0)
    invoice(euros, finance_user, "10.00", date(2026, 3, 1))
    invoice(CustomerFactory(), finance_user, "5.00", date(2026, 3, 1))

    report = aging_report(user=finance_user, query=AgingQuery(as_of=AS_OF))

    assert report.missing_rates == ("EUR",)
    assert report.total == D("5.00")


def test_drilldown_lists_the_installments_of_a_cell(ledger, finance_user):
    query = AgingQuery(as_of=AS_OF)

    cell = aging_installments(
        user=finance_user, query=query, group=ledger.a.pk, in_group=True, bucket_key="days_31_60"
    )
    whole_bucket = aging_installments(user=finance_user, query=query, bucket_key="days_31_60")
    no_rep = aging_installments(
        user=finance_user,
        query=AgingQuery(as_of=AS_OF, group_by=AgingGroup.SALES_REP),
        group=None,
        in_group=True,
    )

    assert [(i.invoice_id, i.open_as_of, i.open_base, i.age.days) for i in cell] == [
        (ledger.invoices["A1"].pk, D("400.00"), D("400.00"), 55)
    ]
    assert [i.invoice_id for i in whole_bucket] == [
        ledger.invoices["A1"].pk,
        ledger.invoices["B1"].pk,
    ]
    assert [i.invoice_id for i in no_rep] == [ledger.invoices["C2"].pk, ledger.invoices["C1"].pk]
    assert sum(i.open_base for i in whole_bucket) == EXPECTED_TOTALS["days_31_60"]


def test_drilldown_refuses_an_unknown_bucket(finance_user):
    with pytest.raises(ApplicationError) as refused:
        aging_installments(user=finance_user, query=AgingQuery(as_of=AS_OF), bucket_key="x")
    assert refused.value.field == "bucket"


@pytest.mark.parametrize(
    "text", ["30,x", "0,30", "60,30", "30,30", "-5", ",".join(["1"] * 13), "40000"]
)
def test_bad_bucket_boundaries_are_refused_on_the_buckets_parameter(text):
    with pytest.raises(ApplicationError) as refused:
        parse_bucket_bounds(text)
    assert refused.value.field == "buckets"


def test_bucket_boundaries():
    assert parse_bucket_bounds(" ") == (30, 60, 90, 180, 365)
    assert parse_bucket_bounds("7, 14") == (7, 14)
    assert aging_buckets((7, 14)) == (
        AgingBucket(None, 0),
        AgingBucket(1, 7),
        AgingBucket(8, 14),
        AgingBucket(15, None),
    )
    assert aging_buckets((7,), basis=AgingBasis.DAYS_SINCE_INVOICE) == (
        AgingBucket(0, 7),
        AgingBucket(8, None),
    )
