"""A bank line is applied once, whoever acts on it at the same moment: two users, or the
engine's automatic posting and a user. Real threads on a real PostgreSQL, released together."""

from decimal import Decimal

import pytest
from django.db import connection

from accounts.roles import Role
from core.exceptions import ApplicationError
from receivables.models import Payment
from receivables.selectors import ledger_discrepancies, payment_discrepancies
from reconciliation.models import BankLine, MatchSuggestion, MatchSuggestionItem
from reconciliation.services.lines import bank_line_accept, bank_line_apply
from tests.factories import CustomerFactory, UserFactory, bank_line, issued_invoice
from tests.receivables.test_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

ROUNDS = 3


@pytest.fixture
def clerks():
    return (
        UserFactory(username="rec_clerk_a", role=Role.FINANCE),
        UserFactory(username="rec_clerk_b", role=Role.FINANCE),
    )


def _line_with_suggestion(customer, actor):
    installment = issued_invoice(customer, actor=actor, amount=Decimal("700.00")).installments.get()
    line = bank_line(amount="700.00", remittance="INV payment")
    suggestion = MatchSuggestion.objects.create(
        line=line, customer=customer, confidence=80, evidence=[]
    )
    MatchSuggestionItem.objects.create(
        suggestion=suggestion, installment=installment, amount=Decimal("700.00")
    )
    BankLine.objects.filter(pk=line.pk).update(status=BankLine.Status.SUGGESTED)
    line.refresh_from_db()
    return line, suggestion, installment


def _assert_applied_once(line, installment):
    line.refresh_from_db()
    installment.refresh_from_db()
    assert line.status == BankLine.Status.APPLIED
    assert Payment.objects.count() == 1 and Payment.objects.get() == line.payment
    assert installment.open_amount == Decimal("0.00")
    assert not ledger_discrepancies().exists()
    assert not payment_discrepancies().exists()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_users_accepting_one_line_apply_it_once(clerks, round_):
    customer = CustomerFactory()
    line, suggestion, installment = _line_with_suggestion(customer, clerks[0])

    results, errors = run_together(
        *(
            lambda clerk=clerk: bank_line_accept(actor=clerk, line=line, suggestion=suggestion)
            for clerk in clerks
        )
    )

    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError)
    assert errors[0].code in {"line_not_open", "suggestion_decided"}
    _assert_applied_once(line, installment)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_the_engine_and_a_user_at_once_apply_it_once(clerks, round_):
    customer = CustomerFactory()
    line, suggestion, installment = _line_with_suggestion(customer, clerks[0])

    def engine():
        return bank_line_apply(
            actor=None,
            line=line,
            customer=customer,
            allocations=[(installment.pk, Decimal("700.00"))],
            automatically=True,
            suggestion=suggestion,
        )

    def user():
        return bank_line_accept(actor=clerks[1], line=line, suggestion=suggestion)

    results, errors = run_together(engine, user)

    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError)
    _assert_applied_once(line, installment)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_lines_for_one_installment_settle_it_once(clerks, round_):
    customer = CustomerFactory()
    installment = issued_invoice(
        customer, actor=clerks[0], amount=Decimal("500.00")
    ).installments.get()
    lines = [bank_line(amount="500.00"), bank_line(amount="500.00")]

    results, errors = run_together(
        *(
            lambda clerk=clerk, line=line: bank_line_apply(
                actor=clerk,
                line=line,
                customer=customer,
                allocations=[(installment.pk, Decimal("500.00"))],
            )
            for clerk, line in zip(clerks, lines, strict=True)
        )
    )

    assert len(results) == 1
    assert len(errors) == 1 and errors[0].code == "exceeds_open_amount"
    installment.refresh_from_db()
    assert installment.open_amount == Decimal("0.00")
    assert Payment.objects.count() == 1
    assert sorted(BankLine.objects.values_list("status", flat=True)) == ["applied", "unmatched"]
    assert not ledger_discrepancies().exists()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_users_crediting_one_line_to_a_customer_record_one_payment(clerks, round_):
    # No installment is locked on this path: only the line's own lock keeps it single.
    customer = CustomerFactory()
    line = bank_line(amount="321.00")

    results, errors = run_together(
        *(
            lambda clerk=clerk: bank_line_apply(
                actor=clerk, line=line, customer=customer, allocations=[]
            )
            for clerk in clerks
        )
    )

    assert len(results) == 1
    assert len(errors) == 1 and errors[0].code == "line_not_open"
    line.refresh_from_db()
    assert Payment.objects.count() == 1 and line.payment == Payment.objects.get()
    assert line.payment.unapplied_amount == Decimal("321.00")
