"""Disputes (争议): opening one marks the contested invoices disputed; resolving it clears the
mark unless another open dispute still contests them."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from core.exceptions import ApplicationError, PermissionDeniedError
from receivables.models import CreditNote, Dispute, Installment, Invoice
from receivables.services import dispute_assign, dispute_open, dispute_resolve
from tests.factories import CustomerFactory, issued_invoice

pytestmark = pytest.mark.django_db

ON = date(2026, 2, 5)


@pytest.fixture
def invoices(customer, finance_user):
    return (
        issued_invoice(customer, actor=finance_user),
        issued_invoice(customer, actor=finance_user, amount=Decimal("500.00")),
    )


def _open(customer, actor, invoices, **fields):
    return dispute_open(
        actor=actor,
        customer=customer,
        source=Dispute.Source.CUSTOMER_CONTACT,
        currency="CNY",
        opened_on=ON,
        installments=[invoice.installments.get() for invoice in invoices],
        **fields,
    )


def _disputed():
    return dict(Invoice.objects.values_list("number", "is_disputed"))


def test_opening_marks_only_the_contested_invoices(customer, finance_user, invoices):
    first, second = invoices

    dispute = _open(customer, finance_user, [first], amount_claimed="0.00", description="价格不符")

    assert (dispute.status, dispute.amount_claimed, dispute.opened_by) == (
        Dispute.Status.OPEN,
        Decimal("0.00"),
        finance_user,
    )
    assert list(dispute.installments.all()) == [first.installments.get()]
    assert _disputed() == {first.number: True, second.number: False}
    assert first.history.latest().history_user == finance_user
    assert dispute.history.latest().history_user == finance_user


def test_resolving_clears_the_mark_unless_another_dispute_is_open(customer, finance_user, invoices):
    first, second = invoices
    both = _open(customer, finance_user, [first, second])
    only_first = _open(customer, finance_user, [first])

    dispute_resolve(
        actor=finance_user,
        dispute=both,
        resolution_kind="corrected_invoice",
        resolution="已补发货物",
    )

    both.refresh_from_db()
    assert (both.status, both.resolution, both.resolved_by) == (
        Dispute.Status.RESOLVED,
        "已补发货物",
        finance_user,
    )
    assert both.resolved_at is not None
    assert _disputed() == {first.number: True, second.number: False}

    dispute_resolve(
        actor=finance_user, dispute=only_first, resolution_kind="withdrawn", resolution="客户确认"
    )

    assert _disputed() == {first.number: False, second.number: False}


@pytest.mark.parametrize("resolution", ["", "   "])
def test_a_resolution_must_say_what_was_agreed(customer, finance_user, invoices, resolution):
    dispute = _open(customer, finance_user, invoices[:1])

    with pytest.raises(ApplicationError) as refused:
        dispute_resolve(
            actor=finance_user, dispute=dispute, resolution_kind="rejected", resolution=resolution
        )

    assert refused.value.field == "resolution"
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.OPEN
    assert _disputed()[invoices[0].number] is True


def test_only_the_ledger_keepers_resolve_disputes(customer, finance_user, sales_user, invoices):
    dispute = _open(customer, finance_user, invoices[:1])

    with pytest.raises(PermissionDeniedError):
        dispute_resolve(
            actor=sales_user, dispute=dispute, resolution_kind="rejected", resolution="ok"
        )

    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.OPEN
    assert _disputed()[invoices[0].number] is True


def test_a_resolved_dispute_cannot_be_resolved_again(customer, finance_user, invoices):
    dispute = _open(customer, finance_user, invoices[:1])
    dispute_resolve(
        actor=finance_user, dispute=dispute, resolution_kind="rejected", resolution="ok"
    )

    with pytest.raises(ApplicationError):
        dispute_resolve(
            actor=finance_user, dispute=dispute, resolution_kind="rejected", resolution="again"
        )

    dispute.refresh_from_db()
    assert dispute.resolution == "ok"


def test_another_customers_item_cannot_be_contested(customer, finance_user, invoices):
    foreign = issued_invoice(CustomerFactory(), actor=finance_user)

    with pytest.raises(ApplicationError) as refused:
        _open(customer, finance_user, [invoices[0], foreign])

    assert refused.value.field == "installments"
    assert not Dispute.objects.exists()
    assert not Invoice.objects.filter(is_disputed=True).exists()


def test_only_a_statement_reply_opens_a_dispute_without_a_user(customer, invoices):
    with pytest.raises(PermissionDeniedError):
        _open(customer, None, invoices[:1])

    assert not Dispute.objects.exists()


def test_a_negative_claimed_amount_is_refused(customer, finance_user, invoices):
    with pytest.raises(ApplicationError) as refused:
        _open(customer, finance_user, invoices[:1], amount_claimed="-1.00")

    assert refused.value.field == "amount_claimed"
    assert not Dispute.objects.exists()
    assert not Invoice.objects.filter(is_disputed=True).exists()


def _ledger_rows():
    return (
        list(Dispute.objects.values()),
        list(Invoice.objects.order_by("pk").values("pk", "is_disputed", "status")),
        list(CreditNote.objects.values()),
        list(Installment.objects.order_by("pk").values("pk", "open_amount")),
    )


def test_a_dispute_records_its_reason_and_owner(customer, finance_user, manager_user, invoices):
    dispute = _open(
        customer, finance_user, invoices[:1], reason=Dispute.Reason.QUALITY, owner=manager_user
    )

    dispute.refresh_from_db()
    assert (dispute.reason, dispute.owner) == (Dispute.Reason.QUALITY, manager_user)


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"reason": "weather"}, "reason"), ({"currency": "USD"}, "installments")],
)
def test_an_unknown_reason_or_a_currency_mismatch_is_refused(
    customer, finance_user, invoices, fields, field
):
    with pytest.raises(ApplicationError) as refused:
        dispute_open(
            actor=finance_user,
            customer=customer,
            source=Dispute.Source.CUSTOMER_CONTACT,
            currency=fields.get("currency", "CNY"),
            opened_on=ON,
            installments=[invoices[0].installments.get()],
            reason=fields.get("reason", Dispute.Reason.PRICE),
        )

    assert refused.value.field == field
    assert not Dispute.objects.exists()


def test_an_auditor_cannot_open_a_dispute(customer, auditor_user, invoices):
    before = _ledger_rows()

    with pytest.raises(PermissionDeniedError):
        _open(customer, auditor_user, invoices[:1])

    assert _ledger_rows() == before


def test_a_sales_rep_opens_disputes_only_for_own_customers(
    customer, finance_user, sales_user, other_sales_user, invoices
):
    dispute = _open(customer, sales_user, invoices[:1])
    assert dispute.opened_by == sales_user
    before = _ledger_rows()

    with pytest.raises(ApplicationError) as refused:
        _open(customer, other_sales_user, invoices[1:])

    assert refused.value.field == "customer"
    assert _ledger_rows() == before


def test_an_auditor_cannot_own_a_dispute(customer, finance_user, auditor_user, invoices):
    with pytest.raises(ApplicationError) as refused:
        _open(customer, finance_user, invoices[:1], owner=auditor_user)

    assert refused.value.field == "owner"
    assert not Dispute.objects.exists()


def test_assigning_changes_the_owner_and_is_audited(
    customer, finance_user, sales_user, manager_user, invoices
):
    dispute = _open(customer, finance_user, invoices[:1])

    dispute_assign(actor=manager_user, dispute=dispute, owner=sales_user)

    dispute.refresh_from_db()
    assert dispute.owner == sales_user
    assert dispute.history.latest().history_user == manager_user


def test_a_resolved_dispute_cannot_be_reassigned(customer, finance_user, sales_user, invoices):
    dispute = _open(customer, finance_user, invoices[:1])
    dispute_resolve(
        actor=finance_user, dispute=dispute, resolution_kind="rejected", resolution="ok"
    )

    with pytest.raises(ApplicationError):
        dispute_assign(actor=finance_user, dispute=dispute, owner=sales_user)

    dispute.refresh_from_db()
    assert dispute.owner is None


def test_resolving_with_a_credit_note_issues_it_in_the_same_step(customer, finance_user, invoices):
    first, _second = invoices
    dispute = _open(customer, finance_user, [first], reason=Dispute.Reason.PRICE)

    with translation.override("en"):
        dispute_resolve(
            actor=finance_user,
            dispute=dispute,
            resolution_kind="credit_note",
            resolution="单价按合同调整",
            credit_notes=[(first, Decimal("120.00"))],
            credit_note_date=ON,
        )

    credit_note = CreditNote.objects.get()
    assert (credit_note.invoice, credit_note.amount, credit_note.issue_date) == (
        first,
        Decimal("120.00"),
        ON,
    )
    assert credit_note.reason == f"Dispute #{dispute.pk}: 单价按合同调整"
    assert first.installments.get().open_amount == Decimal("880.00")
    assert _disputed()[first.number] is False


@pytest.mark.parametrize(
    ("kind", "which", "amount", "field"),
    [
        ("rejected", "first", "10.00", "credit_notes"),  # a credit note needs that outcome
        ("credit_note", "second", "10.00", "credit_notes"),  # not a contested invoice
        ("credit_note", "first", "5000.00", "amount"),  # more than is open
    ],
)
def test_a_wrong_credit_note_leaves_the_dispute_open_and_the_ledger_untouched(
    customer, finance_user, invoices, kind, which, amount, field
):
    first, second = invoices
    dispute = _open(customer, finance_user, [first])
    before = _ledger_rows()

    with pytest.raises(ApplicationError) as refused:
        dispute_resolve(
            actor=finance_user,
            dispute=dispute,
            resolution_kind=kind,
            resolution="调整",
            credit_notes=[({"first": first, "second": second}[which], Decimal(amount))],
            credit_note_date=ON,
        )

    assert refused.value.field == field
    assert _ledger_rows() == before
