"""The activity log: logging calls, visits and notes (with a promise to pay made during them),
completing the dunning run's call tasks, the pages that do it, and the customer 360 timeline."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from arcollections.models import Activity, DunningMessage, DunningStep, PromiseToPay
from arcollections.selectors.activities import customer_timeline
from arcollections.services.activities import PromiseTerms, activity_log, dunning_task_complete
from core.exceptions import ApplicationError, PermissionDeniedError
from receivables.services import dispute_open
from tests.factories import ContactFactory, CustomerFactory, issued_invoice

pytestmark = pytest.mark.django_db

CALLED_AT = timezone.make_aware(datetime(2026, 3, 2, 10, 30))


@pytest.fixture
def debtor(sales_user, finance_user):
    customer = CustomerFactory(owner=sales_user)
    issued_invoice(customer, actor=finance_user, amount=Decimal("8000.00"))
    return customer


@pytest.fixture
def contact(debtor):
    return ContactFactory(customer=debtor, name="王经理")


def _log(customer, actor, **fields):
    fields.setdefault("kind", Activity.Kind.CALL)
    fields.setdefault("occurred_at", CALLED_AT)
    return activity_log(actor=actor, customer=customer, **fields)


@pytest.fixture
def call_task(debtor, standard_policy, sales_user):
    """The open call task a dunning run left for `debtor` (its +15 step)."""
    step = standard_policy.steps.get(channel=DunningStep.Channel.CALL)
    return DunningMessage.objects.create(
        customer=debtor,
        step=step,
        run_date=date(2026, 2, 24),
        channel=step.channel,
        status=DunningMessage.Status.OPEN_TASK,
        language=debtor.language,
        assigned_to=sales_user,
    )


# --- services ----------------------------------------------------------------------------------


def test_a_call_is_logged_with_who_when_contact_outcome_and_follow_up(debtor, contact, sales_user):
    activity = _log(
        debtor,
        sales_user,
        contact=contact,
        outcome=Activity.Outcome.REACHED,
        note="  对方称下周付款  ",
        next_follow_up_on=date(2026, 3, 9),
    )

    activity.refresh_from_db()
    assert (
        activity.customer,
        activity.kind,
        activity.occurred_at,
        activity.performed_by,
        activity.contact,
        activity.outcome,
        activity.note,
        activity.next_follow_up_on,
    ) == (
        debtor,
        "call",
        CALLED_AT,
        sales_user,
        contact,
        "reached",
        "对方称下周付款",
        date(2026, 3, 9),
    )
    assert activity.history.get().history_user == sales_user


def test_a_promise_made_during_the_call_is_recorded_with_it(debtor, contact, finance_user):
    installment = debtor.installments.get()
    activity = _log(
        debtor,
        finance_user,
        contact=contact,
        promise=PromiseTerms(
            amount=Decimal("3000.00"),
            currency="CNY",
            promised_date=date(2026, 3, 20),
            installments=(installment,),
        ),
    )

    promise = PromiseToPay.objects.get()
    assert activity.outcome == Activity.Outcome.PROMISED
    assert (
        promise.activity,
        promise.amount,
        promise.promised_on,
        promise.promised_date,
        promise.contact,
        promise.created_by,
    ) == (activity, Decimal("3000.00"), date(2026, 3, 2), date(2026, 3, 20), contact, finance_user)
    assert list(promise.installments.all()) == [installment]


def test_a_refused_promise_saves_nothing(debtor, finance_user):
    with pytest.raises(ApplicationError) as refused:
        _log(
            debtor,
            finance_user,
            promise=PromiseTerms(
                amount=Decimal("3000.00"), currency="CNY", promised_date=date(2026, 3, 1)
            ),
        )
    assert refused.value.field == "promised_date"
    assert (Activity.objects.count(), PromiseToPay.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "fax"}, "kind"),
        ({"outcome": "maybe"}, "outcome"),
        ({"occurred_at": timezone.now() + timedelta(hours=1)}, "occurred_at"),
        ({"next_follow_up_on": date(2026, 3, 1)}, "next_follow_up_on"),
        ({"kind": Activity.Kind.NOTE, "note": "  "}, "note"),
        ({"contact": "other"}, "contact"),
    ],
)
def test_invalid_activities_are_refused_naming_the_field(debtor, finance_user, fields, field):
    if fields.get("contact") == "other":
        fields["contact"] = ContactFactory()
    with pytest.raises(ApplicationError) as refused:
        _log(debtor, finance_user, **fields)
    assert refused.value.field == field
    assert Activity.objects.count() == 0


def test_only_people_handling_the_customer_log_activities(
    debtor, other_sales_user, auditor_user, manager_user, admin_user_
):
    for outsider in (other_sales_user, auditor_user):
        with pytest.raises(PermissionDeniedError):
            _log(debtor, outsider, note="x")
    assert Activity.objects.count() == 0
    assert [_log(debtor, user).performed_by for user in (manager_user, admin_user_)] == [
        manager_user,
        admin_user_,
    ]


def test_completing_a_call_task_logs_the_call_and_marks_it_done(
    call_task, contact, sales_user, debtor
):
    activity = dunning_task_complete(
        actor=sales_user,
        message=call_task,
        occurred_at=CALLED_AT,
        contact=contact,
        outcome=Activity.Outcome.NO_ANSWER,
        next_follow_up_on=date(2026, 3, 3),
    )

    call_task.refresh_from_db()
    assert call_task.status == DunningMessage.Status.DONE
    assert (activity.kind, activity.dunning_message, activity.outcome, activity.customer) == (
        "call",
        call_task,
        "no_answer",
        debtor,
    )
    assert call_task.history.order_by("-history_id").first().history_user == sales_user

    with pytest.raises(ApplicationError) as refused:
        dunning_task_complete(actor=sales_user, message=call_task, occurred_at=CALLED_AT)
    assert refused.value.code == "task_not_open"
    assert Activity.objects.count() == 1


def test_another_reps_task_cannot_be_completed(call_task, other_sales_user):
    with pytest.raises(PermissionDeniedError):
        dunning_task_complete(actor=other_sales_user, message=call_task, occurred_at=CALLED_AT)
    call_task.refresh_from_db()
    assert (call_task.status, Activity.objects.count()) == ("open_task", 0)


# --- pages -------------------------------------------------------------------------------------


def _form_data(**fields):
    data = {
        "kind": "call",
        "occurred_at": "2026-03-02T10:30",
        "outcome": "reached",
        "note": "已联系财务",
        "next_follow_up_on": "",
        "promise_amount": "",
        "promise_currency": "CNY",
        "promise_date": "",
    }
    data.update(fields)
    return data


def test_the_log_page_records_an_activity_and_a_promise_and_returns_to_the_timeline(
    client, debtor, contact, sales_user
):
    client.force_login(sales_user)
    url = reverse("activity-create", args=[debtor.pk])
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        _form_data(
            contact=contact.pk,
            outcome="",
            promise_amount="4000.00",
            promise_date=(timezone.localdate() + timedelta(days=10)).isoformat(),
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("customer-detail", args=[debtor.pk]) + "?tab=collections"
    activity = Activity.objects.get()
    promise = PromiseToPay.objects.get()
    assert (activity.outcome, activity.contact, promise.amount, promise.activity) == (
        "promised",
        contact,
        Decimal("4000.00"),
        activity,
    )


def test_the_log_page_shows_a_services_refusal_on_the_field(client, debtor, finance_user):
    client.force_login(finance_user)
    response = client.post(
        reverse("activity-create", args=[debtor.pk]),
        _form_data(promise_amount="100.00", promise_date="2020-01-01"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.context["form"].errors["promise_date"] == [
        "The promised date cannot be in the past."
    ]
    assert Activity.objects.count() == 0


def test_the_log_page_returns_to_the_page_it_came_from(client, debtor, finance_user):
    client.force_login(finance_user)
    response = client.post(
        reverse("activity-create", args=[debtor.pk]),
        _form_data(next="/collections/worklist/?mine=1"),
    )
    assert response["Location"] == "/collections/worklist/?mine=1"
    response = client.post(
        reverse("activity-create", args=[debtor.pk]), _form_data(next="https://evil.example/")
    )
    assert response["Location"].startswith(reverse("customer-detail", args=[debtor.pk]))


def test_htmx_gets_the_form_alone(client, debtor, finance_user):
    client.force_login(finance_user)
    response = client.get(reverse("activity-create", args=[debtor.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and f'data-activity-form="{debtor.pk}"' in body


def test_log_pages_are_scoped_and_closed_to_auditors(
    client, debtor, other_sales_user, auditor_user, call_task
):
    client.force_login(other_sales_user)
    for url in (
        reverse("activity-create", args=[debtor.pk]),
        reverse("promise-create", args=[debtor.pk]),
        reverse("dunning-task-complete", args=[call_task.pk]),
    ):
        assert client.get(url).status_code == 404
    client.force_login(auditor_user)
    assert client.get(reverse("activity-create", args=[debtor.pk])).status_code == 403
    assert (
        client.post(reverse("activity-create", args=[debtor.pk]), _form_data()).status_code == 403
    )
    assert Activity.objects.count() == 0


def test_the_task_page_completes_the_task(client, call_task, sales_user):
    client.force_login(sales_user)
    url = reverse("dunning-task-complete", args=[call_task.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "kind" not in page.context["form"].fields

    response = client.post(url, _form_data(kind="visit", outcome="no_answer"))

    assert response.status_code == 302
    call_task.refresh_from_db()
    assert call_task.status == "done"
    assert Activity.objects.get().kind == "call"
    assert client.get(url).status_code == 404


def test_the_promise_page_records_and_cancels_a_promise(client, debtor, finance_user):
    client.force_login(finance_user)
    promised_date = timezone.localdate() + timedelta(days=7)
    response = client.post(
        reverse("promise-create", args=[debtor.pk]),
        {"promise_amount": "1200.00", "promise_currency": "CNY", "promise_date": promised_date},
    )
    assert response.status_code == 302
    promise = PromiseToPay.objects.get()
    assert (promise.amount, promise.promised_date, promise.promised_on) == (
        Decimal("1200.00"),
        promised_date,
        timezone.localdate(),
    )

    response = client.post(reverse("promise-cancel", args=[promise.pk]), {"reason": "改约"})
    assert response.status_code == 302
    promise.refresh_from_db()
    assert promise.status == "cancelled"


def test_the_promise_page_requires_amount_and_date(client, debtor, finance_user):
    client.force_login(finance_user)
    response = client.post(reverse("promise-create", args=[debtor.pk]), {"promise_currency": "CNY"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"promise_amount", "promise_date"}
    assert PromiseToPay.objects.count() == 0


# --- the customer 360 timeline -----------------------------------------------------------------


def test_the_timeline_merges_activities_promises_tasks_and_disputes_newest_first(
    debtor, finance_user, call_task
):
    activity = _log(debtor, finance_user, note="第一次电话")
    promise = PromiseToPay.objects.create(
        customer=debtor,
        amount=Decimal("100.00"),
        currency="CNY",
        promised_on=date(2026, 3, 2),
        promised_date=date(2026, 3, 9),
        created_by=finance_user,
    )
    dispute = dispute_open(
        actor=finance_user,
        customer=debtor,
        source="internal",
        currency="CNY",
        opened_on=date(2026, 3, 2),
        installments=list(debtor.installments.all()),
        description="数量不符",
    )
    # Created in that order; the call happened earlier (its occurred_at is what counts).
    page = customer_timeline(user=finance_user, customer=debtor)

    assert [(entry.kind, entry.item.pk) for entry in page.entries] == [
        ("dispute", dispute.pk),
        ("promise", promise.pk),
        ("dunning_message", call_task.pk),
        ("activity", activity.pk),
    ]
    assert (page.has_previous, page.has_next) == (False, False)


def test_the_timeline_pages_through_older_entries(debtor, finance_user):
    for day in range(1, 6):
        _log(debtor, finance_user, occurred_at=CALLED_AT - timedelta(days=day), note=str(day))
    first = customer_timeline(user=finance_user, customer=debtor, page_size=2)
    second = customer_timeline(user=finance_user, customer=debtor, page=2, page_size=2)
    last = customer_timeline(user=finance_user, customer=debtor, page=3, page_size=2)
    assert [[e.item.note for e in p.entries] for p in (first, second, last)] == [
        ["1", "2"],
        ["3", "4"],
        ["5"],
    ]
    assert [(p.has_previous, p.has_next) for p in (first, second, last)] == [
        (False, True),
        (True, True),
        (True, False),
    ]


def test_the_customer_page_shows_the_timeline_with_a_constant_number_of_queries(
    client, debtor, finance_user
):
    client.force_login(finance_user)
    url = reverse("customer-detail", args=[debtor.pk]) + "?tab=collections"

    def add(count):
        for n in range(count):
            _log(debtor, finance_user, note=f"电话{n}", contact=ContactFactory(customer=debtor))
            PromiseToPay.objects.create(
                customer=debtor,
                amount=Decimal("10.00"),
                currency="CNY",
                promised_on=date(2026, 3, 2),
                promised_date=date(2026, 3, 9),
                created_by=finance_user,
                contact=ContactFactory(customer=debtor),
            )

    add(1)
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    add(6)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert len(many) == len(few)
    body = response.content.decode()
    assert body.count('data-timeline-entry="activity"') == 7
    assert body.count('data-timeline-entry="promise"') == 7
    assert "电话5" in body
    assert reverse("activity-create", args=[debtor.pk]) in body


def test_the_timeline_is_read_only_for_an_auditor(client, debtor, finance_user, auditor_user):
    _log(debtor, finance_user, note="审计可见")
    client.force_login(auditor_user)
    response = client.get(reverse("customer-detail", args=[debtor.pk]) + "?tab=collections")
    body = response.content.decode()
    assert "审计可见" in body
    assert reverse("activity-create", args=[debtor.pk]) not in body
