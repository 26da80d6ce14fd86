"""Credit limit enforcement on invoice issue and contract creation, and the manager's override
(docs/credit_control.md). The customer fixture: CNY, credit limit 100,000.00, Net 30."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from core.exceptions import ApplicationError, PermissionDeniedError
from customers import services as customer_services
from receivables import selectors, services
from receivables.models import (
    CreditControlPolicy,
    CreditOverride,
    DocumentSequence,
    Installment,
    Invoice,
)
from tests.factories import CustomerFactory, issued_invoice

pytestmark = pytest.mark.django_db

ISSUED_ON = date(2026, 3, 1)


def draft(customer, actor, amount, *, issue_date=ISSUED_ON, currency=None):
    return services.invoice_create_draft(
        actor=actor,
        customer=customer,
        issue_date=issue_date,
        currency=currency,
        lines=[{"description": "货物", "quantity": Decimal("1"), "unit_price": Decimal(amount)}],
    )


def refusal_of(invoice, actor):
    """The ApplicationError issuing `invoice` raises; asserts that nothing was posted."""
    sequences_before = list(DocumentSequence.objects.values_list("prefix", "year", "last_value"))
    with pytest.raises(ApplicationError) as refused:
        services.invoice_issue(actor=actor, invoice=invoice)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number, invoice.credit_override) == ("draft", None, None)
    assert not Installment.objects.filter(invoice=invoice).exists()
    assert (
        list(DocumentSequence.objects.values_list("prefix", "year", "last_value"))
        == sequences_before
    )
    return refused.value


@pytest.fixture
def open_60000(customer, finance_user):
    """60,000.00 open, issued 2026-01-10 and due 2026-02-09 (Net 30)."""
    return issued_invoice(customer, actor=finance_user, amount=Decimal("60000.00"))


def set_policy(**fields):
    CreditControlPolicy.objects.update_or_create(pk=1, defaults=fields)


# --- the limit ---------------------------------------------------------------------------------


def test_an_invoice_may_bring_exposure_up_to_exactly_the_limit(customer, finance_user, open_60000):
    invoice = services.invoice_issue(
        actor=finance_user, invoice=draft(customer, finance_user, "40000.00")
    )

    assert invoice.status == Invoice.Status.ISSUED
    assert invoice.credit_override is None
    position = selectors.customer_credit_position(customer=customer, on_date=ISSUED_ON)
    assert (position.currency, position.exposure, position.credit_limit, position.headroom) == (
        "CNY",
        Decimal("100000.00"),
        Decimal("100000.00"),
        Decimal("0.00"),
    )


def test_an_invoice_over_the_limit_is_refused_and_nothing_is_posted(
    customer, finance_user, open_60000
):
    error = refusal_of(draft(customer, finance_user, "45000.00"), finance_user)

    assert (error.code, error.field) == ("credit_limit_exceeded", "customer")
    assert error.message == (
        f"Customer {customer.code} would owe 105,000.00 CNY (open 60,000.00 CNY + this "
        "45,000.00 CNY), over its credit limit of 100,000.00 CNY."
    )


def test_a_foreign_currency_invoice_counts_in_the_base_currency_at_its_issue_dates_rate(
    customer, finance_user, open_60000
):
    services.exchange_rate_set(
        actor=finance_user, currency="USD", rate_date=date(2026, 2, 1), rate_to_base="7.10"
    )
    # Recorded after the issue date: not the rate of that day.
    services.exchange_rate_set(
        actor=finance_user, currency="USD", rate_date=date(2026, 3, 2), rate_to_base="5.00"
    )

    error = refusal_of(draft(customer, finance_user, "6000.00", currency="USD"), finance_user)
    issued = services.invoice_issue(
        actor=finance_user, invoice=draft(customer, finance_user, "5000.00", currency="USD")
    )

    assert error.code == "credit_limit_exceeded"
    assert "would owe 102,600.00 CNY (open 60,000.00 CNY + this 42,600.00 CNY)" in error.message
    assert issued.status == Invoice.Status.ISSUED
    position = selectors.customer_credit_position(customer=customer, on_date=ISSUED_ON)
    assert (position.currency, position.exposure, position.headroom) == (
        "CNY",
        Decimal("95500.00"),
        Decimal("4500.00"),
    )


def test_without_the_rate_a_foreign_currency_invoice_cannot_be_checked(
    customer, finance_user, open_60000
):
    error = refusal_of(draft(customer, finance_user, "10.00", currency="USD"), finance_user)

    assert error.code == "exchange_rate_missing"


def test_a_customer_trading_only_in_its_own_currency_needs_no_rate(finance_user):
    dollars = CustomerFactory(currency="USD", credit_limit=Decimal("1000.00"))
    issued_invoice(dollars, actor=finance_user, amount=Decimal("600.00"))

    error = refusal_of(draft(dollars, finance_user, "400.01"), finance_user)
    issued = services.invoice_issue(
        actor=finance_user, invoice=draft(dollars, finance_user, "400.00")
    )

    assert error.code == "credit_limit_exceeded"
    assert "over its credit limit of 1,000.00 USD" in error.message
    assert issued.status == Invoice.Status.ISSUED


def test_a_limit_of_zero_means_no_credit_unless_the_policy_says_no_limit(finance_user):
    cash_only = CustomerFactory(credit_limit=Decimal("0.00"))

    error = refusal_of(draft(cash_only, finance_user, "1.00"), finance_user)
    set_policy(zero_limit_is_no_credit=False)
    issued = services.invoice_issue(
        actor=finance_user, invoice=draft(cash_only, finance_user, "1000000.00")
    )

    assert error.code == "credit_limit_exceeded"
    assert error.message == (
        f"Customer {cash_only.code} has no credit (its credit limit is 0): this needs a "
        "manager's override or a credit limit."
    )
    assert issued.status == Invoice.Status.ISSUED


# --- status and overdue items ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        ("on_hold", "customer_on_hold", "is on hold: no new invoices or contracts"),
        ("blocked", "customer_blocked", "is blocked: no new invoices or contracts."),
    ],
)
def test_a_customer_on_hold_or_blocked_gets_no_invoice(
    customer, finance_user, status, code, message
):
    customer_services.customer_update(actor=finance_user, customer=customer, status=status)

    error = refusal_of(draft(customer, finance_user, "1.00"), finance_user)

    assert error.code == code
    assert message in error.message


@pytest.mark.parametrize(
    ("issue_date", "refused"),
    # Due 2026-02-09: 90 days overdue on 2026-05-10, 91 on 2026-05-11.
    [(date(2026, 5, 10), False), (date(2026, 5, 11), True)],
)
def test_items_more_than_90_days_overdue_on_the_issue_date_stop_new_invoices(
    customer, finance_user, open_60000, issue_date, refused
):
    invoice = draft(customer, finance_user, "100.00", issue_date=issue_date)

    if refused:
        error = refusal_of(invoice, finance_user)
        assert error.code == "items_overdue"
        assert error.message == (
            f"Customer {customer.code} has items 91 days overdue (due 2026-02-09); more than "
            "90 days needs a manager's override."
        )
    else:
        assert services.invoice_issue(actor=finance_user, invoice=invoice).is_posted


def test_the_overdue_threshold_comes_from_the_policy(customer, finance_user, open_60000):
    set_policy(max_days_overdue=120)

    invoice = draft(customer, finance_user, "100.00", issue_date=date(2026, 5, 11))

    assert services.invoice_issue(actor=finance_user, invoice=invoice).is_posted


def test_every_reason_is_given_and_the_most_serious_names_the_error(
    customer, finance_user, open_60000
):
    customer = customer_services.customer_update(
        actor=finance_user, customer=customer, status="blocked"
    )

    error = refusal_of(
        draft(customer, finance_user, "50000.00", issue_date=date(2026, 6, 1)), finance_user
    )

    assert error.code == "customer_blocked"
    assert [
        r.code
        for r in selectors.credit_refusals(
            customer=customer, amount=Decimal("50000.00"), currency="CNY", on_date=date(2026, 6, 1)
        )
    ] == ["customer_blocked", "items_overdue", "credit_limit_exceeded"]
    assert "is blocked" in error.message and "days overdue" in error.message


# --- contracts ---------------------------------------------------------------------------------


def _contract(customer, actor, amount, number="HT-1"):
    return services.contract_create(
        actor=actor,
        customer=customer,
        number=number,
        signed_on=ISSUED_ON,
        amount=Decimal(amount),
    )


def test_a_contract_worth_more_than_the_headroom_is_refused(customer, finance_user, open_60000):
    with pytest.raises(ApplicationError) as refused:
        _contract(customer, finance_user, "40000.01")
    contract = _contract(customer, finance_user, "40000.00", number="HT-2")

    assert refused.value.code == "credit_limit_exceeded"
    assert list(customer.contracts.values_list("number", flat=True)) == [contract.number]


def test_a_blocked_customer_gets_no_contract(customer, finance_user):
    customer_services.customer_update(actor=finance_user, customer=customer, status="blocked")

    with pytest.raises(ApplicationError) as refused:
        _contract(customer, finance_user, "0.00")

    assert refused.value.code == "customer_blocked"
    assert not customer.contracts.exists()


# --- overrides ---------------------------------------------------------------------------------


@pytest.fixture
def over_limit(customer, finance_user, open_60000):
    """A draft of 45,000.00 that would take the customer 5,000.00 over its limit."""
    return draft(customer, finance_user, "45000.00")


def test_an_approved_override_lets_the_invoice_be_issued_once_and_is_recorded_on_it(
    customer, finance_user, manager_user, over_limit
):
    override = services.credit_override_request(
        actor=finance_user, invoice=over_limit, reason="大客户年底备货，已承诺月底回款"
    )
    assert (override.status, override.refusal_codes, override.invoice_total) == (
        "pending",
        "credit_limit_exceeded",
        Decimal("45000.00"),
    )
    assert refusal_of(over_limit, finance_user).code == "credit_limit_exceeded"

    services.credit_override_approve(actor=manager_user, override=override, note="同意一次")
    invoice = services.invoice_issue(actor=finance_user, invoice=over_limit)

    override.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED
    assert invoice.credit_override == override
    assert (override.status, override.decided_by, override.is_used) == (
        "approved",
        manager_user,
        True,
    )
    assert (
        selectors.usable_credit_override(invoice=invoice, refused_for={"credit_limit_exceeded"})
        is None
    )
    # The next invoice is refused again: the override was for that one invoice.
    assert refusal_of(draft(customer, finance_user, "1.00"), finance_user).code == (
        "credit_limit_exceeded"
    )
    invoice_trail = invoice.history.order_by("history_date", "history_id").last()
    assert (invoice_trail.credit_override_id, invoice_trail.history_user) == (
        override.pk,
        finance_user,
    )
    assert [
        (h.status, h.history_user.username) for h in override.history.order_by("history_id")
    ] == [
        ("pending", "finance_t"),
        ("approved", "manager_t"),
        ("approved", "finance_t"),  # used when issued
    ]


def test_one_override_cannot_be_recorded_on_two_invoices(
    customer, finance_user, manager_user, over_limit
):
    override = services.credit_override_request(actor=finance_user, invoice=over_limit, reason="x")
    services.credit_override_approve(actor=manager_user, override=override)
    services.invoice_issue(actor=finance_user, invoice=over_limit)
    other = draft(customer, finance_user, "1.00")

    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=other.pk).update(credit_override=override)


@pytest.mark.parametrize("decision", ["pending", "rejected"])
def test_without_an_approval_the_invoice_stays_refused(
    finance_user, manager_user, over_limit, decision
):
    override = services.credit_override_request(actor=finance_user, invoice=over_limit, reason="x")
    if decision == "rejected":
        services.credit_override_reject(actor=manager_user, override=override, note="先回款")

    assert refusal_of(over_limit, finance_user).code == "credit_limit_exceeded"
    override.refresh_from_db()
    assert (override.status, override.used_at) == (decision, None)


def test_nobody_decides_their_own_override(admin_user_, manager_user, over_limit):
    # Only an Admin may both ask (MANAGE_LEDGER) and decide (APPROVE_CREDIT).
    override = services.credit_override_request(actor=admin_user_, invoice=over_limit, reason="x")

    with pytest.raises(PermissionDeniedError) as refused:
        services.credit_override_approve(actor=admin_user_, override=override)
    override.decided_by, override.decided_at, override.status = (
        admin_user_,
        over_limit.created_at,
        "approved",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        override.save()

    assert refused.value.code == "four_eyes"
    override.refresh_from_db()
    assert override.status == "pending"
    services.credit_override_approve(actor=manager_user, override=override)


@pytest.mark.parametrize(
    ("actor_fixture", "service"),
    [
        ("sales_user", "request"),
        ("auditor_user", "request"),
        ("manager_user", "request"),
        ("finance_user", "approve"),
        ("sales_user", "approve"),
    ],
)
def test_only_finance_asks_and_only_a_manager_decides(
    request, finance_user, over_limit, actor_fixture, service
):
    actor = request.getfixturevalue(actor_fixture)
    override = None
    if service == "approve":
        override = services.credit_override_request(
            actor=finance_user, invoice=over_limit, reason="x"
        )

    with pytest.raises(PermissionDeniedError):
        if service == "request":
            services.credit_override_request(actor=actor, invoice=over_limit, reason="x")
        else:
            services.credit_override_approve(actor=actor, override=override)

    assert CreditOverride.objects.filter(status="approved").count() == 0


def test_an_override_covers_no_larger_total_than_was_approved(
    finance_user, manager_user, over_limit
):
    override = services.credit_override_request(actor=finance_user, invoice=over_limit, reason="x")
    services.credit_override_approve(actor=manager_user, override=override)
    services.invoice_update_draft(
        actor=finance_user,
        invoice=over_limit,
        lines=[{"description": "货物", "quantity": Decimal("1"), "unit_price": Decimal("50000")}],
    )

    assert refusal_of(over_limit, finance_user).code == "credit_limit_exceeded"
    # A new request is possible, since the approved one no longer covers the invoice.
    again = services.credit_override_request(actor=finance_user, invoice=over_limit, reason="y")
    assert again.invoice_total == Decimal("50000.00")


def test_an_override_does_not_cover_a_refusal_the_manager_did_not_see(
    customer, finance_user, manager_user, over_limit
):
    override = services.credit_override_request(actor=finance_user, invoice=over_limit, reason="x")
    services.credit_override_approve(actor=manager_user, override=override)
    customer_services.customer_update(actor=finance_user, customer=customer, status="on_hold")

    assert refusal_of(over_limit, finance_user).code == "customer_on_hold"


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("within_limit", "not_refused"),
        ("pending", "credit_override_pending"),
        ("approved", "credit_override_approved"),
        ("issued", "not_draft"),
    ],
)
def test_an_override_is_asked_for_only_when_one_is_needed(
    customer, finance_user, manager_user, open_60000, setup, code
):
    invoice = draft(
        customer, finance_user, "1.00" if setup in {"within_limit", "issued"} else "45000.00"
    )
    if setup in {"pending", "approved"}:
        first = services.credit_override_request(actor=finance_user, invoice=invoice, reason="x")
        if setup == "approved":
            services.credit_override_approve(actor=manager_user, override=first)
    if setup == "issued":
        services.invoice_issue(actor=finance_user, invoice=invoice)
    count = CreditOverride.objects.count()

    with pytest.raises(ApplicationError) as refused:
        services.credit_override_request(actor=finance_user, invoice=invoice, reason="again")

    assert refused.value.code == code
    assert CreditOverride.objects.count() == count


def test_a_cancelled_draft_cannot_have_its_override_approved(
    finance_user, manager_user, over_limit
):
    override = services.credit_override_request(actor=finance_user, invoice=over_limit, reason="x")
    services.invoice_cancel_draft(actor=finance_user, invoice=over_limit)

    with pytest.raises(ApplicationError) as refused:
        services.credit_override_approve(actor=manager_user, override=override)

    assert refused.value.code == "not_draft"
    assert selectors.credit_overrides_pending_approval(user=manager_user).count() == 0
