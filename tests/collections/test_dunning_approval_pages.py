"""Dunning messages pages through Django's test client: the managers' approvals queue (body
preview, attachments, approve → sent exactly once, reject), the navigation badge, the messages
list (scope, filters, constant queries), one message, its attachment, and Finance's "run
dunning now"."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from arcollections.business_days import is_business_day
from arcollections.context_processors import collections as collections_context
from arcollections.models import Activity, DunningMessage
from arcollections.services.dunning import dunning_run
from tests.collections.conftest import dunned_customer, invoice_due, seed_policies
from tests.pages import queries_to_render

pytestmark = pytest.mark.django_db

# A Friday and a working day. An invoice due 60 days before has reached the +60 formal demand
# (demand letter attached, a manager approves); one due 7 days before, the +7 e-mail.
RUN_DATE = date(2026, 4, 10)
DEMAND_DUE = RUN_DATE - timedelta(days=60)
REMINDER_DUE = RUN_DATE - timedelta(days=7)


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture(autouse=True)
def policies(db):
    seed_policies()


@pytest.fixture
def demand(sales_user, finance_user) -> DunningMessage:
    """A formal demand to sales_user's Chinese customer, held for approval."""
    customer = dunned_customer(owner=sales_user, legal_name="苏州河畔贸易有限公司")
    invoice_due(customer, actor=finance_user, due=DEMAND_DUE)
    dunning_run(run_date=RUN_DATE)
    return DunningMessage.objects.get(customer=customer)


def _pending_ids(response) -> list[int]:
    return [
        int(pk) for pk in re.findall(r'data-pending-message="(\d+)"', response.content.decode())
    ]


def _listed(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-message="(\d+)"', response.content.decode())]


# --- approvals -----------------------------------------------------------------------------------


def test_a_manager_sees_the_held_demand_with_its_text_and_attachment(client, manager_user, demand):
    client.force_login(manager_user)

    response = client.get(reverse("dunning-approval-list"))

    page = response.content.decode()
    assert response.status_code == 200
    assert demand.status == DunningMessage.Status.PENDING_APPROVAL
    assert _pending_ids(response) == [demand.pk]
    assert demand.body and demand.body.strip().splitlines()[0] in page
    assert "苏州河畔贸易有限公司" in page
    invoice_number = demand.notices.get(step=demand.step).installment.invoice.number
    assert invoice_number in page
    attachment_url = reverse("dunning-message-attachment", args=[demand.pk, 0])
    assert f'href="{attachment_url}"' in page


@pytest.mark.parametrize("user", ["finance_user", "sales_user", "auditor_user"])
def test_only_managers_open_the_approvals_queue(client, request, demand, user):
    client.force_login(request.getfixturevalue(user))

    assert client.get(reverse("dunning-approval-list")).status_code == 403
    assert client.post(reverse("dunning-message-approve", args=[demand.pk])).status_code == 403
    demand.refresh_from_db()
    assert demand.status == DunningMessage.Status.PENDING_APPROVAL


def test_the_attachment_is_the_demand_letter_pdf(client, sales_user, other_sales_user, demand):
    url = reverse("dunning-message-attachment", args=[demand.pk, 0])
    client.force_login(sales_user)

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"demand-{demand.customer.code}-2026-04-10.pdf" in response["Content-Disposition"]
    assert client.get(reverse("dunning-message-attachment", args=[demand.pk, 1])).status_code == 404
    client.force_login(other_sales_user)
    assert client.get(url).status_code == 404


def test_approving_sends_the_demand_once(
    client, manager_user, demand, django_capture_on_commit_callbacks
):
    client.force_login(manager_user)
    url = reverse("dunning-message-approve", args=[demand.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"next": reverse("dunning-approval-list")})
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, follow=True)

    assert response.status_code == 302
    assert response.url == reverse("dunning-approval-list")
    demand.refresh_from_db()
    assert (demand.status, demand.approved_by) == (DunningMessage.Status.SENT, manager_user)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [demand.recipients]
    assert mail.outbox[0].subject == demand.subject
    assert [name for name, _content, _type in mail.outbox[0].attachments] == [
        f"demand-{demand.customer.code}-2026-04-10.pdf"
    ]
    assert "This message is not awaiting approval." in again.content.decode()
    assert _pending_ids(client.get(reverse("dunning-approval-list"))) == []


def test_rejecting_stops_the_message_and_notes_why(client, manager_user, demand):
    client.force_login(manager_user)

    response = client.post(
        reverse("dunning-message-reject", args=[demand.pk]), {"reason": "客户已承诺本周付款"}
    )

    assert response.status_code == 302
    demand.refresh_from_db()
    assert (demand.status, demand.approved_by) == (DunningMessage.Status.REJECTED, manager_user)
    note = Activity.objects.get(dunning_message=demand)
    assert note.kind == Activity.Kind.NOTE
    assert "客户已承诺本周付款" in note.note
    assert mail.outbox == []


def test_the_message_page_lets_a_manager_decide(client, manager_user, finance_user, demand):
    url = reverse("dunning-message-detail", args=[demand.pk])
    client.force_login(finance_user)
    assert "data-approve" not in client.get(url).content.decode()

    client.force_login(manager_user)
    page = client.get(url).content.decode()

    assert "data-approve" in page and "data-reject" in page


# --- the navigation badge ------------------------------------------------------------------------


def test_the_badge_counts_held_messages_for_managers_only(
    client, manager_user, finance_user, demand
):
    client.force_login(manager_user)
    manager_page = client.get(reverse("dunning-policy-list")).content.decode()
    client.force_login(finance_user)
    finance_page = client.get(reverse("dunning-policy-list")).content.decode()

    assert re.search(r"data-dunning-approvals-total[^>]*>(\d+)<", manager_page)[1] == "1"
    assert re.search(r"data-dunning-approvals [^>]*>(\d+)<", manager_page)[1] == "1"
    assert reverse("dunning-approval-list") in manager_page
    assert "data-dunning-approvals" not in finance_page
    assert reverse("dunning-approval-list") not in finance_page


def test_the_badge_costs_one_query_and_none_for_others(
    manager_user, finance_user, demand, django_assert_num_queries
):
    def context_for(user):
        request = RequestFactory().get("/")
        request.user = user
        return collections_context(request)

    context_for(manager_user)  # the user's roles are read (and cached) once per request
    context_for(finance_user)

    with django_assert_num_queries(0):
        assert context_for(finance_user) == {}
    with django_assert_num_queries(1):
        assert context_for(manager_user)["dunning_approvals"]() == 1


# --- the messages list ---------------------------------------------------------------------------


def test_a_sales_rep_lists_and_opens_only_own_customers_messages(
    client, sales_user, other_sales_user, finance_user, demand
):
    others = dunned_customer(owner=other_sales_user)
    invoice_due(others, actor=finance_user, due=REMINDER_DUE)
    dunning_run(run_date=RUN_DATE)
    theirs = DunningMessage.objects.get(customer=others)
    client.force_login(sales_user)

    assert _listed(client.get(reverse("dunning-message-list"))) == [demand.pk]
    assert client.get(reverse("dunning-message-detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("dunning-message-detail", args=[demand.pk])).status_code == 200


def test_the_messages_list_filters(client, finance_user, demand):
    reminded = dunned_customer()
    invoice_due(reminded, actor=finance_user, due=REMINDER_DUE)
    called = dunned_customer()
    invoice_due(called, actor=finance_user, due=RUN_DATE - timedelta(days=15))
    dunning_run(run_date=RUN_DATE)
    earlier = dunned_customer()
    invoice_due(earlier, actor=finance_user, due=date(2026, 3, 2))
    dunning_run(run_date=date(2026, 3, 3))
    by_customer = {m.customer_id: m.pk for m in DunningMessage.objects.all()}
    client.force_login(finance_user)
    url = reverse("dunning-message-list")

    def listed(**query):
        return sorted(_listed(client.get(url, query)))

    assert listed(status="pending_approval") == [demand.pk]
    assert listed(channel="call") == [by_customer[called.pk]]
    assert listed(date_to="2026-03-31") == [by_customer[earlier.pk]]
    assert listed(date_from="2026-04-10", channel="email", status="queued") == [
        by_customer[reminded.pk]
    ]
    assert listed(customer=reminded.code.lower()) == [by_customer[reminded.pk]]
    assert len(listed()) == 4


def test_the_messages_list_costs_the_same_queries_at_any_length(client, finance_user, demand):
    client.force_login(finance_user)
    url = reverse("dunning-message-list")
    queries_to_render(client, url)
    small = queries_to_render(client, url)
    for offset in (7, 15, 30, 60):
        customer = dunned_customer()
        invoice_due(customer, actor=finance_user, due=RUN_DATE - timedelta(days=offset))
        invoice_due(customer, actor=finance_user, due=RUN_DATE - timedelta(days=offset + 1))
    dunning_run(run_date=RUN_DATE)

    assert DunningMessage.objects.count() == 5
    assert queries_to_render(client, url) == small


# --- run now -------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["sales_user", "manager_user", "auditor_user"])
def test_only_finance_runs_dunning_now(client, request, finance_user, user):
    customer = dunned_customer()
    invoice_due(customer, actor=finance_user, due=timezone.localdate() - timedelta(days=1))
    client.force_login(request.getfixturevalue(user))

    assert client.post(reverse("dunning-run-now")).status_code == 403
    assert not DunningMessage.objects.exists()


def test_run_now_runs_today_and_sends_once(client, finance_user):
    today = timezone.localdate()
    customer = dunned_customer(language="en")
    invoice_due(customer, actor=finance_user, due=today - timedelta(days=1))
    client.force_login(finance_user)

    first = client.post(reverse("dunning-run-now"), follow=True)
    second = client.post(reverse("dunning-run-now"), follow=True)

    assert first.redirect_chain == [(reverse("dunning-message-list"), 302)]
    messages = list(DunningMessage.objects.values_list("customer_id", "run_date", "status"))
    if is_business_day(today):
        # The +1 e-mail, written and sent by the first press; the second adds nothing.
        assert messages == [(customer.pk, today, DunningMessage.Status.SENT)]
        assert len(mail.outbox) == 1
        assert "1 new messages for 1 customers; 1 e-mails sent." in first.content.decode()
        assert "0 new messages for 0 customers; 0 e-mails sent." in second.content.decode()
    else:
        assert messages == []
        assert "is not a working day: nothing was sent." in first.content.decode()
