"""The nightly snapshot (reports.services.snapshot_take, reports.tasks.take_daily_snapshot):
exact rows for the worked example, a day recorded once (twice, after a crash, two runs at once)
and a fixed number of queries."""

import threading
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports import services
from reports.models import DailySnapshot
from reports.services import snapshot_take
from reports.tasks import take_daily_snapshot
from tests.factories import CustomerFactory, UserFactory
from tests.reports.kpi_example import build_worked_example, invoice, pay

ON_DATE = date(2026, 3, 31)
ROW_FIELDS = (
    "sales_rep",
    "open_amount",
    "overdue_amount",
    "aging",
    "sales",
    "cash_received",
    "dso",
    "dso_count_back",
    "best_dso",
    "cei",
    "collection_rate",
    "missing_rates",
)


def aging(current: str, days_1_30: str) -> dict:
    return {
        "current": current,
        "days_1_30": days_1_30,
        "days_31_60": "0.00",
        "days_61_90": "0.00",
        "days_91_180": "0.00",
        "days_181_365": "0.00",
        "over_365": "0.00",
    }


def rows_of(on_date: date) -> list[dict]:
    return list(
        DailySnapshot.objects.filter(on_date=on_date)
        .order_by("sales_rep_id", "pk")
        .values("pk", *ROW_FIELDS)
    )


def company_and_reps(customer, finance_user, other_sales_user):
    """The worked example (sales_user's customer), another rep's customer with 1,000 due on
    31 March, and a customer without a sales rep who paid 50 on 2 March."""
    build_worked_example(customer, finance_user)
    invoice(CustomerFactory(owner=other_sales_user), finance_user, date(2026, 3, 1), "1000.00")
    unowned = CustomerFactory(owner=None)
    pay(
        unowned,
        finance_user,
        invoice(unowned, finance_user, date(2026, 2, 1), "50.00"),
        "50.00",
        date(2026, 3, 2),
    )


@pytest.mark.django_db
def test_a_snapshot_records_the_company_and_each_sales_rep(
    customer, finance_user, sales_user, other_sales_user
):
    company_and_reps(customer, finance_user, other_sales_user)

    snapshot_take(on_date=ON_DATE)

    rows = {row["sales_rep"]: row for row in rows_of(ON_DATE)}
    assert set(rows) == {None, sales_user.pk, other_sales_user.pk}
    assert {key: rows[None][key] for key in ROW_FIELDS} == {
        "sales_rep": None,
        "open_amount": D("5200.00"),
        "overdue_amount": D("1200.00"),
        "aging": aging("4000.00", "1200.00"),
        "sales": D("3700.00"),
        "cash_received": D("2050.00"),
        "dso": D("43.6"),
        "dso_count_back": D("58.1"),
        "best_dso": D("33.5"),
        "cei": D("41.5"),
        "collection_rate": D("27.9"),
        "missing_rates": [],
    }
    assert {key: rows[sales_user.pk][key] for key in ROW_FIELDS} == {
        "sales_rep": sales_user.pk,
        "open_amount": D("4200.00"),
        "overdue_amount": D("1200.00"),
        "aging": aging("3000.00", "1200.00"),
        "sales": D("2700.00"),
        "cash_received": D("2000.00"),
        "dso": D("48.2"),
        "dso_count_back": D("59.0"),
        "best_dso": D("34.4"),
        "cei": D("40.0"),
        "collection_rate": D("40.0"),
        "missing_rates": [],
    }
    assert {key: rows[other_sales_user.pk][key] for key in ROW_FIELDS} == {
        "sales_rep": other_sales_user.pk,
        "open_amount": D("1000.00"),
        "overdue_amount": D("0.00"),
        "aging": aging("1000.00", "0.00"),
        "sales": D("1000.00"),
        "cash_received": D("0.00"),
        "dso": D("31.0"),
        "dso_count_back": D("31.0"),
        "best_dso": D("31.0"),
        "cei": None,
        "collection_rate": D("0.0"),
        "missing_rates": [],
    }


@pytest.mark.django_db
def test_a_second_run_the_same_day_changes_nothing(customer, finance_user, other_sales_user):
    company_and_reps(customer, finance_user, other_sales_user)
    first = snapshot_take(on_date=ON_DATE)
    recorded = rows_of(ON_DATE)
    # Even a payment dated that day, entered after the first run, leaves the record alone.
    pay(customer, finance_user, invoice(customer, finance_user, ON_DATE, "10.00"), "10.00", ON_DATE)

    second = snapshot_take(on_date=ON_DATE)

    assert rows_of(ON_DATE) == recorded
    assert [row.pk for row in second] == [row.pk for row in first]


@pytest.mark.django_db
def test_a_day_interrupted_while_written_is_not_half_recorded_and_is_completed_later(
    customer, finance_user, other_sales_user, monkeypatch
):
    company_and_reps(customer, finance_user, other_sales_user)
    write_rows = DailySnapshot.objects.bulk_create

    def write_then_die(rows, **options):
        write_rows(rows, **options)
        raise RuntimeError("worker lost")

    monkeypatch.setattr(DailySnapshot.objects, "bulk_create", write_then_die)
    with pytest.raises(RuntimeError):
        snapshot_take(on_date=ON_DATE)
    assert rows_of(ON_DATE) == []

    monkeypatch.setattr(DailySnapshot.objects, "bulk_create", write_rows)
    snapshot_take(on_date=ON_DATE)

    recorded = [row["sales_rep"] for row in rows_of(ON_DATE)]
    assert sorted(recorded, key=str) == sorted(
        [None, customer.owner_id, other_sales_user.pk], key=str
    )


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_record_the_day_once(monkeypatch):
    finance = UserFactory(role="Finance")
    rep = UserFactory(role="Sales")
    invoice(CustomerFactory(owner=rep), finance, date(2026, 3, 2), "100.00")
    # Both runs read the ledger before either writes: the second write meets the first's rows.
    both_have_read = threading.Barrier(2, timeout=10)
    read_kpis = services.kpis_for_month

    def read_then_wait(**arguments):
        kpis = read_kpis(**arguments)
        both_have_read.wait()
        return kpis

    monkeypatch.setattr(services, "kpis_for_month", read_then_wait)
    results, errors = [], []

    def run():
        try:
            results.append([row.pk for row in snapshot_take(on_date=ON_DATE)])
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert DailySnapshot.objects.filter(on_date=ON_DATE).count() == 2
    assert results[0] == results[1]


@pytest.mark.django_db
def test_the_task_defaults_to_today_and_can_run_twice(customer, finance_user, settings):
    today = timezone.localdate()
    invoice(customer, finance_user, today, "100.00")

    assert take_daily_snapshot() == 2
    assert take_daily_snapshot(today.isoformat()) == 2
    assert take_daily_snapshot("2020-01-31") == 1

    assert DailySnapshot.objects.filter(on_date=today).count() == 2
    company = DailySnapshot.objects.get(on_date=today, sales_rep=None)
    assert (company.open_amount, company.sales) == (D("100.00"), D("100.00"))
    assert settings.TIME_ZONE == "Asia/Shanghai"


def _ledger(count: int, actor, reps):
    for index in range(count):
        customer = CustomerFactory(owner=reps[index % len(reps)])
        target = invoice(customer, actor, date(2026, 1 + index % 3, 5 + index), "100.00")
        pay(customer, actor, target, "40.00", date(2026, 3, 20))


@pytest.mark.django_db
def test_a_snapshot_costs_the_same_queries_whatever_the_data(finance_user):
    _ledger(2, finance_user, [UserFactory(role="Sales")])
    with CaptureQueriesContext(connection) as small:
        snapshot_take(on_date=date(2026, 3, 30))
    _ledger(10, finance_user, [UserFactory(role="Sales") for _ in range(4)])
    with CaptureQueriesContext(connection) as large:
        snapshot_take(on_date=ON_DATE)

    assert DailySnapshot.objects.filter(on_date=ON_DATE).count() == 6
    assert len(small) == len(large)
