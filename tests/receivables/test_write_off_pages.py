"""Write-off pages and the approvals inbox through Django's test client: requesting, the
four-eyes rule, approving (which posts the write-off) and rejecting, and who may do what."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from receivables import selectors, services
from receivables.models import Allocation, Installment, WriteOff
from tests.factories import CustomerFactory, issued_invoice
from tests.pages import history_changes, queries_to_render

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    """A browser asking for English (the default language is Simplified Chinese), so that
    messages compare in English."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def installment(customer, finance_user) -> Installment:
    """1000.00 open, on an invoice of the sales rep's customer."""
    return issued_invoice(customer, actor=finance_user).installments.get()


@pytest.fixture
def pending(installment, manager_user) -> WriteOff:
    """manager_user asks to write off 300.00 of the installment."""
    return services.write_off_request(
        actor=manager_user, installment=installment, amount=Decimal("300.00"), reason="客户破产"
    )


def _ledger_state():
    return (
        list(WriteOff.objects.order_by("pk").values_list("status", "decided_by", "decision_note")),
        Allocation.objects.count(),
        list(Installment.objects.order_by("pk").values_list("open_amount", flat=True)),
    )


def _field_errors(response, field_name) -> list[str]:
    marker = f'data-field-error="{field_name}">'
    html = response.content.decode()
    return [part.split("</div>")[0] for part in html.split(marker)[1:]]


# --- requesting --------------------------------------------------------------------------------


@pytest.mark.parametrize("user_fixture", ["finance_user", "manager_user", "admin_user_"])
def test_the_request_form_offers_the_open_amount(client, request, installment, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))

    response = client.get(reverse("write-off-create", args=[installment.pk]))

    assert response.status_code == 200
    assert response.context["form"]["amount"].value() == Decimal("1000.00")


def test_requesting_a_write_off_records_it_pending(client, finance_user, installment):
    client.force_login(finance_user)

    response = client.post(
        reverse("write-off-create", args=[installment.pk]),
        {"amount": "250.50", "reason": "Customer insolvent; liquidator confirms nothing left."},
    )

    write_off = WriteOff.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("write-off-detail", args=[write_off.pk])
    assert (write_off.installment, write_off.amount, write_off.currency, write_off.status) == (
        installment,
        Decimal("250.50"),
        "CNY",
        WriteOff.Status.PENDING,
    )
    assert write_off.requested_by == finance_user
    assert not Allocation.objects.filter(kind=Allocation.Kind.WRITE_OFF).exists()
    installment.refresh_from_db()
    assert installment.open_amount == Decimal("1000.00")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"amount": "1000.01", "reason": "gone"},
            "amount",
            "Only 1000.00 of this installment is open and not already proposed for write-off.",
        ),
        ({"amount": "10.00", "reason": ""}, "reason", "This field is required."),
        ({"amount": "0", "reason": "gone"}, "amount", "The amount must be positive."),
    ],
)
def test_a_bad_request_shows_on_its_field_and_records_nothing(
    client, finance_user, installment, data, field, message
):
    client.force_login(finance_user)

    response = client.post(reverse("write-off-create", args=[installment.pk]), data)

    assert response.status_code == 400
    assert _field_errors(response, field) == [message]
    assert not WriteOff.objects.exists()


def test_a_sales_rep_may_not_request_write_offs(client, sales_user, installment):
    client.force_login(sales_user)

    response = client.post(
        reverse("write-off-create", args=[installment.pk]), {"amount": "1.00", "reason": "x"}
    )

    assert response.status_code == 403
    assert not WriteOff.objects.exists()


# --- list and detail ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user_fixture", ["finance_user", "manager_user", "sales_user", "auditor_user"]
)
@pytest.mark.parametrize("page", ["write-off-list", "write-off-detail"])
def test_write_off_pages_render_for_every_viewing_role(
    client, request, pending, user_fixture, page
):
    client.force_login(request.getfixturevalue(user_fixture))
    args = [pending.pk] if page == "write-off-detail" else []

    response = client.get(reverse(page, args=args))

    assert response.status_code == 200
    assert pending.installment.invoice.number in response.content.decode()


def test_a_sales_rep_gets_404_on_another_reps_write_off(client, other_sales_user, pending):
    client.force_login(other_sales_user)

    assert client.get(reverse("write-off-detail", args=[pending.pk])).status_code == 404


def test_the_list_filters_by_status_and_customer(client, finance_user, manager_user, pending):
    other_installment = issued_invoice(CustomerFactory(), actor=finance_user).installments.get()
    other = services.write_off_request(
        actor=finance_user, installment=other_installment, amount=Decimal("5.00"), reason="x"
    )
    services.write_off_reject(actor=manager_user, write_off=other)
    client.force_login(finance_user)

    def listed(query):
        return list(client.get(reverse("write-off-list") + query).context["page"])

    assert listed("?status=pending") == [pending]
    assert listed("?status=rejected") == [other]
    assert listed(f"?customer={other.customer_id}") == [other]
    assert listed("") == [other, pending]


def test_the_list_costs_the_same_queries_for_2_and_12_write_offs(client, finance_user):
    client.force_login(finance_user)
    url = reverse("write-off-list") + "?status=pending"

    def request_write_offs(count):
        for _ in range(count):
            installment = issued_invoice(CustomerFactory(), actor=finance_user).installments.get()
            services.write_off_request(
                actor=finance_user, installment=installment, amount=Decimal("1.00"), reason="x"
            )

    request_write_offs(2)
    with_two = queries_to_render(client, url)
    request_write_offs(10)

    assert queries_to_render(client, url) == with_two


def test_the_detail_shows_the_decision_and_the_allocation_it_made(client, second_manager, pending):
    services.write_off_approve(actor=second_manager, write_off=pending, note="同意核销")
    client.force_login(second_manager)

    response = client.get(reverse("write-off-detail", args=[pending.pk]))

    html = response.content.decode()
    assert "manager_t" in html and "manager_t2" in html
    assert "同意核销" in html
    assert [(a.kind, a.amount) for a in response.context["allocations"]] == [
        (Allocation.Kind.WRITE_OFF, Decimal("300.00"))
    ]
    assert reverse("write-off-approve", args=[pending.pk]) not in html
    decision = {change[0]: change for change in history_changes(html)}
    assert decision["status"] == ("status", "Status", "Pending approval", "Approved")
    assert decision["decided_by"] == ("decided_by", "Decided by", "—", "manager_t2")
    assert decision["decision_note"] == ("decision_note", "Decision note", "—", "同意核销")


# --- the approvals inbox -----------------------------------------------------------------------


def test_the_inbox_lists_pending_requests_with_their_details(client, second_manager, pending):
    client.force_login(second_manager)

    response = client.get(reverse("approval-inbox"))

    html = response.content.decode()
    assert response.status_code == 200
    assert [row["write_off"] for row in response.context["sections"][0]["rows"]] == [pending]
    for shown in (pending.customer.code, pending.installment.invoice.number, "客户破产"):
        assert shown in html
    assert reverse("write-off-approve", args=[pending.pk]) in html


def test_a_manager_sees_their_own_request_but_no_button_to_decide_it(client, manager_user, pending):
    client.force_login(manager_user)

    response = client.get(reverse("approval-inbox"))

    html = response.content.decode()
    assert pending.installment.invoice.number in html
    assert reverse("write-off-approve", args=[pending.pk]) not in html
    assert reverse("write-off-reject", args=[pending.pk]) not in html


@pytest.mark.parametrize("user_fixture", ["finance_user", "sales_user", "auditor_user"])
def test_only_approvers_open_the_inbox(client, request, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))

    assert client.get(reverse("approval-inbox")).status_code == 403


def test_approving_posts_the_write_off_and_empties_the_inbox(
    client, second_manager, pending, installment
):
    client.force_login(second_manager)

    response = client.post(
        reverse("write-off-approve", args=[pending.pk]), {"note": "Checked the court filing."}
    )

    assert response.status_code == 302
    assert response.url == reverse("approval-inbox")
    pending.refresh_from_db()
    installment.refresh_from_db()
    assert (pending.status, pending.decided_by, pending.decision_note) == (
        WriteOff.Status.APPROVED,
        second_manager,
        "Checked the court filing.",
    )
    assert list(Allocation.objects.values_list("kind", "write_off", "installment", "amount")) == [
        (Allocation.Kind.WRITE_OFF, pending.pk, installment.pk, Decimal("300.00"))
    ]
    assert installment.open_amount == Decimal("700.00")
    assert client.get(reverse("approval-inbox")).context["sections"][0]["rows"] == []


def test_rejecting_leaves_the_installment_open(client, second_manager, pending, installment):
    client.force_login(second_manager)

    response = client.post(reverse("write-off-reject", args=[pending.pk]), {"note": ""})

    assert response.status_code == 302
    pending.refresh_from_db()
    installment.refresh_from_db()
    assert (pending.status, pending.decided_by) == (WriteOff.Status.REJECTED, second_manager)
    assert not Allocation.objects.exists()
    assert installment.open_amount == Decimal("1000.00")


@pytest.mark.parametrize("decision", ["write-off-approve", "write-off-reject"])
def test_a_manager_cannot_decide_their_own_request(client, manager_user, pending, decision):
    client.force_login(manager_user)
    before = _ledger_state()

    response = client.post(reverse(decision, args=[pending.pk]), {"note": "mine"})

    assert response.status_code == 403
    assert _ledger_state() == before


def test_a_note_too_long_shows_on_the_note_and_decides_nothing(client, second_manager, pending):
    client.force_login(second_manager)
    before = _ledger_state()

    response = client.post(reverse("write-off-approve", args=[pending.pk]), {"note": "长" * 301})

    assert response.status_code == 400
    assert _field_errors(response, "note") == [
        "Ensure this value has at most 300 characters (it has 301)."
    ]
    assert _ledger_state() == before


def test_a_decided_request_cannot_be_decided_again(client, second_manager, admin_user_, pending):
    services.write_off_reject(actor=admin_user_, write_off=pending)
    client.force_login(second_manager)
    before = _ledger_state()

    response = client.post(reverse("write-off-approve", args=[pending.pk]), {"note": ""})

    assert response.status_code == 400
    assert "This write-off was already decided." in response.content.decode()
    assert _ledger_state() == before


@pytest.mark.parametrize("page", ["write-off-approve", "write-off-reject", "write-off-create"])
def test_an_auditor_gets_403_on_every_write_off_post(client, auditor_user, pending, page):
    client.force_login(auditor_user)
    pk = pending.installment_id if page == "write-off-create" else pending.pk
    before = (_ledger_state(), WriteOff.objects.count())

    response = client.post(reverse(page, args=[pk]), {"amount": "1.00", "reason": "x", "note": ""})

    assert response.status_code == 403
    assert (_ledger_state(), WriteOff.objects.count()) == before


def test_an_auditor_sees_no_decision_buttons(client, auditor_user, pending):
    client.force_login(auditor_user)

    html = client.get(reverse("write-off-detail", args=[pending.pk])).content.decode()

    assert reverse("write-off-approve", args=[pending.pk]) not in html
    assert reverse("write-off-reject", args=[pending.pk]) not in html


def test_the_pending_count_leaves_out_what_the_user_may_not_decide(
    finance_user, manager_user, second_manager, pending
):
    installment = issued_invoice(CustomerFactory(), actor=finance_user).installments.get()
    services.write_off_request(
        actor=second_manager, installment=installment, amount=Decimal("1.00"), reason="x"
    )

    assert selectors.pending_approvals_count(manager_user) == 1
    assert selectors.pending_approvals_count(second_manager) == 1
    assert selectors.pending_approvals_count(finance_user) == 0


def test_the_navigation_shows_how_many_requests_wait_for_the_managers_decision(
    client, customer, finance_user, manager_user, second_manager
):
    installment = issued_invoice(customer, actor=finance_user).installments.get()
    services.write_off_request(
        actor=finance_user, installment=installment, amount=Decimal("10.00"), reason="小额尾差"
    )
    services.write_off_request(
        actor=manager_user, installment=installment, amount=Decimal("5.00"), reason="尾差"
    )

    client.force_login(manager_user)
    own_view = client.get(reverse("home")).content.decode()
    client.force_login(second_manager)
    other_view = client.get(reverse("home")).content.decode()
    client.force_login(finance_user)
    finance_view = client.get(reverse("home")).content.decode()

    # The manager's own request waits for someone else, so it is not counted for them.
    assert re.search(r"data-pending-approvals[^>]*>1<", own_view)
    assert re.search(r"data-pending-approvals[^>]*>2<", other_view)
    assert "data-pending-approvals" not in finance_view
