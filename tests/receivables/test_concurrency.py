"""Concurrent writers against a real PostgreSQL: real threads, each with its own connection,
released together by a barrier so their transactions overlap."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from accounts.roles import Role
from core.exceptions import ApplicationError
from receivables import services
from receivables.models import Allocation, Installment, Invoice, Payment
from receivables.selectors import ledger_discrepancies, payment_discrepancies
from tests.factories import CustomerFactory, UserFactory, issued_invoice, recorded_payment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

ROUNDS = 5


def run_together(*jobs):
    """Start every job at the same instant in its own thread; return (results, errors)."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [], []

    def runner(job):
        try:
            barrier.wait()
            results.append(job())
        except Exception as exc:  # collected and asserted by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.fixture
def finance():
    return UserFactory(username="c_finance", role=Role.FINANCE)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_users_allocating_one_payment_cannot_over_allocate(finance, round_):
    customer = CustomerFactory()
    first = issued_invoice(customer, actor=finance, amount=Decimal("800.00")).installments.get()
    second = issued_invoice(customer, actor=finance, amount=Decimal("800.00")).installments.get()
    payment = recorded_payment(customer, actor=finance, amount=Decimal("1000.00"))

    def allocate(installment):
        return lambda: services.payment_allocate(
            actor=finance,
            payment=payment,
            allocations=[(installment.pk, Decimal("800.00"))],
            applied_on=date(2026, 1, 20),
        )

    results, errors = run_together(allocate(first), allocate(second))
    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError)
    assert errors[0].code == "exceeds_payment"
    payment.refresh_from_db()
    assert payment.unapplied_amount == Decimal("200.00")
    assert Allocation.objects.filter(payment=payment).aggregate(t=Sum("amount"))["t"] == Decimal(
        "800.00"
    )
    assert not payment_discrepancies().exists()
    assert not ledger_discrepancies().exists()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_payments_on_one_installment_cannot_overpay_it(finance, round_):
    customer = CustomerFactory()
    installment = issued_invoice(
        customer, actor=finance, amount=Decimal("1000.00")
    ).installments.get()
    payments = [
        recorded_payment(customer, actor=finance, amount=Decimal("800.00")) for _ in range(2)
    ]

    def allocate(payment):
        return lambda: services.payment_allocate(
            actor=finance,
            payment=payment,
            allocations=[(installment.pk, Decimal("800.00"))],
            applied_on=date(2026, 1, 20),
        )

    results, errors = run_together(*(allocate(p) for p in payments))
    assert len(results) == 1
    assert len(errors) == 1 and errors[0].code == "exceeds_open_amount"
    installment.refresh_from_db()
    assert installment.open_amount == Decimal("200.00")
    assert sorted(Payment.objects.values_list("unapplied_amount", flat=True)) == [
        Decimal("0.00"),
        Decimal("800.00"),
    ]
    assert not ledger_discrepancies().exists()


def test_two_auto_allocations_racing_for_one_installment_keep_balances(finance):
    customer = CustomerFactory()
    installment = issued_invoice(
        customer, actor=finance, amount=Decimal("1000.00")
    ).installments.get()
    payment = recorded_payment(customer, actor=finance, amount=Decimal("1000.00"))
    other = recorded_payment(customer, actor=finance, amount=Decimal("1000.00"))
    results, errors = run_together(
        lambda: services.payment_allocate_auto(
            actor=finance, payment=payment, applied_on=date(2026, 1, 21)
        ),
        lambda: services.payment_allocate_auto(
            actor=finance, payment=other, applied_on=date(2026, 1, 21)
        ),
    )
    assert not errors
    installment.refresh_from_db()
    assert installment.open_amount == Decimal("0.00")
    assert sum(Payment.objects.values_list("unapplied_amount", flat=True)) == Decimal("1000.00")
    assert not ledger_discrepancies().exists()
    assert not payment_discrepancies().exists()


def test_concurrent_issuing_gives_gap_free_unique_numbers(finance):
    customer = CustomerFactory()
    drafts = [
        services.invoice_create_draft(
            actor=finance,
            customer=customer,
            issue_date=date(2026, 3, 1),
            lines=[
                {"description": "服务", "quantity": Decimal("1"), "unit_price": Decimal("10.00")}
            ],
        )
        for _ in range(24)
    ]
    failing_draft = drafts.pop()

    def issue_batch(batch):
        def job():
            for draft in batch:
                services.invoice_issue(actor=finance, invoice=draft)

        return job

    def issue_then_fail():
        # A transaction that takes a number and then rolls back must give the number back.
        with transaction.atomic():
            services.invoice_issue(actor=finance, invoice=failing_draft)
            raise RuntimeError("rolled back after taking a number")

    batches = [drafts[i::4] for i in range(4)]
    _results, errors = run_together(*(issue_batch(b) for b in batches), issue_then_fail)
    assert [type(e) for e in errors] == [RuntimeError]
    numbers = sorted(Invoice.objects.exclude(number=None).values_list("number", flat=True))
    assert numbers == [f"INV-2026-{n:06d}" for n in range(1, 24)]
    assert Installment.objects.count() == 23
