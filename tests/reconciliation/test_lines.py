"""Decisions on a bank line: apply, accept, reject, ignore, undo, bulk accept; payer learning."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.roles import Role
from core.exceptions import ApplicationError
from receivables.models import Allocation, BankCharge, Invoice, Payment
from receivables.selectors import ledger_discrepancies, payment_discrepancies
from receivables.services import payment_allocate, payment_record
from reconciliation.models import BankLine, MatchSuggestion, MatchSuggestionItem, PayerLink
from reconciliation.services.lines import (
    bank_line_accept,
    bank_line_apply,
    bank_line_ignore,
    bank_line_reject,
    bank_line_undo,
    bank_line_unignore,
    bank_lines_accept_bulk,
    payer_link_learn,
)
from tests.factories import CustomerFactory, UserFactory, bank_line, issued_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance():
    return UserFactory(username="rec_finance", role=Role.FINANCE)


@pytest.fixture
def buyer():
    return CustomerFactory(legal_name="上海华润贸易有限公司")


def _installment(customer, actor, amount, issue_date=date(2026, 1, 10)):
    return issued_invoice(customer, actor=actor, amount=Decimal(amount), issue_date=issue_date)


def _suggest(line, customer, items, *, confidence=80, rank=1, fee=Decimal("0")):
    suggestion = MatchSuggestion.objects.create(
        line=line,
        customer=customer,
        rank=rank,
        confidence=confidence,
        evidence=[{"kind": "amount_exact", "detail": "", "points": confidence}],
        fee_amount=fee,
    )
    for installment, amount in items:
        MatchSuggestionItem.objects.create(
            suggestion=suggestion, installment=installment, amount=Decimal(amount)
        )
    BankLine.objects.filter(pk=line.pk).update(
        status=BankLine.Status.SUGGESTED, customer=customer, confidence=confidence
    )
    line.refresh_from_db()
    return suggestion


def _assert_ledger_consistent():
    assert not ledger_discrepancies().exists()
    assert not payment_discrepancies().exists()


def test_apply_pays_two_installments_and_learns_the_payer(finance, buyer):
    first = _installment(buyer, finance, "600.00").installments.get()
    second = _installment(buyer, finance, "400.00", date(2026, 1, 15)).installments.get()
    line = bank_line(
        amount="1000.00",
        counterparty_name="上海华润贸易（中国）有限公司",
        counterparty_account="6222 0210 0112 3456",
        bank_reference="CMB20260201001",
    )

    payment = bank_line_apply(
        actor=finance,
        line=line,
        customer=buyer,
        allocations=[(first.pk, Decimal("600.00")), (second.pk, Decimal("400.00"))],
    )

    assert payment.amount == Decimal("1000.00") and payment.currency == "CNY"
    assert payment.received_on == date(2026, 2, 1)
    assert payment.reference == "CMB20260201001"
    assert payment.unapplied_amount == Decimal("0.00")
    assert payment.status == Payment.Status.APPLIED
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.open_amount == second.open_amount == Decimal("0.00")
    assert set(
        Allocation.objects.filter(payment=payment).values_list("installment_id", "applied_on")
    ) == {(first.pk, date(2026, 2, 1)), (second.pk, date(2026, 2, 1))}
    line.refresh_from_db()
    assert line.status == BankLine.Status.APPLIED
    assert line.payment == payment and line.customer == buyer
    assert line.applied_by == finance and not line.applied_automatically
    assert line.applied_at is not None
    link = PayerLink.objects.get()
    assert (link.customer, link.account_number, link.name_key) == (
        buyer,
        "6222021001123456",
        "上海华润贸易",
    )
    assert line.history.first().history_user == finance
    _assert_ledger_consistent()


def test_what_the_installments_leave_stays_unapplied_credit(finance, buyer):
    installment = _installment(buyer, finance, "300.00").installments.get()
    line = bank_line(amount="500.00")

    payment = bank_line_apply(
        actor=finance, line=line, customer=buyer, allocations=[(installment.pk, "300.00")]
    )

    assert payment.unapplied_amount == Decimal("200.00")
    assert payment.status == Payment.Status.PARTIALLY_APPLIED
    _assert_ledger_consistent()


def test_no_allocations_makes_the_whole_line_customer_credit(finance, buyer):
    line = bank_line(amount="250.00")

    payment = bank_line_apply(actor=finance, line=line, customer=buyer, allocations=[])

    assert payment.unapplied_amount == Decimal("250.00")
    assert payment.status == Payment.Status.UNAPPLIED
    line.refresh_from_db()
    assert line.status == BankLine.Status.APPLIED


def test_a_prepayment_applies_on_the_invoice_issue_date(finance, buyer):
    installment = _installment(buyer, finance, "100.00", date(2026, 3, 5)).installments.get()
    line = bank_line(amount="100.00", booked_on=date(2026, 2, 20))

    payment = bank_line_apply(
        actor=finance, line=line, customer=buyer, allocations=[(installment.pk, "100.00")]
    )

    assert payment.received_on == date(2026, 2, 20)
    assert payment.allocations.get().applied_on == date(2026, 3, 5)


def test_fee_short_pay_settles_the_installment_and_books_a_bank_charge(finance, buyer):
    invoice = _installment(buyer, finance, "1000.00")
    installment = invoice.installments.get()
    line = bank_line(amount="985.00")

    payment = bank_line_apply(
        actor=finance,
        line=line,
        customer=buyer,
        allocations=[(installment.pk, "1000.00")],
        fee=Decimal("15.00"),
    )

    installment.refresh_from_db()
    assert installment.open_amount == Decimal("0.00")
    assert payment.unapplied_amount == Decimal("0.00")
    assert payment.allocations.get().amount == Decimal("985.00")
    charge = BankCharge.objects.get()
    assert (charge.amount, charge.installment, charge.payment) == (
        Decimal("15.00"),
        installment,
        payment,
    )
    assert charge.allocations.get().kind == Allocation.Kind.BANK_CHARGE
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    line.refresh_from_db()
    assert line.bank_charge == charge
    _assert_ledger_consistent()


def test_fee_comes_off_the_last_installment(finance, buyer):
    first = _installment(buyer, finance, "500.00").installments.get()
    second = _installment(buyer, finance, "500.00", date(2026, 1, 12)).installments.get()
    line = bank_line(amount="990.00")

    bank_line_apply(
        actor=finance,
        line=line,
        customer=buyer,
        allocations=[(first.pk, "500.00"), (second.pk, "500.00")],
        fee=Decimal("10.00"),
    )

    assert BankCharge.objects.get().installment_id == second.pk
    assert Allocation.objects.get(installment=first, kind="payment").amount == Decimal("500.00")
    assert Allocation.objects.get(installment=second, kind="payment").amount == Decimal("490.00")


@pytest.mark.parametrize(
    "amount, allocations, fee, field, code",
    [
        # The bank kept more than the tolerance: a real short payment, not a fee.
        ("900.00", [("1000.00")], "100.00", "fee", "fee_above_tolerance"),
        # More asked of the line than it brought.
        ("900.00", [("1000.00")], "0", "allocations", "exceeds_line"),
        # A fee only goes with a payment in full.
        ("990.00", [("900.00")], "5.00", "fee", "fee_with_remainder"),
        ("990.00", [("-5.00")], "0", "allocations", "not_positive"),
    ],
)
def test_bad_applications_are_refused_and_write_nothing(
    finance, buyer, amount, allocations, fee, field, code
):
    installment = _installment(buyer, finance, "1000.00").installments.get()
    line = bank_line(amount=amount)

    with pytest.raises(ApplicationError) as refused:
        bank_line_apply(
            actor=finance,
            line=line,
            customer=buyer,
            allocations=[(installment.pk, Decimal(a)) for a in allocations],
            fee=Decimal(fee),
        )

    assert (refused.value.field, refused.value.code) == (field, code)
    assert not Payment.objects.exists() and not BankCharge.objects.exists()
    line.refresh_from_db()
    installment.refresh_from_db()
    assert line.status == BankLine.Status.UNMATCHED and line.payment is None
    assert installment.open_amount == Decimal("1000.00")


def test_an_installment_paid_meanwhile_makes_the_whole_application_fail(finance, buyer):
    first = _installment(buyer, finance, "300.00").installments.get()
    second = _installment(buyer, finance, "200.00").installments.get()
    other = payment_record(
        actor=finance, customer=buyer, received_on=date(2026, 1, 20), amount=Decimal("200.00")
    )
    payment_allocate(actor=finance, payment=other, allocations=[(second.pk, Decimal("200.00"))])
    line = bank_line(amount="500.00")

    with pytest.raises(ApplicationError) as refused:
        bank_line_apply(
            actor=finance,
            line=line,
            customer=buyer,
            allocations=[(first.pk, "300.00"), (second.pk, "200.00")],
        )

    assert refused.value.code == "exceeds_open_amount"
    assert Payment.objects.count() == 1
    first.refresh_from_db()
    assert first.open_amount == Decimal("300.00")


def test_debits_cannot_be_applied(finance, buyer):
    line = bank_line(amount="80.00", direction="debit")

    with pytest.raises(ApplicationError) as refused:
        bank_line_apply(actor=finance, line=line, customer=buyer, allocations=[])

    assert refused.value.code == "debit"


def test_a_line_is_applied_once(finance, buyer):
    line = bank_line(amount="80.00")
    bank_line_apply(actor=finance, line=line, customer=buyer, allocations=[])

    with pytest.raises(ApplicationError) as refused:
        bank_line_apply(actor=finance, line=line, customer=buyer, allocations=[])

    assert refused.value.code == "line_not_open"
    assert Payment.objects.count() == 1


def test_accepting_a_suggestion_applies_it_and_closes_the_others(finance, buyer):
    other_customer = CustomerFactory()
    installment = _installment(buyer, finance, "1000.00").installments.get()
    rival = _installment(other_customer, finance, "1000.00").installments.get()
    line = bank_line(amount="1000.00")
    best = _suggest(line, buyer, [(installment, "1000.00")], confidence=85)
    second = _suggest(line, other_customer, [(rival, "1000.00")], confidence=40, rank=2)

    payment = bank_line_accept(actor=finance, line=line, suggestion=best)

    assert payment.customer == buyer
    best.refresh_from_db()
    second.refresh_from_db()
    assert best.status == MatchSuggestion.Status.ACCEPTED and best.decided_by == finance
    assert second.status == MatchSuggestion.Status.REJECTED
    line.refresh_from_db()
    assert line.confidence == 85
    with pytest.raises(ApplicationError) as refused:
        bank_line_accept(actor=finance, line=line, suggestion=second)
    assert refused.value.code == "suggestion_decided"


def test_accepting_a_suggestion_with_a_fee_books_the_fee(finance, buyer):
    installment = _installment(buyer, finance, "1000.00").installments.get()
    line = bank_line(amount="980.00")
    suggestion = _suggest(line, buyer, [(installment, "1000.00")], fee=Decimal("20.00"))

    bank_line_accept(actor=finance, line=line, suggestion=suggestion)

    assert BankCharge.objects.get().amount == Decimal("20.00")


def test_rejecting_moves_to_the_next_suggestion_then_to_unmatched(finance, buyer):
    other_customer = CustomerFactory()
    installment = _installment(buyer, finance, "1000.00").installments.get()
    rival = _installment(other_customer, finance, "1000.00").installments.get()
    line = bank_line(amount="1000.00")
    best = _suggest(line, buyer, [(installment, "1000.00")], confidence=70)
    second = _suggest(line, other_customer, [(rival, "1000.00")], confidence=60, rank=2)

    bank_line_reject(actor=finance, suggestion=best)
    line.refresh_from_db()
    assert (line.status, line.customer, line.confidence) == (
        BankLine.Status.SUGGESTED,
        other_customer,
        60,
    )

    bank_line_reject(actor=finance, suggestion=second)
    line.refresh_from_db()
    assert (line.status, line.customer, line.confidence) == (BankLine.Status.UNMATCHED, None, None)
    assert set(line.suggestions.values_list("status", flat=True)) == {"rejected"}


def test_ignore_needs_a_reason_and_can_be_taken_back(finance, django_capture_on_commit_callbacks):
    line = bank_line(amount="12.34", remittance="结息")

    with pytest.raises(ApplicationError) as refused:
        bank_line_ignore(actor=finance, line=line, reason="  ")
    assert refused.value.field == "reason"

    bank_line_ignore(actor=finance, line=line, reason="Interest from the bank")
    line.refresh_from_db()
    assert (line.status, line.ignored_reason) == (BankLine.Status.IGNORED, "Interest from the bank")

    with django_capture_on_commit_callbacks() as queued:
        bank_line_unignore(actor=finance, line=line)
    line.refresh_from_db()
    assert (line.status, line.ignored_reason) == (BankLine.Status.UNMATCHED, "")
    assert len(queued) == 1  # the engine looks at it again


def test_undo_reverses_the_payment_and_the_fee_and_blocks_automatic_posting(
    finance, buyer, django_capture_on_commit_callbacks
):
    invoice = _installment(buyer, finance, "1000.00")
    installment = invoice.installments.get()
    line = bank_line(amount="990.00")
    suggestion = _suggest(line, buyer, [(installment, "1000.00")], fee=Decimal("10.00"))
    payment = bank_line_accept(actor=finance, line=line, suggestion=suggestion)

    with pytest.raises(ApplicationError) as refused:
        bank_line_undo(actor=finance, line=line, reason="")
    assert refused.value.field == "reason"

    with django_capture_on_commit_callbacks() as queued:
        bank_line_undo(actor=finance, line=line, reason="Wrong customer")

    payment.refresh_from_db()
    assert payment.status == Payment.Status.REVERSED
    assert payment.reversed_on == timezone.localdate()
    assert "Wrong customer" in payment.reversal_reason
    installment.refresh_from_db()
    assert installment.open_amount == Decimal("1000.00")
    assert BankCharge.objects.get().reversed_on == timezone.localdate()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED
    line.refresh_from_db()
    assert line.status == BankLine.Status.UNMATCHED
    assert line.payment is None and line.bank_charge is None and line.customer is None
    assert line.auto_apply_blocked
    suggestion.refresh_from_db()
    assert suggestion.status == MatchSuggestion.Status.REJECTED
    assert len(queued) == 1
    _assert_ledger_consistent()

    with pytest.raises(ApplicationError) as blocked:
        bank_line_apply(
            actor=None,
            line=line,
            customer=buyer,
            allocations=[(installment.pk, "990.00")],
            automatically=True,
        )
    assert blocked.value.code == "auto_apply_blocked"
    # A person may still apply it.
    bank_line_apply(
        actor=finance, line=line, customer=buyer, allocations=[(installment.pk, "990.00")]
    )


def test_only_applied_lines_can_be_undone(finance):
    line = bank_line(amount="10.00")
    with pytest.raises(ApplicationError) as refused:
        bank_line_undo(actor=finance, line=line, reason="oops")
    assert refused.value.code == "line_not_applied"


def test_bulk_accept_takes_only_clear_suggestions_above_the_threshold(finance, buyer):
    other_customer = CustomerFactory()
    invoices = [_installment(buyer, finance, "100.00").installments.get() for _ in range(3)]
    rival = _installment(other_customer, finance, "100.00").installments.get()
    clear = bank_line(amount="100.00")
    _suggest(clear, buyer, [(invoices[0], "100.00")], confidence=80)
    weak = bank_line(amount="100.00")
    _suggest(weak, buyer, [(invoices[1], "100.00")], confidence=60)
    tied = bank_line(amount="100.00")
    _suggest(tied, buyer, [(invoices[2], "100.00")], confidence=80)
    _suggest(tied, other_customer, [(rival, "100.00")], confidence=80, rank=2)
    unmatched = bank_line(amount="100.00")

    result = bank_lines_accept_bulk(
        actor=finance, line_ids=[clear.pk, weak.pk, tied.pk, unmatched.pk], min_confidence=75
    )

    assert result.accepted == 1
    assert {line_id for line_id, _reason in result.skipped} == {weak.pk, tied.pk, unmatched.pk}
    assert list(BankLine.objects.filter(status="applied").values_list("pk", flat=True)) == [
        clear.pk
    ]


def test_confirming_the_same_payer_again_counts_up(finance, buyer):
    first = bank_line(amount="1.00", counterparty_name="代付方 张三", counterparty_account="123")
    second = bank_line(amount="2.00", counterparty_name="代付方张三", counterparty_account="1-2-3")

    payer_link_learn(actor=finance, line=first, customer=buyer)
    link = payer_link_learn(actor=finance, line=second, customer=buyer)

    assert PayerLink.objects.count() == 1
    assert link.times_confirmed == 2
    assert payer_link_learn(actor=finance, line=bank_line(amount="3.00"), customer=buyer) is None
