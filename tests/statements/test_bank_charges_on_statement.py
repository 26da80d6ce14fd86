"""Bank charges on the statement of account: what the bank kept of a transfer is a credit
("Bank charges") on the day it was booked, its reversal a debit, both carried in the balance
brought forward; the closing balance still equals the ledger's net balance at every period end."""

import re
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import translation

from receivables import services
from receivables.selectors import customer_net_balance
from statements.documents import statement_pdf
from statements.selectors import MovementKind, balances_brought_forward, statement_of_account
from tests.factories import CustomerFactory, issued_invoice, recorded_payment

pytestmark = pytest.mark.django_db

JAN = (date(2026, 1, 1), date(2026, 1, 31))
FEB = (date(2026, 2, 1), date(2026, 2, 28))
MAR = (date(2026, 3, 1), date(2026, 3, 31))
ZERO = Decimal("0.00")


def _short_paid(customer, actor, invoice, *, received, paid, charged_on, charge):
    payment = recorded_payment(customer, actor=actor, amount=Decimal(paid), received_on=received)
    installment = invoice.installments.get()
    services.payment_allocate(
        actor=actor,
        payment=payment,
        allocations=[(installment.pk, Decimal(paid))],
        applied_on=received,
    )
    services.bank_charge_record(
        actor=actor,
        payment=payment,
        installment=installment,
        amount=Decimal(charge),
        charged_on=charged_on,
    )
    return payment


@pytest.fixture
def ledger(finance_user):
    """January: invoices of 1,000 and 500, paid by transfers of 985 (15 kept by the bank, booked
    the same day) and 490 (10 booked the day after). February: the 985 transfer turns out to
    have been recorded in error and is reversed with its charge."""
    customer = CustomerFactory(legal_name="宁波港城物流有限公司")
    first = issued_invoice(customer, actor=finance_user, issue_date=date(2026, 1, 8))
    second = issued_invoice(
        customer, actor=finance_user, amount=Decimal("500.00"), issue_date=date(2026, 1, 10)
    )
    mistaken = _short_paid(
        customer,
        finance_user,
        first,
        received=date(2026, 1, 20),
        paid="985.00",
        charged_on=date(2026, 1, 20),
        charge="15.00",
    )
    kept = _short_paid(
        customer,
        finance_user,
        second,
        received=date(2026, 1, 25),
        paid="490.00",
        charged_on=date(2026, 1, 26),
        charge="10.00",
    )
    services.payment_reverse(
        actor=finance_user, payment=mistaken, reversed_on=date(2026, 2, 5), reason="错账"
    )
    return customer, first, second, mistaken, kept


def _rows(statement):
    (section,) = statement.sections
    return [
        (
            line.movement.on_date,
            line.movement.kind,
            line.movement.reference,
            str(line.movement.debit),
            str(line.movement.credit),
            str(line.balance),
        )
        for line in section.lines
    ]


def test_charges_are_credits_on_the_day_they_were_booked(ledger):
    customer, first, second, mistaken, kept = ledger

    with translation.override("en"):
        statement = statement_of_account(customer=customer, period_start=JAN[0], period_end=JAN[1])

    assert _rows(statement) == [
        (date(2026, 1, 8), MovementKind.INVOICE, first.number, "1000.00", "0.00", "1000.00"),
        (date(2026, 1, 10), MovementKind.INVOICE, second.number, "500.00", "0.00", "1500.00"),
        (date(2026, 1, 20), MovementKind.PAYMENT, mistaken.number, "0.00", "985.00", "515.00"),
        (date(2026, 1, 20), MovementKind.BANK_CHARGE, mistaken.number, "0.00", "15.00", "500.00"),
        (date(2026, 1, 25), MovementKind.PAYMENT, kept.number, "0.00", "490.00", "10.00"),
        (date(2026, 1, 26), MovementKind.BANK_CHARGE, kept.number, "0.00", "10.00", "0.00"),
    ]
    (section,) = statement.sections
    charge = section.lines[3].movement
    assert (charge.kind_label, charge.description) == (
        "Bank charges",
        f"Kept by the bank from the transfer for invoice {first.number}",
    )
    assert (section.total_debit, section.total_credit) == (Decimal("1500.00"), Decimal("1500.00"))
    assert section.open_items == []
    assert section.unapplied_credit == ZERO
    assert statement.closing_balances == {"CNY": ZERO}
    assert customer_net_balance(customer=customer, as_of=JAN[1]).get("CNY", ZERO) == ZERO


def test_a_reversed_charge_is_a_debit_after_its_payments_reversal(ledger):
    customer, first, _second, mistaken, _kept = ledger

    with translation.override("en"):
        statement = statement_of_account(customer=customer, period_start=FEB[0], period_end=FEB[1])

    assert _rows(statement) == [
        (
            date(2026, 2, 5),
            MovementKind.PAYMENT_REVERSAL,
            mistaken.number,
            "985.00",
            "0.00",
            "985.00",
        ),
        (
            date(2026, 2, 5),
            MovementKind.BANK_CHARGE_REVERSAL,
            mistaken.number,
            "15.00",
            "0.00",
            "1000.00",
        ),
    ]
    (section,) = statement.sections
    assert section.opening_balance == ZERO
    assert section.lines[1].movement.kind_label == "Bank charges reversed"
    assert [(item.invoice_number, item.open_amount) for item in section.open_items] == [
        (first.number, Decimal("1000.00"))
    ]
    assert statement.closing_balances == customer_net_balance(customer=customer, as_of=FEB[1])
    assert statement.closing_balances == {"CNY": Decimal("1000.00")}


def test_charges_and_their_reversals_are_carried_in_the_balance_brought_forward(ledger):
    customer, *_ = ledger

    # Before the reversal: both charges brought forward as credits, nothing owed.
    assert balances_brought_forward(customer=customer, before=FEB[0]) == {"CNY": ZERO}
    # After: the reversed charge and payment are owed again.
    assert balances_brought_forward(customer=customer, before=MAR[0]) == {"CNY": Decimal("1000.00")}
    march = statement_of_account(customer=customer, period_start=MAR[0], period_end=MAR[1])
    (section,) = march.sections
    assert (section.opening_balance, section.lines, section.closing_balance) == (
        Decimal("1000.00"),
        [],
        Decimal("1000.00"),
    )


@pytest.mark.parametrize(
    "period_end",
    [date(2026, 1, 19), date(2026, 1, 20), date(2026, 1, 25), date(2026, 2, 4), date(2026, 2, 5)],
)
def test_the_closing_balance_equals_the_ledger_on_every_day_around_the_charges(ledger, period_end):
    customer, *_ = ledger

    statement = statement_of_account(
        customer=customer, period_start=date(2026, 1, 1), period_end=period_end
    )

    assert statement.closing_balances.get("CNY", ZERO) == customer_net_balance(
        customer=customer, as_of=period_end
    ).get("CNY", ZERO)


def test_the_pdf_lists_the_charges(ledger, tmp_path):
    customer, first, *_ = ledger
    statement = statement_of_account(customer=customer, period_start=JAN[0], period_end=JAN[1])

    pdf = statement_pdf(
        statement,
        language="en",
        confirmation_kind=customer.statement_confirmation,
        reply_url="http://testserver/statements/reply/1/token/",
        reply_due_on=date(2026, 2, 18),
        generated_at=datetime(2026, 2, 3, 1, 30, tzinfo=UTC),
    )

    path = tmp_path / "statement.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    charge_rows = [line for line in text.splitlines() if "Bank charges" in line]
    assert len(charge_rows) == 2
    assert re.match(
        r"2026-01-20\s+Bank charges\s+RCV-2026-000001\s.*¥15\.00\s+¥500\.00$", charge_rows[0]
    )
    assert re.match(
        r"2026-01-26\s+Bank charges\s+RCV-2026-000002\s.*¥10\.00\s+¥0\.00$", charge_rows[1]
    )
