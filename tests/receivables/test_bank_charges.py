"""Bank charges (手续费): a transfer short by what the bank kept settles its invoice in full; the
charge is undone on its own or with its payment, by a reversing row dated the day it was undone,
so balances as of any date before or after stay right."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from core.exceptions import ApplicationError
from receivables import services
from receivables.models import Allocation, BankCharge, Installment, Invoice, Payment
from receivables.selectors import (
    customer_net_balance,
    customer_open_balance,
    installments_open_as_of,
    ledger_discrepancies,
    payment_discrepancies,
)
from tests.conftest import api_client_for
from tests.factories import CustomerFactory, issued_invoice, recorded_payment

pytestmark = pytest.mark.django_db

ISSUED = date(2026, 1, 10)
RECEIVED = date(2026, 1, 20)
CHARGED = date(2026, 1, 21)


@pytest.fixture
def invoice(customer, finance_user) -> Invoice:
    return issued_invoice(
        customer, actor=finance_user, amount=Decimal("1000.00"), issue_date=ISSUED
    )


@pytest.fixture
def installment(invoice) -> Installment:
    return invoice.installments.get()


@pytest.fixture
def short_payment(customer, finance_user, installment) -> Payment:
    """985.00 arrived for the 1,000.00 invoice and was applied to it: 15.00 stays open."""
    payment = recorded_payment(
        customer, actor=finance_user, amount=Decimal("985.00"), received_on=RECEIVED
    )
    services.payment_allocate(
        actor=finance_user,
        payment=payment,
        allocations=[(installment.pk, Decimal("985.00"))],
        applied_on=RECEIVED,
    )
    return payment


def _charge(actor, payment, installment, amount="15.00", charged_on=CHARGED) -> BankCharge:
    return services.bank_charge_record(
        actor=actor,
        payment=payment,
        installment=installment,
        amount=Decimal(amount),
        charged_on=charged_on,
    )


def _ledger_state():
    return (
        list(Installment.objects.order_by("pk").values_list("open_amount", "settled_on")),
        list(Invoice.objects.order_by("pk").values_list("status", flat=True)),
        list(Payment.objects.order_by("pk").values_list("unapplied_amount", "status")),
        list(BankCharge.objects.order_by("pk").values_list("amount", "reversed_on")),
        Allocation.objects.count(),
    )


def _assert_ledger_consistent():
    assert not ledger_discrepancies().exists()
    assert not payment_discrepancies().exists()


# --- booking a charge --------------------------------------------------------------------------


def test_a_charge_settles_what_the_bank_kept_and_the_invoice_is_paid(
    finance_user, short_payment, installment, invoice
):
    charge = _charge(finance_user, short_payment, installment)

    installment.refresh_from_db()
    invoice.refresh_from_db()
    short_payment.refresh_from_db()
    assert (installment.open_amount, installment.settled_on) == (Decimal("0.00"), CHARGED)
    assert invoice.status == Invoice.Status.PAID
    # The charge never reached us: the payment's own figures do not move.
    assert (short_payment.unapplied_amount, short_payment.status) == (
        Decimal("0.00"),
        Payment.Status.APPLIED,
    )
    assert (charge.amount, charge.currency, charge.customer_id, charge.created_by) == (
        Decimal("15.00"),
        "CNY",
        short_payment.customer_id,
        finance_user,
    )
    assert list(
        Allocation.objects.filter(kind=Allocation.Kind.BANK_CHARGE).values_list(
            "bank_charge", "installment", "payment", "amount", "applied_on"
        )
    ) == [(charge.pk, installment.pk, None, Decimal("15.00"), CHARGED)]
    assert charge.history.get().history_user == finance_user
    _assert_ledger_consistent()


def test_a_charge_leaving_money_open_makes_the_invoice_partly_paid(
    finance_user, customer, installment, invoice
):
    payment = recorded_payment(customer, actor=finance_user, amount=Decimal("100.00"))

    _charge(finance_user, payment, installment, amount="20.00")

    installment.refresh_from_db()
    invoice.refresh_from_db()
    assert installment.open_amount == Decimal("980.00")
    assert installment.settled_on is None
    assert invoice.status == Invoice.Status.PARTIALLY_PAID
    _assert_ledger_consistent()


@pytest.mark.parametrize(
    ("amount", "charged_on", "field", "code"),
    [
        ("15.01", CHARGED, "amount", "exceeds_open_amount"),
        ("0", CHARGED, "amount", "not_positive"),
        ("-5.00", CHARGED, "amount", "not_positive"),
        ("1.005", CHARGED, "amount", "too_precise"),
        ("15.00", date(2026, 1, 19), "charged_on", "invalid"),
    ],
)
def test_a_charge_the_ledger_cannot_take_is_refused_and_changes_nothing(
    finance_user, short_payment, installment, amount, charged_on, field, code
):
    before = _ledger_state()

    with pytest.raises(ApplicationError) as refusal:
        _charge(finance_user, short_payment, installment, amount=amount, charged_on=charged_on)

    assert (refusal.value.field, refusal.value.code) == (field, code)
    assert _ledger_state() == before


def test_a_charge_on_another_customers_installment_is_refused(finance_user, short_payment):
    stranger = issued_invoice(
        CustomerFactory(), actor=finance_user, amount=Decimal("500.00"), issue_date=ISSUED
    )
    before = _ledger_state()

    with pytest.raises(ApplicationError) as refusal:
        _charge(finance_user, short_payment, stranger.installments.get())

    assert (refusal.value.field, refusal.value.code) == ("installment", "foreign_installment")
    assert _ledger_state() == before


def test_a_charge_in_another_currency_than_the_installment_is_refused(
    finance_user, customer, installment
):
    dollars = services.payment_record(
        actor=finance_user,
        customer=customer,
        received_on=RECEIVED,
        amount=Decimal("140.00"),
        currency="USD",
    )
    before = _ledger_state()

    with pytest.raises(ApplicationError) as refusal:
        _charge(finance_user, dollars, installment, amount="2.00")

    assert (refusal.value.field, refusal.value.code) == ("installment", "currency_mismatch")
    assert _ledger_state() == before


def test_a_reversed_payment_carries_no_charges(finance_user, short_payment, installment):
    services.payment_reverse(
        actor=finance_user, payment=short_payment, reversed_on=RECEIVED, reason="退票"
    )
    before = _ledger_state()

    with pytest.raises(ApplicationError) as refusal:
        _charge(finance_user, short_payment, installment)

    assert refusal.value.field == "payment"
    assert _ledger_state() == before


def test_a_charge_cannot_be_dated_before_its_invoice_was_issued(finance_user, customer):
    advance = recorded_payment(
        customer, actor=finance_user, amount=Decimal("985.00"), received_on=date(2026, 1, 5)
    )
    later = issued_invoice(customer, actor=finance_user, issue_date=ISSUED)
    before = _ledger_state()

    with pytest.raises(ApplicationError) as refusal:
        _charge(finance_user, advance, later.installments.get(), charged_on=date(2026, 1, 6))

    assert refusal.value.field == "charged_on"
    assert _ledger_state() == before


# --- undoing a charge --------------------------------------------------------------------------


def test_reversing_a_charge_reopens_the_installment_with_a_dated_reversal(
    finance_user, short_payment, installment, invoice
):
    charge = _charge(finance_user, short_payment, installment)

    services.bank_charge_reverse(actor=finance_user, charge=charge, reversed_on=date(2026, 2, 3))

    installment.refresh_from_db()
    invoice.refresh_from_db()
    charge.refresh_from_db()
    assert (installment.open_amount, installment.settled_on) == (Decimal("15.00"), None)
    assert invoice.status == Invoice.Status.PARTIALLY_PAID
    assert charge.reversed_on == date(2026, 2, 3)
    original, reversal = Allocation.objects.filter(bank_charge=charge).order_by("pk")
    assert (reversal.amount, reversal.applied_on, reversal.reverses_id, reversal.kind) == (
        Decimal("-15.00"),
        date(2026, 2, 3),
        original.pk,
        Allocation.Kind.BANK_CHARGE,
    )
    _assert_ledger_consistent()


@pytest.mark.parametrize("reversed_on", [date(2026, 1, 20), None])
def test_a_charge_is_reversed_once_and_never_before_it_was_booked(
    finance_user, short_payment, installment, reversed_on
):
    charge = _charge(finance_user, short_payment, installment)
    if reversed_on is None:  # the second reversal of a charge already reversed
        services.bank_charge_reverse(actor=finance_user, charge=charge, reversed_on=CHARGED)
        reversed_on = date(2026, 2, 1)
    before = _ledger_state()

    with pytest.raises(ApplicationError):
        services.bank_charge_reverse(actor=finance_user, charge=charge, reversed_on=reversed_on)

    assert _ledger_state() == before


def test_reversing_the_payment_reverses_its_charges(
    finance_user, short_payment, installment, invoice
):
    charge = _charge(finance_user, short_payment, installment)

    services.payment_reverse(
        actor=finance_user, payment=short_payment, reversed_on=date(2026, 2, 3), reason="错账"
    )

    installment.refresh_from_db()
    invoice.refresh_from_db()
    charge.refresh_from_db()
    assert installment.open_amount == Decimal("1000.00")
    assert invoice.status == Invoice.Status.ISSUED
    assert charge.reversed_on == date(2026, 2, 3)
    assert sorted(
        Allocation.objects.filter(installment=installment, reverses__isnull=False).values_list(
            "kind", "amount", "applied_on"
        )
    ) == [
        (Allocation.Kind.BANK_CHARGE, Decimal("-15.00"), date(2026, 2, 3)),
        (Allocation.Kind.PAYMENT, Decimal("-985.00"), date(2026, 2, 3)),
    ]
    _assert_ledger_consistent()


def test_reversing_the_payment_leaves_an_already_reversed_charge_alone(
    finance_user, short_payment, installment
):
    charge = _charge(finance_user, short_payment, installment)
    services.bank_charge_reverse(actor=finance_user, charge=charge, reversed_on=date(2026, 1, 25))

    services.payment_reverse(
        actor=finance_user, payment=short_payment, reversed_on=date(2026, 2, 3), reason="错账"
    )

    installment.refresh_from_db()
    charge.refresh_from_db()
    assert installment.open_amount == Decimal("1000.00")
    assert charge.reversed_on == date(2026, 1, 25)
    assert Allocation.objects.filter(bank_charge=charge).count() == 2
    _assert_ledger_consistent()


def test_a_payment_reversal_dated_before_its_charge_is_refused_whole(
    finance_user, short_payment, installment
):
    _charge(finance_user, short_payment, installment, charged_on=date(2026, 1, 25))
    before = _ledger_state()

    with pytest.raises(ApplicationError) as refusal:
        services.payment_reverse(
            actor=finance_user, payment=short_payment, reversed_on=date(2026, 1, 22), reason="错账"
        )

    assert refusal.value.field == "reversed_on"
    assert _ledger_state() == before


# --- balances as of a date ---------------------------------------------------------------------


def test_balances_as_of_a_date_count_the_charge_only_while_it_stood(
    finance_user, customer, short_payment, installment
):
    charge = _charge(finance_user, short_payment, installment)
    services.bank_charge_reverse(actor=finance_user, charge=charge, reversed_on=date(2026, 2, 3))

    def open_on(day):
        return customer_open_balance(customer=customer, as_of=day).get("CNY", Decimal("0.00"))

    def listed_open_on(day):
        return list(
            installments_open_as_of(as_of=day)
            .filter(customer=customer)
            .values_list("pk", "open_as_of")
        )

    assert open_on(RECEIVED) == Decimal("15.00")
    assert open_on(CHARGED) == Decimal("0.00")
    assert open_on(date(2026, 2, 2)) == Decimal("0.00")
    assert open_on(date(2026, 2, 3)) == Decimal("15.00")
    assert listed_open_on(date(2026, 2, 2)) == []
    assert listed_open_on(date(2026, 2, 3)) == [(installment.pk, Decimal("15.00"))]
    # Settled in full and nothing unapplied while the charge stood; 15.00 owed again after.
    assert customer_net_balance(customer=customer, as_of=date(2026, 2, 2)) == {}
    assert customer_net_balance(customer=customer, as_of=date(2026, 2, 3)) == {
        "CNY": Decimal("15.00")
    }


# --- where the charges show --------------------------------------------------------------------


def test_the_payment_page_lists_its_charges_and_their_reversal(
    finance_user, short_payment, installment, invoice
):
    charge = _charge(finance_user, short_payment, installment)
    services.bank_charge_reverse(actor=finance_user, charge=charge, reversed_on=date(2026, 2, 3))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(finance_user)

    response = client.get(reverse("payment-detail", args=[short_payment.pk]))

    assert [c.pk for c in response.context["bank_charges"]] == [charge.pk]
    row = response.content.decode().split(f'data-bank-charge="{charge.pk}"')[1].split("</tr>")[0]
    assert invoice.number in row
    assert "2026-01-21" in row
    assert "¥15.00" in row
    assert "Reversed 2026-02-03" in row


def test_a_payment_without_charges_shows_no_charge_table(finance_user, short_payment):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(finance_user)

    response = client.get(reverse("payment-detail", args=[short_payment.pk]))

    assert 'id="bank-charges"' not in response.content.decode()


def test_the_api_names_the_charge_behind_an_allocation(finance_user, short_payment, installment):
    charge = _charge(finance_user, short_payment, installment)

    body = (
        api_client_for(finance_user)
        .get("/api/v1/allocations/", {"installment": installment.pk, "kind": "bank_charge"})
        .json()
    )

    assert [(row["bank_charge"], row["payment"], row["amount"]) for row in body["results"]] == [
        (charge.pk, None, "15.00")
    ]
