"""Property: for random ledgers (invoices, payments, reversals, credit notes on random dates)
and a random reporting date, the aging report's grand total is the sum of the installments
open on that date, worked out here in Python from the allocation rows; and whatever the
grouping, basis or buckets, the buckets and the groups add up to it."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.exceptions import ApplicationError
from receivables import services
from receivables.models import Allocation, Installment, PaymentTerms
from reports.aging import AgingGroup, AgingQuery, aging_report
from reports.selectors import AgingBasis
from tests.factories import CustomerFactory, PaymentTermsFactory, UserFactory
from tests.reports.aging_world import relax_credit_control, set_rate

START = date(2025, 1, 1)
CENT = Decimal("0.01")
# USD to the base currency: 7.1234 from before the first invoice, 6.9 from 2025-06-01.
USD_RATES = [(date(2024, 1, 1), Decimal("7.1234")), (date(2025, 6, 1), Decimal("6.9"))]

days = st.integers(min_value=0, max_value=500)
shares = st.sampled_from([Decimal("0.25"), Decimal("0.5"), Decimal("1")])
events = st.one_of(
    st.tuples(
        st.just("invoice"),
        st.integers(0, 2),  # customer
        st.integers(1, 300_000),  # cents
        days,
        st.booleans(),  # split terms
    ),
    st.tuples(st.just("pay"), st.integers(0, 20), shares, days),
    st.tuples(st.just("reverse"), st.integers(0, 20), days),
    st.tuples(st.just("credit"), st.integers(0, 20), shares, days),
)


def _attempt(operation):
    """Run a service call; a refusal (e.g. a date before the document) leaves nothing behind."""
    try:
        return operation()
    except ApplicationError:
        return None


def _usd_rate(on_date: date) -> Decimal:
    return [rate for since, rate in USD_RATES if since <= on_date][-1]


def _open_on(as_of: date) -> Decimal:
    """Σ over installments issued by `as_of` of (amount - allocations applied by then),
    converted per installment at `as_of`'s rate and rounded half up to the cent."""
    total = Decimal("0.00")
    for installment in Installment.objects.select_related("invoice"):
        if installment.invoice.issue_date > as_of:
            continue
        settled = sum(
            (
                allocation.amount
                for allocation in Allocation.objects.filter(installment=installment)
                if allocation.applied_on <= as_of
            ),
            Decimal("0.00"),
        )
        open_then = installment.amount - settled
        if open_then <= 0:
            continue
        rate = Decimal(1) if installment.currency == "CNY" else _usd_rate(as_of)
        total += (open_then * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    return total


def _play(finance_user, customers, split_terms, script):
    invoices, payments = [], []
    for event in script:
        kind = event[0]
        if kind == "invoice":
            _, customer_index, cents, offset, split = event
            draft = services.invoice_create_draft(
                actor=finance_user,
                customer=customers[customer_index],
                issue_date=START + timedelta(days=offset),
                payment_terms=split_terms if split else None,
                lines=[
                    {
                        "description": "货物",
                        "quantity": Decimal("1"),
                        "unit_price": Decimal(cents) * CENT,
                        "tax_rate": Decimal("0"),
                    }
                ],
            )
            invoices.append(services.invoice_issue(actor=finance_user, invoice=draft))
        elif kind == "pay" and invoices:
            _, index, share, offset = event
            invoice = invoices[index % len(invoices)]
            installment = invoice.installments.order_by("sequence").first()
            installment.refresh_from_db()
            amount = (installment.open_amount * share).quantize(CENT)
            on = invoice.issue_date + timedelta(days=offset)
            if amount <= 0:
                continue
            payment = services.payment_record(
                actor=finance_user, customer=invoice.customer, received_on=on, amount=amount
            )
            _attempt(
                lambda payment=payment, installment=installment, amount=amount, on=on: (
                    services.payment_allocate(
                        actor=finance_user,
                        payment=payment,
                        allocations=[(installment.pk, amount)],
                        applied_on=on,
                    )
                )
            )
            payments.append(payment)
        elif kind == "reverse" and payments:
            _, index, offset = event
            payment = payments[index % len(payments)]
            payment.refresh_from_db()
            _attempt(
                lambda payment=payment, offset=offset: services.payment_reverse(
                    actor=finance_user,
                    payment=payment,
                    reversed_on=payment.received_on + timedelta(days=offset),
                    reason="退票",
                )
            )
        elif kind == "credit" and invoices:
            _, index, share, offset = event
            invoice = invoices[index % len(invoices)]
            open_total = sum(i.open_amount for i in invoice.installments.all())
            amount = (open_total * share).quantize(CENT)
            if amount <= 0:
                continue
            _attempt(
                lambda invoice=invoice, amount=amount, offset=offset: services.credit_note_issue(
                    actor=finance_user,
                    invoice=invoice,
                    amount=amount,
                    reason="折让",
                    issue_date=invoice.issue_date + timedelta(days=offset),
                )
            )


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    script=st.lists(events, min_size=1, max_size=14),
    as_of_offset=st.integers(min_value=0, max_value=900),
    group_by=st.sampled_from(AgingGroup.values),
    basis=st.sampled_from(AgingBasis.values),
    bounds=st.sampled_from([(30, 60, 90, 180, 365), (7,), (15, 45, 400)]),
)
def test_grand_total_is_the_sum_of_installments_open_on_the_date(
    finance_user, script, as_of_offset, group_by, basis, bounds
):
    with transaction.atomic():
        relax_credit_control()
        rep = UserFactory(username="prop_rep", role="Sales")
        customers = [
            CustomerFactory(credit_limit=Decimal("100000000"), owner=rep, region="华东"),
            CustomerFactory(credit_limit=Decimal("100000000"), tier="A"),
            CustomerFactory(credit_limit=Decimal("100000000"), currency="USD"),
        ]
        for since, rate in USD_RATES:
            set_rate(finance_user, "USD", since, str(rate))
        split_terms = PaymentTermsFactory(
            code="SPLIT", name="50/50", basis=PaymentTerms.Basis.END_OF_MONTH
        )
        services.payment_terms_update(
            actor=finance_user,
            terms=split_terms,
            schedule=[
                {"percent": Decimal("50"), "days": 30},
                {"percent": Decimal("50"), "days": 90},
            ],
        )
        _play(finance_user, customers, split_terms, script)
        as_of = START + timedelta(days=as_of_offset)

        report = aging_report(
            user=finance_user,
            query=AgingQuery(as_of=as_of, group_by=group_by, basis=basis, bounds=bounds),
        )

        assert report.total == _open_on(as_of)
        assert sum(report.totals.values()) == report.total
        assert sum(row.total for row in report.rows) == report.total
        for row in report.rows:
            assert sum(row.amounts.values()) == row.total
        assert report.missing_rates == ()
        transaction.set_rollback(True)
