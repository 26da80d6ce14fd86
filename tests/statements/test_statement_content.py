"""The statement's figures: every kind of movement in date order with a running balance, and the
closing balance equal to the ledger's (computed from other tables) as of the period end."""

from datetime import date
from decimal import Decimal

import pytest

from receivables import services
from receivables.models import ExchangeRate
from receivables.selectors import customer_net_balance
from statements.selectors import MovementKind, statement_of_account
from tests.factories import CustomerFactory, PaymentTermsFactory, issued_invoice, recorded_payment

pytestmark = pytest.mark.django_db

JAN = (date(2026, 1, 1), date(2026, 1, 31))
FEB = (date(2026, 2, 1), date(2026, 2, 28))


@pytest.fixture
def ledger(finance_user, manager_user, second_manager):
    """December: invoice 1,000. January: invoice 2,000, payment 1,500 applied, a 200 credit
    note, a payment of 300 reversed, and 100 refunded from an unapplied payment of 400.
    February: a write-off of the rest of the December invoice."""
    customer = CustomerFactory(legal_name="杭州西湖贸易有限公司")
    december = issued_invoice(customer, actor=finance_user, issue_date=date(2025, 12, 5))
    january = issued_invoice(
        customer, actor=finance_user, amount=Decimal("2000.00"), issue_date=date(2026, 1, 8)
    )
    paid = recorded_payment(
        customer, actor=finance_user, amount=Decimal("1500.00"), received_on=date(2026, 1, 20)
    )
    services.payment_allocate_auto(actor=finance_user, payment=paid, applied_on=date(2026, 1, 20))
    services.credit_note_issue(
        actor=finance_user,
        invoice=january,
        amount=Decimal("200.00"),
        reason="退货",
        issue_date=date(2026, 1, 22),
    )
    bounced = recorded_payment(
        customer, actor=finance_user, amount=Decimal("300.00"), received_on=date(2026, 1, 24)
    )
    services.payment_reverse(
        actor=finance_user, payment=bounced, reversed_on=date(2026, 1, 26), reason="退票"
    )
    advance = recorded_payment(
        customer, actor=finance_user, amount=Decimal("400.00"), received_on=date(2026, 1, 28)
    )
    services.payment_refund(
        actor=finance_user, payment=advance, amount=Decimal("100.00"), refunded_on=date(2026, 1, 30)
    )
    write_off = services.write_off_request(
        actor=finance_user,
        installment=january.installments.get(),
        amount=Decimal("300.00"),
        reason="无法收回",
    )
    services.write_off_approve(
        actor=second_manager, write_off=write_off, effective_on=date(2026, 2, 10)
    )
    return customer, december, january


def test_january_statement_lists_every_movement_with_a_running_balance(ledger):
    customer, december, january = ledger

    statement = statement_of_account(customer=customer, period_start=JAN[0], period_end=JAN[1])

    (section,) = statement.sections
    assert section.currency == "CNY"
    assert section.opening_balance == Decimal("1000.00")
    assert [
        (line.movement.kind, line.movement.debit, line.movement.credit, line.balance)
        for line in section.lines
    ] == [
        (MovementKind.INVOICE, Decimal("2000.00"), Decimal("0"), Decimal("3000.00")),
        (MovementKind.PAYMENT, Decimal("0"), Decimal("1500.00"), Decimal("1500.00")),
        (MovementKind.CREDIT_NOTE, Decimal("0"), Decimal("200.00"), Decimal("1300.00")),
        (MovementKind.PAYMENT, Decimal("0"), Decimal("300.00"), Decimal("1000.00")),
        (MovementKind.PAYMENT_REVERSAL, Decimal("300.00"), Decimal("0"), Decimal("1300.00")),
        (MovementKind.PAYMENT, Decimal("0"), Decimal("400.00"), Decimal("900.00")),
        (MovementKind.REFUND, Decimal("100.00"), Decimal("0"), Decimal("1000.00")),
    ]
    assert section.lines[0].movement.reference == january.number
    assert section.lines[0].movement.description == "货物"
    assert section.closing_balance == Decimal("1000.00")
    assert section.total_debit == Decimal("2400.00")
    assert section.total_credit == Decimal("2400.00")
    # Oldest due first: the payment settled December's 1,000 and 500 of January's invoice.
    assert [(item.invoice_number, item.open_amount) for item in section.open_items] == [
        (january.number, Decimal("1300.00"))
    ]
    assert section.unapplied_credit == Decimal("300.00")


@pytest.mark.parametrize("period", [JAN, FEB])
def test_closing_balance_agrees_with_the_ledger_to_the_cent(ledger, period):
    customer, _, _ = ledger

    statement = statement_of_account(
        customer=customer, period_start=period[0], period_end=period[1]
    )

    assert statement.closing_balances == customer_net_balance(customer=customer, as_of=period[1])


def test_february_opens_with_january_closing_and_shows_the_write_off(ledger):
    customer, _, january = ledger

    statement = statement_of_account(customer=customer, period_start=FEB[0], period_end=FEB[1])

    (section,) = statement.sections
    assert section.opening_balance == Decimal("1000.00")
    assert [(line.movement.kind, line.movement.credit) for line in section.lines] == [
        (MovementKind.WRITE_OFF, Decimal("300.00"))
    ]
    assert section.closing_balance == Decimal("700.00")


def test_a_past_statement_is_unchanged_by_later_activity(ledger, finance_user):
    customer, _, january = ledger
    before = statement_of_account(customer=customer, period_start=JAN[0], period_end=JAN[1])

    later = recorded_payment(
        customer, actor=finance_user, amount=Decimal("1000.00"), received_on=date(2026, 3, 5)
    )
    services.payment_allocate_auto(actor=finance_user, payment=later, applied_on=date(2026, 3, 5))
    issued_invoice(customer, actor=finance_user, issue_date=date(2026, 3, 6))
    after = statement_of_account(customer=customer, period_start=JAN[0], period_end=JAN[1])

    assert after.sections == before.sections


def test_open_items_carry_days_overdue_late_interest_and_limitation_date(finance_user):
    # 万分之五 a day on what is still open.
    terms = PaymentTermsFactory(
        code="N30I", net_days=30, late_interest_daily_rate=Decimal("0.0005")
    )
    customer = CustomerFactory(default_payment_terms=terms)
    invoice = issued_invoice(
        customer, actor=finance_user, amount=Decimal("10000.00"), issue_date=date(2026, 1, 1)
    )

    statement = statement_of_account(
        customer=customer, period_start=date(2026, 3, 1), period_end=date(2026, 3, 31)
    )

    (item,) = statement.sections[0].open_items
    assert item.invoice_number == invoice.number
    assert item.due_date == date(2026, 1, 31)
    assert item.days_overdue == 59
    assert item.late_interest == Decimal("295.00")  # 10,000 × 0.0005 × 59
    assert item.limitation_expires_on == date(2029, 1, 31)
    assert statement.sections[0].overdue_amount == Decimal("10000.00")
    assert [a.amount for a in statement.sections[0].aging] == [
        Decimal("0"),
        Decimal("0"),
        Decimal("10000.00"),
        Decimal("0"),
        Decimal("0"),
        Decimal("0"),
        Decimal("0"),
    ]


def test_currencies_get_separate_sections(finance_user):
    customer = CustomerFactory()
    issued_invoice(customer, actor=finance_user, issue_date=date(2026, 1, 5))
    ExchangeRate.objects.create(
        currency="USD", rate_date=date(2026, 1, 1), rate_to_base=Decimal("7.1000")
    )
    draft = services.invoice_create_draft(
        actor=finance_user,
        customer=customer,
        issue_date=date(2026, 1, 6),
        currency="USD",
        lines=[{"description": "Service", "quantity": Decimal("1"), "unit_price": Decimal("50")}],
    )
    services.invoice_issue(actor=finance_user, invoice=draft)

    statement = statement_of_account(customer=customer, period_start=JAN[0], period_end=JAN[1])

    assert statement.closing_balances == {"CNY": Decimal("1000.00"), "USD": Decimal("50.00")}
