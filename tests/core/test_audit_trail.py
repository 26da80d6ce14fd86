"""Every change to money or credit is recorded with who, when, before and after."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from core.history import history_entries, readable_history
from customers import services as customer_services
from receivables import services
from tests.factories import PaymentTermsFactory, UserFactory, issued_invoice, recorded_payment

pytestmark = pytest.mark.django_db


def _change(entry, field):
    return next(c for c in entry["changes"] if c["field"] == field)


def test_credit_limit_change_records_who_before_and_after(customer, finance_user, manager_user):
    change = customer_services.credit_change_request(
        actor=finance_user, customer=customer, credit_limit=Decimal("250000.00"), reason="x"
    )
    customer_services.credit_change_approve(actor=manager_user, change=change)
    latest, created = history_entries(customer)[:2]
    assert latest["user"] == manager_user.username
    assert latest["action"] == "changed"
    assert _change(latest, "credit_limit") == {
        "field": "credit_limit",
        "before": "100000.00",
        "after": "250000.00",
    }
    assert latest["at"] >= created["at"]


def test_sales_rep_cannot_change_a_credit_limit(customer, sales_user):
    from core.exceptions import ApplicationError, PermissionDeniedError

    with pytest.raises(ApplicationError):
        customer_services.customer_update(
            actor=sales_user, customer=customer, credit_limit=Decimal("1.00")
        )
    with pytest.raises(PermissionDeniedError):
        customer_services.credit_change_request(
            actor=sales_user, customer=customer, credit_limit=Decimal("1.00"), reason="x"
        )
    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("100000.00")
    assert customer.history.count() == 1


def _approved_terms(customer, terms, *, requester, approver) -> None:
    """New default payment terms for the customer, by a credit change `approver` approves."""
    change = customer_services.credit_change_request(
        actor=requester, customer=customer, default_payment_terms=terms, reason="x"
    )
    customer_services.credit_change_approve(actor=approver, change=change)


def test_allocation_and_balance_changes_are_attributed(customer, finance_user):
    invoice = issued_invoice(customer, actor=finance_user, amount=Decimal("500.00"))
    installment = invoice.installments.get()
    payment = recorded_payment(customer, actor=finance_user, amount=Decimal("500.00"))
    (allocation,) = services.payment_allocate(
        actor=finance_user,
        payment=payment,
        allocations=[(installment.pk, Decimal("200.00"))],
        applied_on=date(2026, 1, 20),
    )
    installment_latest = history_entries(installment)[0]
    assert installment_latest["user"] == finance_user.username
    assert _change(installment_latest, "open_amount") == {
        "field": "open_amount",
        "before": "500.00",
        "after": "300.00",
    }
    payment_latest = history_entries(payment)[0]
    assert _change(payment_latest, "unapplied_amount") == {
        "field": "unapplied_amount",
        "before": "500.00",
        "after": "300.00",
    }
    allocation_created = history_entries(allocation)[0]
    assert allocation_created["action"] == "created"
    assert allocation_created["user"] == finance_user.username
    invoice_latest = history_entries(invoice)[0]
    assert _change(invoice_latest, "status") == {
        "field": "status",
        "before": "issued",
        "after": "partially_paid",
    }


def test_write_off_decision_is_attributed_to_the_approver(
    customer, finance_user, manager_user, second_manager
):
    installment = issued_invoice(customer, actor=finance_user).installments.get()
    write_off = services.write_off_request(
        actor=manager_user, installment=installment, amount=Decimal("100.00"), reason="x"
    )
    services.write_off_approve(
        actor=second_manager, write_off=write_off, effective_on=date(2026, 5, 1)
    )
    requested, approved = reversed(history_entries(write_off))
    assert requested["user"] == manager_user.username
    assert approved["user"] == second_manager.username
    assert _change(approved, "status") == {
        "field": "status",
        "before": "pending",
        "after": "approved",
    }


def test_payment_terms_changes_are_recorded(finance_user):
    terms = services.payment_terms_create(
        actor=finance_user, code="N45", name="Net 45", net_days=45
    )
    services.payment_terms_update(actor=finance_user, terms=terms, net_days=60)
    latest = history_entries(terms)[0]
    assert latest["user"] == finance_user.username
    assert _change(latest, "net_days") == {"field": "net_days", "before": 45, "after": 60}


# --- the readable trail the pages show ----------------------------------------------------------


def test_readable_history_shows_labels_choice_labels_and_referenced_names(
    customer, finance_user, manager_user, other_sales_user
):
    net60 = PaymentTermsFactory(code="NET60", name="Net 60", net_days=60)
    customer_services.customer_update(
        actor=finance_user, customer=customer, owner=other_sales_user, tier="A"
    )
    _approved_terms(customer, net60, requester=finance_user, approver=manager_user)

    terms_changed, reassigned = readable_history(customer)[:2]

    assert (terms_changed["user"], reassigned["user"]) == (
        manager_user.username,
        finance_user.username,
    )
    assert [
        (change["field"], str(change["label"]), change["before"], change["after"])
        for change in terms_changed["changes"] + reassigned["changes"]
    ] == [
        ("default_payment_terms", "default payment terms", "NET30 Net 30", "NET60 Net 60"),
        ("owner", "sales rep", "sales_t", "sales_t2"),
        ("tier", "tier", "B (regular)", "A (key account)"),
    ]


def test_readable_history_shows_flags_as_yes_and_no(customer, finance_user):
    customer_services.customer_archive(actor=finance_user, customer=customer)

    latest = readable_history(customer)[0]

    assert [(c["field"], c["before"], c["after"]) for c in latest["changes"]] == [
        ("is_archived", "no", "yes")
    ]


def test_readable_history_creation_leaves_out_the_key_and_timestamps(customer):
    (created,) = readable_history(customer)

    shown = {change["field"]: change["after"] for change in created["changes"]}
    assert created["action"] == "created"
    assert {"id", "created_at", "updated_at", "owner_id"}.isdisjoint(shown)
    assert (shown["code"], shown["owner"], shown["default_payment_terms"], shown["tier"]) == (
        customer.code,
        "sales_t",
        "NET30 Net 30",
        "B (regular)",
    )


def test_readable_history_names_an_installment_by_its_invoice_in_one_query(
    customer, finance_user, manager_user, second_manager, django_assert_num_queries
):
    installment = issued_invoice(customer, actor=finance_user).installments.get()
    write_off = services.write_off_request(
        actor=manager_user, installment=installment, amount=Decimal("100.00"), reason="x"
    )
    services.write_off_approve(actor=second_manager, write_off=write_off)

    # The records, then one query each for installments, customers, requesters and deciders.
    with django_assert_num_queries(5):
        approved, requested = readable_history(write_off)

    assert {c["field"]: c["after"] for c in requested["changes"]}["installment"] == (
        f"{installment.invoice.number}/1"
    )
    assert {c["field"]: c["after"] for c in approved["changes"]}["decided_by"] == "manager_t2"


def _reassign(customer, actor, approver, times: int) -> None:
    """Hand the customer to a new sales rep, then move it to new payment terms, `times` times."""
    for _ in range(times):
        rep = UserFactory(role=Role.SALES)
        customer_services.customer_update(actor=actor, customer=customer, owner=rep)
        _approved_terms(
            customer,
            PaymentTermsFactory(code=f"T-{rep.pk}"),
            requester=actor,
            approver=approver,
        )


def test_readable_history_costs_the_same_queries_for_2_and_12_changes(
    customer, finance_user, manager_user
):
    _reassign(customer, finance_user, manager_user, 2)
    with CaptureQueriesContext(connection) as with_two:
        readable_history(customer)

    _reassign(customer, finance_user, manager_user, 10)
    with CaptureQueriesContext(connection) as with_twelve:
        entries = readable_history(customer)

    assert len(entries) == 25
    # The records, the sales reps, the payment terms.
    assert len(with_two) == len(with_twelve) == 3
