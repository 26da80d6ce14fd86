"""Credit control on the pages: the invoice page's refusal and override request, the override
section of the approvals inbox, the editor's refusal and headroom, and the customer page's
headroom. The customer fixture: CNY, credit limit 100,000.00, Net 30."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from receivables import selectors, services
from receivables.models import CreditOverride, Invoice
from tests.factories import CustomerFactory, issued_invoice
from tests.pages import queries_to_render
from tests.receivables.test_invoice_pages import editor_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    """A browser asking for English, so that messages compare in English."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _draft(customer, actor, amount):
    return services.invoice_create_draft(
        actor=actor,
        customer=customer,
        issue_date=date(2026, 3, 1),
        lines=[{"description": "货物", "quantity": Decimal("1"), "unit_price": Decimal(amount)}],
    )


@pytest.fixture
def over_limit(customer, finance_user):
    """60,000.00 open and a 45,000.00 draft: 5,000.00 over the limit."""
    issued_invoice(customer, actor=finance_user, amount=Decimal("60000.00"))
    return _draft(customer, finance_user, "45000.00")


@pytest.fixture
def requested(over_limit, finance_user):
    return services.credit_override_request(
        actor=finance_user, invoice=over_limit, reason="客户已承诺月底付款"
    )


def state():
    return (
        list(CreditOverride.objects.order_by("pk").values_list("status", "decided_by", "used_at")),
        list(Invoice.objects.order_by("pk").values_list("status", "number")),
    )


def detail(client, invoice) -> str:
    response = client.get(reverse("invoice-detail", args=[invoice.pk]))
    assert response.status_code == 200
    return response.content.decode()


# --- the invoice page --------------------------------------------------------------------------


def test_finance_sees_why_the_draft_is_refused_and_may_ask_for_an_override(
    client, finance_user, over_limit
):
    client.force_login(finance_user)

    html = detail(client, over_limit)

    assert 'data-refusal="credit_limit_exceeded"' in html
    assert "would owe 105,000.00 CNY" in html
    assert reverse("invoice-credit-override", args=[over_limit.pk]) in html


@pytest.mark.parametrize("user_fixture", ["auditor_user", "sales_user", "manager_user"])
def test_others_see_the_refusal_but_no_override_form(client, request, over_limit, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))

    html = detail(client, over_limit)

    assert 'data-refusal="credit_limit_exceeded"' in html
    assert reverse("invoice-credit-override", args=[over_limit.pk]) not in html


def test_a_draft_within_the_limit_shows_no_credit_control(client, customer, finance_user):
    client.force_login(finance_user)

    html = detail(client, _draft(customer, finance_user, "100.00"))

    assert "data-credit-control" not in html


def test_asking_for_an_override_records_it_and_shows_its_status(client, finance_user, over_limit):
    client.force_login(finance_user)

    response = client.post(
        reverse("invoice-credit-override", args=[over_limit.pk]), {"reason": "已收定金"}
    )

    override = CreditOverride.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("invoice-detail", args=[over_limit.pk])
    assert (
        override.invoice,
        override.reason,
        override.status,
        override.requested_by,
        override.invoice_total,
        override.refusal_codes,
    ) == (
        over_limit,
        "已收定金",
        "pending",
        finance_user,
        Decimal("45000.00"),
        "credit_limit_exceeded",
    )
    html = detail(client, over_limit)
    assert f'data-override="{override.pk}" data-override-status="pending"' in html
    assert reverse("invoice-credit-override", args=[over_limit.pk]) not in html


def test_an_override_without_a_reason_is_shown_on_the_field_and_saves_nothing(
    client, finance_user, over_limit
):
    client.force_login(finance_user)
    before = state()

    response = client.post(reverse("invoice-credit-override", args=[over_limit.pk]), {"reason": ""})

    assert response.status_code == 400
    assert re.search(
        r'data-field-error="reason">This field is required\.<', response.content.decode()
    )
    assert state() == before


@pytest.mark.parametrize("user_fixture", ["auditor_user", "sales_user", "manager_user"])
def test_only_finance_may_ask(client, request, over_limit, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))
    before = state()

    response = client.post(
        reverse("invoice-credit-override", args=[over_limit.pk]), {"reason": "x"}
    )

    assert response.status_code == 403
    assert state() == before


def test_a_sales_rep_gets_404_on_another_reps_refused_draft(client, other_sales_user, over_limit):
    client.force_login(other_sales_user)

    assert client.get(reverse("invoice-detail", args=[over_limit.pk])).status_code == 404


def test_issuing_a_refused_draft_shows_the_refusal(client, finance_user, over_limit):
    client.force_login(finance_user)

    response = client.post(reverse("invoice-issue", args=[over_limit.pk]), follow=True)

    over_limit.refresh_from_db()
    assert over_limit.status == "draft"
    assert "would owe 105,000.00 CNY" in response.content.decode()


# --- the approvals inbox and the decision ------------------------------------------------------


def _override_rows(client):
    response = client.get(reverse("approval-inbox"))
    section = next(s for s in response.context["sections"] if s["kind"] == "credit_override")
    return response, [row["override"] for row in section["rows"]]


def test_the_inbox_lists_the_override_and_approving_lets_the_invoice_be_issued_once(
    client, finance_user, manager_user, requested, over_limit
):
    client.force_login(manager_user)
    response, rows = _override_rows(client)
    html = response.content.decode()
    assert rows == [requested]
    for shown in (str(over_limit), "¥45,000.00", "客户已承诺月底付款", "would owe 105,000.00 CNY"):
        assert shown in html

    approved = client.post(
        reverse("credit-override-approve", args=[requested.pk]), {"note": "一次性"}
    )
    client.force_login(finance_user)
    issued = client.post(reverse("invoice-issue", args=[over_limit.pk]))

    assert (approved.status_code, approved.url) == (302, reverse("approval-inbox"))
    assert issued.status_code == 302
    over_limit.refresh_from_db()
    requested.refresh_from_db()
    assert (over_limit.status, over_limit.credit_override) == ("issued", requested)
    assert (requested.status, requested.decided_by, requested.decision_note) == (
        "approved",
        manager_user,
        "一次性",
    )
    assert "data-override-used" in detail(client, over_limit)


def test_rejecting_keeps_the_draft_refused(client, manager_user, requested, over_limit):
    client.force_login(manager_user)

    client.post(reverse("credit-override-reject", args=[requested.pk]), {"note": "先回款"})

    requested.refresh_from_db()
    assert (requested.status, requested.decision_note) == ("rejected", "先回款")
    assert _override_rows(client)[1] == []


@pytest.mark.parametrize("page", ["credit-override-approve", "credit-override-reject"])
@pytest.mark.parametrize("user_fixture", ["finance_user", "auditor_user", "sales_user"])
def test_only_a_manager_decides(client, request, requested, page, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))
    before = state()

    assert client.post(reverse(page, args=[requested.pk]), {"note": ""}).status_code == 403
    assert state() == before


def test_nobody_decides_their_own_override(client, admin_user_, over_limit):
    own = services.credit_override_request(actor=admin_user_, invoice=over_limit, reason="x")
    client.force_login(admin_user_)
    before = state()

    response, rows = _override_rows(client)
    decided = client.post(reverse("credit-override-approve", args=[own.pk]), {"note": ""})

    assert rows == [own]
    assert reverse("credit-override-approve", args=[own.pk]) not in response.content.decode()
    assert decided.status_code == 403
    assert state() == before


def test_the_badge_counts_overrides_for_managers_only(
    finance_user, manager_user, admin_user_, requested
):
    assert selectors.pending_approvals_count(manager_user) == 1
    assert selectors.pending_approvals_count(admin_user_) == 1
    assert selectors.pending_approvals_count(finance_user) == 0


def test_the_inbox_costs_the_same_queries_for_2_and_12_overrides(
    client, finance_user, manager_user
):
    def add_overrides(count):
        for _ in range(count):
            customer = CustomerFactory(credit_limit=Decimal("10.00"))
            services.credit_override_request(
                actor=finance_user, invoice=_draft(customer, finance_user, "50.00"), reason="x"
            )

    add_overrides(2)
    client.force_login(manager_user)
    with_2 = queries_to_render(client, reverse("approval-inbox"))
    add_overrides(10)
    with_12 = queries_to_render(client, reverse("approval-inbox"))

    assert CreditOverride.objects.count() == 12
    assert with_2 == with_12


# --- the editor and the customer page ----------------------------------------------------------


def test_the_editor_shows_the_headroom_left_after_the_invoice(client, customer, finance_user):
    issued_invoice(customer, actor=finance_user, amount=Decimal("60000.00"))
    client.force_login(finance_user)

    within = client.post(
        reverse("invoice-preview"), editor_data(customer, lines=[("Goods", "1", "30000", "0")])
    ).content.decode()
    over = client.post(
        reverse("invoice-preview"), editor_data(customer, lines=[("Goods", "1", "45000", "0")])
    ).content.decode()

    assert re.search(r'data-preview="headroom">¥10,000.00<', within)
    assert 'data-preview="over-limit"' not in within
    assert re.search(r'data-preview="headroom">-¥5,000.00<', over)
    assert 'data-preview="over-limit"' in over


def test_issuing_from_the_editor_over_the_limit_shows_why_on_the_customer_and_saves_nothing(
    client, customer, finance_user
):
    issued_invoice(customer, actor=finance_user, amount=Decimal("60000.00"))
    client.force_login(finance_user)
    before = state()

    response = client.post(
        reverse("invoice-create"),
        {**editor_data(customer, lines=[("Goods", "1", "45000", "0")]), "issue": ""},
    )

    assert response.status_code == 400
    assert re.search(
        r'data-field-error="customer">Customer \S+ would owe 105,000.00 CNY',
        response.content.decode(),
    )
    assert state() == before


def test_a_sales_rep_sees_the_headroom_of_their_customer(
    client, customer, finance_user, sales_user
):
    issued_invoice(customer, actor=finance_user, amount=Decimal("60000.00"))
    client.force_login(sales_user)

    html = client.get(reverse("customer-detail", args=[customer.pk])).content.decode()

    assert re.search(r'data-kpi="credit-headroom">Headroom: ¥40,000.00<', html)
