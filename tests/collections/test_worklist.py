"""The collector's worklist: who needs action on a day, ranked by risk = overdue amount × days
overdue × rating weight, with what to do for each; scoped by role; constant queries."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from arcollections.models import (
    Activity,
    CollectionProfile,
    DunningMessage,
    DunningStep,
    PromiseToPay,
)
from arcollections.selectors.worklist import with_next_steps, worklist
from receivables.services import exchange_rate_set
from tests.collections.conftest import invoice_due, seed_policies
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

ON = date(2026, 4, 1)  # a Wednesday, a working day


def _rows(user, on_date=ON, **kwargs):
    return [
        (c.code, c.overdue_base, c.days_overdue, c.rating_weight, c.risk_score)
        for c in worklist(user=user, on_date=on_date, **kwargs)
    ]


@pytest.fixture
def ranked(finance_user, sales_user):
    """Three customers owing on 2026-04-01:
    A: 10,000.00 due 2026-03-02 (30 days), rated AA (0.75)  → 225,000.00
    B:  5,000.00 due 2026-01-31 (60 days), rated C (3.00)   → 900,000.00
    C: 20,000.00 due 2026-03-22 (10 days) and 500.00 not yet due, unrated (1.00) → 200,000.00
    """
    a = CustomerFactory(code="A1", credit_rating="AA", owner=sales_user)
    invoice_due(a, actor=finance_user, due=date(2026, 3, 2), amount=Decimal("10000.00"))
    b = CustomerFactory(code="B1", credit_rating="C")
    invoice_due(b, actor=finance_user, due=date(2026, 1, 31), amount=Decimal("5000.00"))
    c = CustomerFactory(code="C1")
    invoice_due(c, actor=finance_user, due=date(2026, 3, 22), amount=Decimal("20000.00"))
    invoice_due(c, actor=finance_user, due=date(2026, 4, 15), amount=Decimal("500.00"))
    return a, b, c


def test_customers_are_ranked_by_overdue_times_days_times_rating_weight(ranked, finance_user):
    assert _rows(finance_user) == [
        ("B1", Decimal("5000.00"), 60, Decimal("3.00"), Decimal("900000.00")),
        ("A1", Decimal("10000.00"), 30, Decimal("0.75"), Decimal("225000.00")),
        ("C1", Decimal("20000.00"), 10, Decimal("1.00"), Decimal("200000.00")),
    ]


def test_days_count_from_the_oldest_overdue_item_and_amounts_convert_to_base(finance_user, ranked):
    _a, _b, c = ranked
    exchange_rate_set(
        actor=finance_user, currency="USD", rate_date=date(2026, 3, 31), rate_to_base=Decimal("7.1")
    )
    usd = CustomerFactory(code="U1", currency="USD", credit_rating="B")
    invoice_due(usd, actor=finance_user, due=date(2026, 3, 27), amount=Decimal("100.00"))
    invoice_due(usd, actor=finance_user, due=date(2026, 3, 30), amount=Decimal("100.00"))

    rows = {row[0]: row for row in _rows(finance_user)}
    # 200.00 USD × 7.1 = 1,420.00; oldest 2026-03-27 → 5 days; B weighs 1.75.
    assert rows["U1"] == ("U1", Decimal("1420.00"), 5, Decimal("1.75"), Decimal("12425.00"))


def test_a_sales_rep_sees_only_their_customers_and_mine_narrows_finance_too(
    ranked, finance_user, sales_user
):
    a, b, _c = ranked
    assert [row[0] for row in _rows(sales_user)] == ["A1"]
    assert _rows(finance_user, mine=True) == []
    DunningMessage.objects.create(
        customer=b,
        step=_call_step(),
        run_date=ON,
        channel="call",
        status=DunningMessage.Status.OPEN_TASK,
        language="zh-hans",
        assigned_to=finance_user,
    )
    assert [row[0] for row in _rows(finance_user, mine=True)] == ["B1"]


def _call_step():
    seed_policies()
    return DunningStep.objects.filter(policy__code="STANDARD", channel="call").get()


def test_customers_with_nothing_to_do_are_left_out_and_other_reasons_bring_them_in(
    finance_user,
):
    quiet = CustomerFactory(code="Q1")
    invoice_due(quiet, actor=finance_user, due=date(2026, 4, 10))
    archived = CustomerFactory(code="X1")
    invoice_due(archived, actor=finance_user, due=date(2026, 1, 10))
    archived.is_archived = True
    archived.save(update_fields=["is_archived"])
    assert _rows(finance_user) == []

    Activity.objects.create(
        customer=quiet,
        kind="call",
        occurred_at=timezone.make_aware(datetime(2026, 3, 20, 9)),
        next_follow_up_on=ON,
    )
    row = worklist(user=finance_user, on_date=ON).get()
    assert (row.code, row.follow_up_on, row.risk_score) == ("Q1", ON, Decimal("0.00"))
    # The follow-up of the latest activity counts: a later call without one clears it.
    Activity.objects.create(
        customer=quiet, kind="call", occurred_at=timezone.make_aware(datetime(2026, 3, 31, 9))
    )
    assert _rows(finance_user) == []

    PromiseToPay.objects.create(
        customer=quiet,
        amount=Decimal("1.00"),
        currency="CNY",
        promised_on=date(2026, 3, 20),
        promised_date=ON,
    )
    row = worklist(user=finance_user, on_date=ON).get()
    assert (row.code, row.promises_due, row.next_promise_date) == ("Q1", 1, ON)


def test_an_open_task_brings_a_customer_in(finance_user):
    customer = CustomerFactory(code="T1")
    DunningMessage.objects.create(
        customer=customer,
        step=_call_step(),
        run_date=ON,
        channel="call",
        status=DunningMessage.Status.OPEN_TASK,
        language="zh-hans",
    )
    assert [(c.code, c.open_tasks) for c in worklist(user=finance_user, on_date=ON)] == [("T1", 1)]


def test_an_item_nearing_limitation_brings_a_customer_in(finance_user):
    customer = CustomerFactory(code="L1")
    # Due 2023-04-10: its limitation date 2026-04-10 is 9 days away.
    invoice_due(customer, actor=finance_user, due=date(2023, 4, 10))
    row = worklist(user=finance_user, on_date=ON).get()
    assert (row.code, row.limitation_items) == ("L1", 1)


def test_the_next_step_comes_from_the_policy_and_pauses_show(finance_user, standard_policy):
    upcoming = CustomerFactory(code="N1")
    invoice_due(upcoming, actor=finance_user, due=date(2026, 4, 10))
    paused = CustomerFactory(code="P1")
    invoice_due(paused, actor=finance_user, due=date(2026, 4, 10))
    CollectionProfile.objects.create(customer=paused, do_not_contact=True)
    for customer in (upcoming, paused):
        Activity.objects.create(
            customer=customer,
            kind="note",
            occurred_at=timezone.make_aware(datetime(2026, 3, 30, 9)),
            next_follow_up_on=ON,
        )

    rows = with_next_steps(list(worklist(user=finance_user, on_date=ON)), on_date=ON)

    by_code = {row.code: row for row in rows}
    step = by_code["N1"].next_step
    # The courtesy reminder 3 days before 2026-04-10: 2026-04-07, a Tuesday.
    assert (step.step.offset_days, step.due_on, by_code["N1"].dunning_paused) == (
        -3,
        date(2026, 4, 7),
        "",
    )
    assert (by_code["P1"].next_step, str(by_code["P1"].dunning_paused)) == (None, "do not contact")


def test_the_page_ranks_and_offers_one_click_logging(client, finance_user, auditor_user):
    today = timezone.localdate()
    low = CustomerFactory(code="LOW", credit_rating="AAA")
    invoice_due(low, actor=finance_user, due=today - timedelta(days=5))
    high = CustomerFactory(code="HIGH", credit_rating="C")
    invoice_due(high, actor=finance_user, due=today - timedelta(days=40))

    client.force_login(finance_user)
    response = client.get(reverse("collections-worklist"), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert [c.code for c in response.context["page"]] == ["HIGH", "LOW"]
    # 1,000.00 × 40 × 3.00 = 120,000.00
    assert response.context["page"][0].risk_score == Decimal("120000.00")
    assert body.index(f'data-worklist-customer="{high.pk}"') < body.index(
        f'data-worklist-customer="{low.pk}"'
    )
    assert f'data-log-activity="{high.pk}"' in body

    client.force_login(auditor_user)
    body = client.get(reverse("collections-worklist")).content.decode()
    assert f'data-worklist-customer="{high.pk}"' in body
    assert "data-log-activity" not in body


def test_the_page_costs_the_same_queries_for_more_customers(client, finance_user, standard_policy):
    today = timezone.localdate()

    def add(count):
        for _ in range(count):
            customer = CustomerFactory()
            invoice_due(customer, actor=finance_user, due=today - timedelta(days=20))
            invoice_due(customer, actor=finance_user, due=today + timedelta(days=20))

    client.force_login(finance_user)
    url = reverse("collections-worklist")
    add(2)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url).context["page"]) == 2
    add(10)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).context["page"]) == 12
    assert len(many) == len(few)
