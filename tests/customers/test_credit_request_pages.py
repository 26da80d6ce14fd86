"""Credit change pages: the request form (prefilled from a suggestion link), the request with
its decision, and the credit change section of the managers' approvals inbox."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from customers import services
from customers.models import CreditChangeRequest, Customer
from receivables import selectors
from tests.factories import CustomerFactory, PaymentTermsFactory
from tests.pages import history_changes, queries_to_render

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    """Pages in English, so that messages compare in English."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def net60(db):
    return PaymentTermsFactory(code="NET60", name="Net 60", net_days=60)


@pytest.fixture
def pending(customer, finance_user, net60):
    """Finance asks for 150,000.00 and Net 60 for the sales rep's customer."""
    return services.credit_change_request(
        actor=finance_user,
        customer=customer,
        credit_limit=Decimal("150000.00"),
        default_payment_terms=net60,
        reason="评级升至AA",
    )


def field_errors(response) -> dict[str, list[str]]:
    errors = {}
    for name, message in re.findall(
        r'data-field-error="([^"]+)">([^<]*)<', response.content.decode()
    ):
        errors.setdefault(name, []).append(message)
    return errors


def state():
    return (
        list(CreditChangeRequest.objects.order_by("pk").values_list("status", "decided_by")),
        list(Customer.objects.order_by("pk").values_list("credit_limit", "default_payment_terms")),
    )


# --- asking ------------------------------------------------------------------------------------


@pytest.mark.parametrize("user_fixture", ["finance_user", "manager_user", "admin_user_"])
def test_the_form_shows_the_current_values(client, request, customer, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))

    response = client.get(reverse("credit-request-create", args=[customer.pk]))

    assert response.status_code == 200
    assert response.context["form"]["credit_limit"].value() == Decimal("100000.00")
    assert response.context["form"]["default_payment_terms"].value() == (
        customer.default_payment_terms_id
    )


def test_a_suggestion_link_prefills_the_form(client, finance_user, customer, net60):
    client.force_login(finance_user)

    response = client.get(
        reverse("credit-request-create", args=[customer.pk]),
        {"credit_limit": "250000.00", "payment_terms": net60.pk},
    )

    html = response.content.decode()
    assert 'value="250000.00"' in html
    assert re.search(rf'<option value="{net60.pk}" selected>', html)


def test_a_suggestion_that_is_not_a_number_is_ignored(client, finance_user, customer):
    client.force_login(finance_user)

    response = client.get(
        reverse("credit-request-create", args=[customer.pk]),
        {"credit_limit": "NaN", "payment_terms": "x"},
    )

    assert response.context["form"]["credit_limit"].value() == Decimal("100000.00")


def test_asking_records_the_request_and_changes_nothing_yet(client, finance_user, customer, net60):
    client.force_login(finance_user)

    response = client.post(
        reverse("credit-request-create", args=[customer.pk]),
        {"credit_limit": "150000.00", "default_payment_terms": net60.pk, "reason": "评级升至AA"},
    )

    change = CreditChangeRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("credit-request-detail", args=[change.pk])
    assert (
        change.customer,
        change.credit_limit,
        change.default_payment_terms,
        change.credit_limit_before,
        change.status,
        change.requested_by,
    ) == (customer, Decimal("150000.00"), net60, Decimal("100000.00"), "pending", finance_user)
    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("100000.00")


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"credit_limit": "-1", "reason": "x"},
            {"credit_limit": ["The credit limit cannot be negative."]},
        ),
        (
            {"credit_limit": "100000.00", "reason": "x"},
            {
                "credit_limit": [
                    "Ask for a credit limit or payment terms different from the current ones."
                ]
            },
        ),
        ({"credit_limit": "5", "reason": ""}, {"reason": ["This field is required."]}),
    ],
)
def test_an_invalid_request_is_shown_on_its_field_and_saves_nothing(
    client, finance_user, customer, data, errors
):
    client.force_login(finance_user)
    before = state()

    response = client.post(reverse("credit-request-create", args=[customer.pk]), data)

    assert response.status_code == 400
    assert field_errors(response) == errors
    assert state() == before


def test_a_second_request_while_one_waits_is_refused_with_a_link_to_it(
    client, manager_user, customer, pending
):
    client.force_login(manager_user)
    before = state()

    response = client.post(
        reverse("credit-request-create", args=[customer.pk]),
        {"credit_limit": "1.00", "reason": "x"},
    )

    assert response.status_code == 400
    assert reverse("credit-request-detail", args=[pending.pk]) in response.content.decode()
    assert "already has a credit change waiting" in response.content.decode()
    assert state() == before


@pytest.mark.parametrize("user_fixture", ["sales_user", "auditor_user"])
def test_sales_reps_and_auditors_may_not_ask(client, request, customer, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))
    before = state()

    url = reverse("credit-request-create", args=[customer.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"credit_limit": "1", "reason": "x"}).status_code == 403
    assert state() == before


# --- the request and its decision --------------------------------------------------------------


def test_another_manager_approves_from_the_request_page(
    client, manager_user, customer, pending, net60
):
    client.force_login(manager_user)
    page = client.get(reverse("credit-request-detail", args=[pending.pk])).content.decode()
    assert reverse("credit-request-approve", args=[pending.pk]) in page

    response = client.post(
        reverse("credit-request-approve", args=[pending.pk]), {"note": "Rating supports it."}
    )

    assert response.status_code == 302
    assert response.url == reverse("approval-inbox")
    customer.refresh_from_db()
    pending.refresh_from_db()
    assert (customer.credit_limit, customer.default_payment_terms) == (Decimal("150000.00"), net60)
    assert (pending.status, pending.decided_by, pending.decision_note) == (
        "approved",
        manager_user,
        "Rating supports it.",
    )
    trail = client.get(reverse("credit-request-detail", args=[pending.pk])).content.decode()
    assert ("status", "Status", "Pending approval", "Approved") in history_changes(trail)


def test_rejecting_changes_nothing_on_the_customer(client, manager_user, customer, pending):
    client.force_login(manager_user)

    response = client.post(reverse("credit-request-reject", args=[pending.pk]), {"note": ""})

    assert response.status_code == 302
    customer.refresh_from_db()
    pending.refresh_from_db()
    assert (pending.status, customer.credit_limit) == ("rejected", Decimal("100000.00"))


@pytest.mark.parametrize("decision", ["credit-request-approve", "credit-request-reject"])
def test_the_requester_cannot_decide(client, manager_user, customer, decision):
    change = services.credit_change_request(
        actor=manager_user, customer=customer, credit_limit=Decimal("1.00"), reason="x"
    )
    client.force_login(manager_user)
    before = state()

    page = client.get(reverse("credit-request-detail", args=[change.pk])).content.decode()
    response = client.post(reverse(decision, args=[change.pk]), {"note": ""})

    assert "another manager must decide it" in page
    assert reverse(decision, args=[change.pk]) not in page
    assert response.status_code == 403
    assert state() == before


def test_a_decided_request_shows_why_it_cannot_be_decided_again(
    client, manager_user, second_manager, pending
):
    services.credit_change_reject(actor=second_manager, change=pending)
    client.force_login(manager_user)
    before = state()

    response = client.post(reverse("credit-request-approve", args=[pending.pk]), {"note": ""})

    assert response.status_code == 400
    assert "This credit change was already rejected." in response.content.decode()
    assert state() == before


def test_the_requester_withdraws_it(client, finance_user, pending):
    client.force_login(finance_user)

    page = client.get(reverse("credit-request-detail", args=[pending.pk])).content.decode()
    response = client.post(reverse("credit-request-withdraw", args=[pending.pk]))

    assert reverse("credit-request-withdraw", args=[pending.pk]) in page
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "withdrawn"


@pytest.mark.parametrize(
    "page", ["credit-request-approve", "credit-request-reject", "credit-request-withdraw"]
)
def test_an_auditor_gets_403_on_every_post_and_sees_no_buttons(client, auditor_user, pending, page):
    client.force_login(auditor_user)
    before = state()

    html = client.get(reverse("credit-request-detail", args=[pending.pk])).content.decode()
    response = client.post(reverse(page, args=[pending.pk]), {"note": ""})

    assert reverse(page, args=[pending.pk]) not in html
    assert response.status_code == 403
    assert state() == before


def test_a_sales_rep_sees_their_customers_request_but_not_another_reps(
    client, sales_user, manager_user, pending
):
    theirs = services.credit_change_request(
        actor=manager_user, customer=CustomerFactory(), credit_limit=Decimal("1.00"), reason="x"
    )
    client.force_login(sales_user)

    assert client.get(reverse("credit-request-detail", args=[pending.pk])).status_code == 200
    assert client.get(reverse("credit-request-detail", args=[theirs.pk])).status_code == 404


# --- the approvals inbox -----------------------------------------------------------------------


def _section(response, kind):
    return next(s for s in response.context["sections"] if s["kind"] == kind)


def test_the_inbox_lists_credit_changes_with_a_decision_form(client, manager_user, pending):
    client.force_login(manager_user)

    response = client.get(reverse("approval-inbox"))

    html = response.content.decode()
    assert [s["kind"] for s in response.context["sections"]] == [
        "write_off",
        "credit_change",
        "credit_override",
    ]
    assert [row["change"] for row in _section(response, "credit_change")["rows"]] == [pending]
    for shown in (pending.customer.code, "¥150,000.00", "Net 60", "评级升至AA"):
        assert shown in html
    assert reverse("credit-request-approve", args=[pending.pk]) in html


def test_the_inbox_shows_a_managers_own_request_without_buttons(client, manager_user, customer):
    change = services.credit_change_request(
        actor=manager_user, customer=customer, credit_limit=Decimal("1.00"), reason="x"
    )
    client.force_login(manager_user)

    html = client.get(reverse("approval-inbox")).content.decode()

    assert f'data-credit-request="{change.pk}"' in html
    assert reverse("credit-request-approve", args=[change.pk]) not in html


def test_the_badge_counts_credit_changes_but_not_the_users_own(
    finance_user, manager_user, second_manager, customer, pending
):
    services.credit_change_request(
        actor=manager_user, customer=CustomerFactory(), credit_limit=Decimal("1.00"), reason="x"
    )

    assert selectors.pending_approvals_count(manager_user) == 1
    assert selectors.pending_approvals_count(second_manager) == 2
    assert selectors.pending_approvals_count(finance_user) == 0


def test_the_inbox_costs_the_same_queries_for_2_and_12_credit_changes(
    client, finance_user, manager_user
):
    def add_requests(count):
        for _ in range(count):
            services.credit_change_request(
                actor=finance_user,
                customer=CustomerFactory(),
                credit_limit=Decimal("5.00"),
                default_payment_terms=PaymentTermsFactory(code="NET60"),
                reason="x",
            )

    add_requests(2)
    client.force_login(manager_user)
    with_2 = queries_to_render(client, reverse("approval-inbox"))
    add_requests(10)
    with_12 = queries_to_render(client, reverse("approval-inbox"))

    assert CreditChangeRequest.objects.count() == 12
    assert with_2 == with_12
