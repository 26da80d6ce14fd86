"""The run reads the book in a fixed number of queries; each customer then costs the same
fixed number of writes (its own transaction), however many installments it has."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from arcollections.services.dunning import dunning_run, dunning_send_queued
from tests.collections.conftest import dunned_customer, invoice_due

pytestmark = pytest.mark.django_db

RUN_DATE = date(2026, 3, 19)


def _book(customers: int, finance_user, *, invoices_each: int = 1):
    for _ in range(customers):
        customer = dunned_customer()
        for n in range(invoices_each):
            invoice_due(customer, actor=finance_user, due=RUN_DATE - timedelta(days=1 + n))


def _queries(callable_) -> int:
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured.captured_queries)


@pytest.mark.parametrize("invoices_each", [1, 3])
def test_a_run_costs_fixed_reads_plus_fixed_writes_per_customer(
    standard_policy, finance_user, invoices_each
):
    _book(2, finance_user, invoices_each=invoices_each)
    two = _queries(lambda: dunning_run(run_date=RUN_DATE))
    _book(3, finance_user, invoices_each=invoices_each)  # 3 more customers, due the same way
    five_minus_done = _queries(lambda: dunning_run(run_date=RUN_DATE))

    # Reads: the run record (get or create: 4), steps, due installments, customers, contacts,
    # company profile, templates, and the run record's update. Per customer: savepoint, row
    # lock, today's messages, its notices so far, the message and its history row, the new
    # notices, release. The second run finds the run record: one query where the first took 4.
    reads, per_customer = 11, 8
    assert two == reads + 2 * per_customer
    assert five_minus_done == reads - 3 + 3 * per_customer


def test_sending_costs_a_fixed_number_of_queries_per_message(
    standard_policy, finance_user, mailoutbox
):
    _book(2, finance_user)
    dunning_run(run_date=RUN_DATE)
    two = _queries(dunning_send_queued)
    _book(4, finance_user)
    dunning_run(run_date=RUN_DATE + timedelta(days=1))
    four = _queries(dunning_send_queued)

    assert len(mailoutbox) == 6
    assert four - 1 == 2 * (two - 1)
