"""Every ledger invariant, checked twice: the service refuses, and the database refuses even when
the services are bypassed."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from core.exceptions import ApplicationError, PermissionDeniedError
from receivables import services
from receivables.models import (
    Allocation,
    CreditNote,
    Installment,
    Invoice,
    Payment,
    WriteOff,
)
from receivables.selectors import ledger_discrepancies, payment_discrepancies
from tests.factories import CustomerFactory, PaymentTermsFactory, issued_invoice, recorded_payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(customer, finance_user):
    return issued_invoice(customer, actor=finance_user, amount=Decimal("1000.00"))


@pytest.fixture
def installment(invoice):
    return invoice.installments.get()


def _snapshot(*objects):
    return [
        (
            type(o),
            o.pk,
            {
                f.attname: getattr(type(o).objects.get(pk=o.pk), f.attname)
                for f in o._meta.concrete_fields
            },
        )
        for o in objects
    ]


def _counts():
    return (
        Allocation.objects.count(),
        CreditNote.objects.count(),
        WriteOff.objects.count(),
        Payment.objects.count(),
    )


# --- allocations never exceed the payment or the installment -----------------------------------


def test_allocation_cannot_exceed_installment_open_amount(customer, finance_user, installment):
    payment = recorded_payment(customer, actor=finance_user, amount=Decimal("5000.00"))
    before = _snapshot(payment, installment), _counts()
    with pytest.raises(ApplicationError) as exc:
        services.payment_allocate(
            actor=finance_user, payment=payment, allocations=[(installment.pk, Decimal("1000.01"))]
        )
    assert exc.value.code == "exceeds_open_amount"
    assert exc.value.field == "allocations"
    assert (_snapshot(payment, installment), _counts()) == before


def test_allocations_cannot_exceed_payment_unapplied_amount(customer, finance_user):
    first = issued_invoice(
        customer, actor=finance_user, amount=Decimal("300.00")
    ).installments.get()
    second = issued_invoice(
        customer, actor=finance_user, amount=Decimal("300.00")
    ).installments.get()
    payment = recorded_payment(customer, actor=finance_user, amount=Decimal("500.00"))
    before = _snapshot(payment, first, second), _counts()
    with pytest.raises(ApplicationError) as exc:
        services.payment_allocate(
            actor=finance_user,
            payment=payment,
            allocations=[(first.pk, Decimal("300.00")), (second.pk, Decimal("200.01"))],
        )
    assert exc.value.code == "exceeds_payment"
    # The first line had already been applied inside the transaction: it must be rolled back too.
    assert (_snapshot(payment, first, second), _counts()) == before


def test_allocation_to_another_customers_installment_is_refused(finance_user, installment):
    stranger = CustomerFactory()
    payment = recorded_payment(stranger, actor=finance_user)
    with pytest.raises(ApplicationError) as exc:
        services.payment_allocate(
            actor=finance_user, payment=payment, allocations=[(installment.pk, Decimal("1.00"))]
        )
    assert exc.value.code == "foreign_installment"


def test_allocation_in_another_currency_is_refused(customer, finance_user, installment):
    payment = services.payment_record(
        actor=finance_user,
        customer=customer,
        received_on=date(2026, 1, 20),
        amount=Decimal("10"),
        currency="USD",
    )
    with pytest.raises(ApplicationError) as exc:
        services.payment_allocate(
            actor=finance_user, payment=payment, allocations=[(installment.pk, Decimal("10.00"))]
        )
    assert exc.value.code == "currency_mismatch"


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5.00"), Decimal("1.001")])
def test_amounts_must_be_positive_and_in_minor_units(customer, finance_user, amount):
    with pytest.raises(ApplicationError) as exc:
        services.payment_record(
            actor=finance_user, customer=customer, received_on=date(2026, 1, 1), amount=amount
        )
    assert exc.value.field == "amount"
    assert Payment.objects.count() == 0


def test_database_refuses_negative_open_amount(installment):
    with pytest.raises(IntegrityError), transaction.atomic():
        Installment.objects.filter(pk=installment.pk).update(open_amount=Decimal("-0.01"))


def test_database_refuses_open_amount_above_amount(installment):
    with pytest.raises(IntegrityError), transaction.atomic():
        Installment.objects.filter(pk=installment.pk).update(open_amount=Decimal("1000.01"))


def test_database_refuses_payment_over_allocation(customer, finance_user):
    payment = recorded_payment(customer, actor=finance_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(unapplied_amount=Decimal("-1.00"))


def test_database_refuses_non_positive_amounts(customer, finance_user):
    payment = recorded_payment(customer, actor=finance_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(
            amount=Decimal("0"), unapplied_amount=Decimal("0")
        )


def test_database_refuses_unsigned_reversal(customer, finance_user, installment):
    payment = recorded_payment(customer, actor=finance_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.create(
            installment=installment,
            customer=customer,
            kind=Allocation.Kind.PAYMENT,
            payment=payment,
            amount=Decimal("-10.00"),
            applied_on=date(2026, 1, 20),
        )


def test_database_refuses_allocation_without_its_source(customer, installment):
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.create(
            installment=installment,
            customer=customer,
            kind=Allocation.Kind.PAYMENT,
            amount=Decimal("10.00"),
            applied_on=date(2026, 1, 20),
        )


# --- posted documents are immutable ------------------------------------------------------------


def test_issued_invoice_cannot_be_edited(finance_user, invoice):
    with pytest.raises(ApplicationError) as exc:
        services.invoice_update_draft(actor=finance_user, invoice=invoice, notes="changed")
    assert exc.value.code == "invoice_posted"
    invoice.refresh_from_db()
    assert invoice.notes == ""


def test_issued_invoice_cannot_be_cancelled_only_credited(finance_user, invoice):
    with pytest.raises(ApplicationError):
        services.invoice_cancel_draft(actor=finance_user, invoice=invoice)
    services.credit_note_issue(
        actor=finance_user,
        invoice=invoice,
        amount=Decimal("1000.00"),
        reason="退货",
        issue_date=date(2026, 1, 15),
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CANCELLED
    assert invoice.installments.get().open_amount == Decimal("0.00")


def test_issuing_twice_is_refused(finance_user, invoice):
    with pytest.raises(ApplicationError) as exc:
        services.invoice_issue(actor=finance_user, invoice=invoice)
    assert exc.value.field == "status"


def test_unallocating_adds_a_reversing_row_and_keeps_the_original(
    customer, finance_user, installment
):
    payment = recorded_payment(customer, actor=finance_user)
    (allocation,) = services.payment_allocate(
        actor=finance_user,
        payment=payment,
        allocations=[(installment.pk, Decimal("400.00"))],
        applied_on=date(2026, 1, 20),
    )
    reversal = services.allocation_reverse(
        actor=finance_user, allocation=allocation, reversed_on=date(2026, 1, 25)
    )
    assert reversal.amount == Decimal("-400.00")
    assert reversal.reverses == allocation
    assert Allocation.objects.get(pk=allocation.pk).amount == Decimal("400.00")
    installment.refresh_from_db()
    payment.refresh_from_db()
    assert installment.open_amount == Decimal("1000.00")
    assert payment.unapplied_amount == Decimal("1000.00")
    with pytest.raises(ApplicationError):
        services.allocation_reverse(actor=finance_user, allocation=allocation)


# --- reversals, refunds, credit notes, write-offs ----------------------------------------------


def test_bounced_payment_reopens_what_it_paid(customer, finance_user, invoice, installment):
    payment = recorded_payment(customer, actor=finance_user, amount=Decimal("1000.00"))
    services.payment_allocate_auto(
        actor=finance_user, payment=payment, applied_on=date(2026, 1, 20)
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    services.payment_reverse(
        actor=finance_user, payment=payment, reversed_on=date(2026, 1, 28), reason="退票"
    )
    payment.refresh_from_db()
    installment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == Payment.Status.REVERSED
    assert payment.unapplied_amount == Decimal("0.00")
    assert installment.open_amount == Decimal("1000.00")
    assert invoice.status == Invoice.Status.ISSUED
    assert not ledger_discrepancies().exists()


def test_refund_cannot_exceed_unapplied_credit(customer, finance_user, installment):
    payment = recorded_payment(customer, actor=finance_user, amount=Decimal("1500.00"))
    services.payment_allocate_auto(
        actor=finance_user, payment=payment, applied_on=date(2026, 1, 20)
    )
    with pytest.raises(ApplicationError) as exc:
        services.payment_refund(
            actor=finance_user,
            payment=payment,
            amount=Decimal("500.01"),
            refunded_on=date(2026, 2, 1),
        )
    assert exc.value.code == "exceeds_payment"
    services.payment_refund(
        actor=finance_user, payment=payment, amount=Decimal("500.00"), refunded_on=date(2026, 2, 1)
    )
    payment.refresh_from_db()
    assert payment.unapplied_amount == Decimal("0.00")
    assert payment.status == Payment.Status.APPLIED
    assert not payment_discrepancies().exists()


def test_credit_note_cannot_exceed_invoice_open_amount(customer, finance_user, invoice):
    payment = recorded_payment(customer, actor=finance_user, amount=Decimal("600.00"))
    services.payment_allocate_auto(
        actor=finance_user, payment=payment, applied_on=date(2026, 1, 20)
    )
    with pytest.raises(ApplicationError) as exc:
        services.credit_note_issue(
            actor=finance_user,
            invoice=invoice,
            amount=Decimal("400.01"),
            reason="折让",
            issue_date=date(2026, 1, 21),
        )
    assert exc.value.code == "exceeds_open_amount"
    assert CreditNote.objects.count() == 0


def test_credit_note_reduces_latest_installments_first(customer, finance_user):
    terms = PaymentTermsFactory(code="3060", name="30/70")
    services.payment_terms_update(
        actor=finance_user,
        terms=terms,
        schedule=[{"percent": Decimal("30"), "days": 30}, {"percent": Decimal("70"), "days": 60}],
    )
    invoice = issued_invoice(customer, actor=finance_user, amount=Decimal("100.00"), terms=terms)
    first, second = invoice.installments.order_by("sequence")
    assert (first.amount, second.amount) == (Decimal("30.00"), Decimal("70.00"))
    services.credit_note_issue(
        actor=finance_user,
        invoice=invoice,
        amount=Decimal("80.00"),
        reason="折让",
        issue_date=date(2026, 1, 12),
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.open_amount, second.open_amount) == (Decimal("20.00"), Decimal("0.00"))


def test_write_off_needs_a_different_manager(
    customer, finance_user, manager_user, second_manager, installment
):
    request = services.write_off_request(
        actor=manager_user, installment=installment, amount=Decimal("1000.00"), reason="破产"
    )
    with pytest.raises(PermissionDeniedError) as exc:
        services.write_off_approve(actor=manager_user, write_off=request)
    assert exc.value.code == "four_eyes"
    with pytest.raises(PermissionDeniedError):
        services.write_off_approve(actor=finance_user, write_off=request)
    installment.refresh_from_db()
    assert installment.open_amount == Decimal("1000.00")
    services.write_off_approve(
        actor=second_manager, write_off=request, effective_on=date(2026, 6, 30)
    )
    installment.refresh_from_db()
    assert installment.open_amount == Decimal("0.00")
    assert installment.invoice.status == Invoice.Status.WRITTEN_OFF


def test_database_refuses_self_approved_write_off(finance_user, manager_user, installment):
    request = services.write_off_request(
        actor=manager_user, installment=installment, amount=Decimal("10.00"), reason="x"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        WriteOff.objects.filter(pk=request.pk).update(
            status="approved", decided_by=manager_user, decided_at=request.requested_at
        )


def test_pending_write_offs_cannot_together_exceed_open_amount(manager_user, installment):
    services.write_off_request(
        actor=manager_user, installment=installment, amount=Decimal("600.00"), reason="x"
    )
    with pytest.raises(ApplicationError) as exc:
        services.write_off_request(
            actor=manager_user, installment=installment, amount=Decimal("400.01"), reason="y"
        )
    assert exc.value.field == "amount"


def test_balance_as_of_a_past_date_ignores_later_events(customer, finance_user, installment):
    from receivables.selectors import customer_open_balance

    payment = recorded_payment(
        customer, actor=finance_user, amount=Decimal("1000.00"), received_on=date(2026, 2, 1)
    )
    services.payment_allocate(
        actor=finance_user,
        payment=payment,
        allocations=[(installment.pk, Decimal("700.00"))],
        applied_on=date(2026, 2, 1),
    )
    allocation = payment.allocations.get()
    services.allocation_reverse(
        actor=finance_user, allocation=allocation, reversed_on=date(2026, 3, 1)
    )
    assert customer_open_balance(customer=customer, as_of=date(2026, 1, 5)) == {}
    assert customer_open_balance(customer=customer, as_of=date(2026, 1, 31)) == {
        "CNY": Decimal("1000.00")
    }
    assert customer_open_balance(customer=customer, as_of=date(2026, 2, 15)) == {
        "CNY": Decimal("300.00")
    }
    assert customer_open_balance(customer=customer, as_of=date(2026, 3, 1)) == {
        "CNY": Decimal("1000.00")
    }
    assert customer_open_balance(customer=customer) == {"CNY": Decimal("1000.00")}


def test_only_finance_and_managers_may_request_write_offs(sales_user, auditor_user, installment):
    for actor in (sales_user, auditor_user):
        with pytest.raises(PermissionDeniedError):
            services.write_off_request(
                actor=actor, installment=installment, amount=Decimal("1.00"), reason="x"
            )
    assert WriteOff.objects.count() == 0
