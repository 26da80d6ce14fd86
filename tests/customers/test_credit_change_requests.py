"""Credit limit and default payment terms change only through a request that a manager other
than the requester approves; the customer's history shows the change, by the approver."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import ApplicationError, PermissionDeniedError
from core.history import history_entries
from customers import services
from customers.models import CreditChangeRequest
from tests.factories import CustomerFactory, PaymentTermsFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def net60(db):
    return PaymentTermsFactory(code="NET60", name="Net 60", net_days=60)


def _change(entry, field):
    return next(c for c in entry["changes"] if c["field"] == field)


def test_an_approved_change_applies_and_the_history_shows_before_after_and_approver(
    customer, finance_user, manager_user, net60
):
    net30 = customer.default_payment_terms
    change = services.credit_change_request(
        actor=finance_user,
        customer=customer,
        credit_limit=Decimal("150000.00"),
        default_payment_terms=net60,
        reason="评级升至AA，年采购额增长",
    )
    customer.refresh_from_db()
    assert (customer.credit_limit, customer.default_payment_terms) == (Decimal("100000.00"), net30)

    services.credit_change_approve(actor=manager_user, change=change, note="同意")

    customer.refresh_from_db()
    change.refresh_from_db()
    assert (customer.credit_limit, customer.default_payment_terms) == (Decimal("150000.00"), net60)
    assert (change.status, change.decided_by, change.decision_note) == (
        "approved",
        manager_user,
        "同意",
    )
    assert (change.credit_limit_before, change.default_payment_terms_before) == (
        Decimal("100000.00"),
        net30,
    )
    latest = history_entries(customer)[0]
    assert latest["user"] == manager_user.username
    assert _change(latest, "credit_limit") == {
        "field": "credit_limit",
        "before": "100000.00",
        "after": "150000.00",
    }
    assert _change(latest, "default_payment_terms") == {
        "field": "default_payment_terms",
        "before": net30.pk,
        "after": net60.pk,
    }
    assert [(h.status, h.history_user.username) for h in change.history.order_by("history_id")] == [
        ("pending", "finance_t"),
        ("approved", "manager_t"),
    ]


def test_a_request_may_change_the_terms_alone(customer, finance_user, manager_user, net60):
    change = services.credit_change_request(
        actor=finance_user,
        customer=customer,
        credit_limit=customer.credit_limit,
        default_payment_terms=net60,
        reason="行业惯例60天",
    )
    services.credit_change_approve(actor=manager_user, change=change)

    customer.refresh_from_db()
    assert change.credit_limit is None
    assert (customer.credit_limit, customer.default_payment_terms) == (Decimal("100000.00"), net60)


def test_nobody_approves_their_own_request(customer, manager_user, second_manager):
    change = services.credit_change_request(
        actor=manager_user, customer=customer, credit_limit=Decimal("1"), reason="降额"
    )

    with pytest.raises(PermissionDeniedError) as refused:
        services.credit_change_approve(actor=manager_user, change=change)
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditChangeRequest.objects.filter(pk=change.pk).update(
            status="approved", decided_by=manager_user, decided_at=timezone.now()
        )

    assert refused.value.code == "four_eyes"
    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("100000.00")
    services.credit_change_approve(actor=second_manager, change=change)
    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("1.00")


@pytest.mark.parametrize("decider", ["finance_user", "sales_user", "auditor_user"])
def test_only_a_manager_decides(request, customer, manager_user, decider):
    change = services.credit_change_request(
        actor=manager_user, customer=customer, credit_limit=Decimal("5"), reason="x"
    )

    with pytest.raises(PermissionDeniedError):
        services.credit_change_approve(actor=request.getfixturevalue(decider), change=change)

    change.refresh_from_db()
    assert change.status == "pending"


@pytest.mark.parametrize("requester", ["sales_user", "auditor_user"])
def test_sales_reps_and_auditors_cannot_ask(request, customer, requester):
    with pytest.raises(PermissionDeniedError):
        services.credit_change_request(
            actor=request.getfixturevalue(requester),
            customer=customer,
            credit_limit=Decimal("5"),
            reason="x",
        )
    assert not CreditChangeRequest.objects.exists()


def test_a_rejected_request_changes_nothing(customer, finance_user, manager_user):
    change = services.credit_change_request(
        actor=finance_user, customer=customer, credit_limit=Decimal("900000"), reason="x"
    )

    services.credit_change_reject(actor=manager_user, change=change, note="逾期较多")

    customer.refresh_from_db()
    change.refresh_from_db()
    assert customer.credit_limit == Decimal("100000.00")
    assert customer.history.count() == 1
    assert (change.status, change.decided_by, change.decision_note) == (
        "rejected",
        manager_user,
        "逾期较多",
    )
    with pytest.raises(ApplicationError) as again:
        services.credit_change_approve(actor=manager_user, change=change)
    assert again.value.code == "already_decided"


def test_only_the_requester_withdraws_and_a_withdrawn_request_cannot_be_approved(
    customer, finance_user, manager_user
):
    change = services.credit_change_request(
        actor=finance_user, customer=customer, credit_limit=Decimal("5"), reason="x"
    )

    with pytest.raises(PermissionDeniedError):
        services.credit_change_withdraw(actor=manager_user, change=change)
    services.credit_change_withdraw(actor=finance_user, change=change)
    with pytest.raises(ApplicationError) as refused:
        services.credit_change_approve(actor=manager_user, change=change)

    change.refresh_from_db()
    assert (change.status, change.decided_by, refused.value.code) == (
        "withdrawn",
        None,
        "already_decided",
    )
    assert change.decided_at is not None
    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("100000.00")


def test_one_pending_request_per_customer(customer, finance_user, manager_user):
    services.credit_change_request(
        actor=finance_user, customer=customer, credit_limit=Decimal("5"), reason="x"
    )

    with pytest.raises(ApplicationError) as refused:
        services.credit_change_request(
            actor=manager_user, customer=customer, credit_limit=Decimal("6"), reason="y"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditChangeRequest.objects.create(
            customer=customer,
            credit_limit=Decimal("7"),
            credit_limit_before=Decimal("0"),
            reason="z",
            requested_by=manager_user,
        )

    assert (refused.value.code, refused.value.field) == ("credit_change_pending", "customer")
    assert CreditChangeRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"credit_limit": Decimal("100000.00")}, "credit_limit", "no_change"),
        ({"credit_limit": Decimal("-1")}, "credit_limit", "not_positive"),
        ({"credit_limit": Decimal("1.005")}, "credit_limit", "too_precise"),
        ({"credit_limit": Decimal("5"), "reason": "  "}, "reason", "invalid"),
    ],
)
def test_a_request_that_asks_for_nothing_valid_is_refused_naming_the_field(
    customer, finance_user, fields, field, code
):
    fields = {"reason": "x", **fields}

    with pytest.raises(ApplicationError) as refused:
        services.credit_change_request(actor=finance_user, customer=customer, **fields)

    assert (refused.value.field, refused.value.code) == (field, code)
    assert not CreditChangeRequest.objects.exists()


def test_retired_payment_terms_cannot_be_asked_for(customer, finance_user):
    retired = PaymentTermsFactory(code="OLD", name="Old", is_active=False)

    with pytest.raises(ApplicationError) as refused:
        services.credit_change_request(
            actor=finance_user, customer=customer, default_payment_terms=retired, reason="x"
        )

    assert refused.value.field == "default_payment_terms"


@pytest.mark.parametrize(
    ("field", "label"),
    [("credit_limit", "credit limit"), ("default_payment_terms", "default payment terms")],
)
def test_customer_update_refuses_the_credit_fields_and_says_to_request_a_change(
    customer, finance_user, manager_user, net60, field, label
):
    value = {"credit_limit": Decimal("1.00"), "default_payment_terms": net60}[field]

    for actor in (finance_user, manager_user):
        with pytest.raises(ApplicationError) as refused:
            services.customer_update(actor=actor, customer=customer, **{field: value})
        assert (refused.value.field, refused.value.code) == (
            field,
            "credit_change_needs_approval",
        )
        assert refused.value.message == (
            f"The {label} changes only when a manager approves a credit change request: "
            "request the change instead."
        )

    customer.refresh_from_db()
    assert customer.history.count() == 1


def test_customer_update_accepts_the_credit_fields_unchanged(customer, finance_user):
    # A full update (the API's PUT, the admin) sends every field, credit ones as they are.
    services.customer_update(
        actor=finance_user,
        customer=customer,
        credit_limit=Decimal("100000.00"),
        default_payment_terms=customer.default_payment_terms,
        region="华东",
    )

    customer.refresh_from_db()
    assert (customer.region, customer.credit_limit) == ("华东", Decimal("100000.00"))


def test_a_new_customer_opens_with_the_limit_and_terms_it_is_created_with(finance_user, net60):
    customer = services.customer_create(
        actor=finance_user,
        code="NEW1",
        legal_name="新开户有限公司",
        credit_limit=Decimal("20000.00"),
        default_payment_terms=net60,
    )

    assert (customer.credit_limit, customer.default_payment_terms) == (Decimal("20000.00"), net60)


def test_an_archived_customer_gets_no_credit_change(finance_user):
    archived = CustomerFactory(is_archived=True)

    with pytest.raises(ApplicationError) as refused:
        services.credit_change_request(
            actor=finance_user, customer=archived, credit_limit=Decimal("5"), reason="x"
        )

    assert refused.value.code == "customer_archived"
