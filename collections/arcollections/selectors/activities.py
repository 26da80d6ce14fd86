"""Reads of the collector's record: who may log contacts and promises, the activities and
promises a user may see, a customer's open tasks and contacts for the forms, and the customer
360 timeline (activities, promises, dunning messages and disputes, newest first)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.roles import Capability, has_capability
from arcollections.models import Activity, DunningMessage, PromiseToPay
from arcollections.selectors.disputes import customer_disputes
from core.exceptions import PermissionDeniedError
from customers.models import Contact, Customer
from customers.selectors import customers_visible_to, scope_to_user

# Finance, Managers, Admins and the customer's own sales rep; never an Auditor.
COLLECT_CAPABILITY = Capability.COLLECT


def may_collect(user, customer: Customer | None = None) -> bool:
    """Whether `user` may log activities and promises (for `customer`: one they may see)."""
    if not has_capability(user, COLLECT_CAPABILITY):
        return False
    return customer is None or customers_visible_to(user).filter(pk=customer.pk).exists()


def check_may_collect(user, customer: Customer) -> None:
    """Raise PermissionDeniedError unless `user` may log activities for `customer`."""
    if not may_collect(user, customer):
        raise PermissionDeniedError(_("You may not record collection activity for this customer."))


def activities_visible_to(user) -> QuerySet[Activity]:
    return scope_to_user(Activity.objects.all(), user)


def promises_visible_to(user) -> QuerySet[PromiseToPay]:
    return scope_to_user(PromiseToPay.objects.all(), user)


def dunning_messages_visible_to(user) -> QuerySet[DunningMessage]:
    return scope_to_user(DunningMessage.objects.all(), user)


def customer_contacts_for_collections(*, customer: Customer) -> QuerySet[Contact]:
    """The customer's contacts, the primary and reminder recipients first: whom a call reaches."""
    return customer.contacts.order_by("-is_primary", "-receives_reminders", "name", "pk")


def customer_open_tasks(*, user, customer: Customer) -> QuerySet[DunningMessage]:
    """The call and visit tasks the dunning run left for `customer`, oldest first."""
    return (
        dunning_messages_visible_to(user)
        .filter(customer=customer, status=DunningMessage.Status.OPEN_TASK)
        .select_related("step", "assigned_to")
        .order_by("run_date", "pk")
    )


def open_task_for_completion(*, user, pk: int) -> DunningMessage:
    """One open task `user` may see, or DunningMessage.DoesNotExist."""
    return (
        dunning_messages_visible_to(user)
        .select_related("customer", "step")
        .get(pk=pk, status=DunningMessage.Status.OPEN_TASK)
    )


def promise_for_user(*, user, pk: int) -> PromiseToPay:
    """One promise `user` may see, or PromiseToPay.DoesNotExist."""
    return promises_visible_to(user).select_related("customer").get(pk=pk)


# --- the customer 360 timeline -----------------------------------------------------------------

TIMELINE_PAGE_SIZE = 25


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a customer's collections timeline. `kind`: "activity", "promise",
    "dunning_message" or "dispute"; `item` the row itself (with its people joined)."""

    kind: str
    when: datetime
    item: object


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    number: int
    has_previous: bool
    has_next: bool


def _timeline_sources(user, customer: Customer, limit: int):
    """Each source's newest `limit` rows, as (kind, when, row): four queries."""
    activities = (
        activities_visible_to(user)
        .filter(customer=customer)
        .select_related("performed_by", "contact", "dunning_message")
        .order_by("-occurred_at", "-pk")[:limit]
    )
    yield from (("activity", a.occurred_at, a) for a in activities)
    promises = (
        promises_visible_to(user)
        .filter(customer=customer)
        .select_related("contact", "created_by")
        .order_by("-created_at", "-pk")[:limit]
    )
    yield from (("promise", p.created_at, p) for p in promises)
    # Sent e-mails and letters are also in the activity log (the run logs them), so the
    # timeline shows the messages that are not: tasks, those waiting, failed or rejected.
    messages = (
        dunning_messages_visible_to(user)
        .filter(customer=customer, activity__isnull=True)
        .select_related("step", "assigned_to", "approved_by")
        .order_by("-created_at", "-pk")[:limit]
    )
    yield from (("dunning_message", m.created_at, m) for m in messages)
    disputes = customer_disputes(user=user, customer=customer).order_by("-created_at", "-pk")[
        :limit
    ]
    yield from (("dispute", d.created_at, d) for d in disputes)


def customer_timeline(
    *, user, customer: Customer, page: int = 1, page_size: int = TIMELINE_PAGE_SIZE
) -> TimelinePage:
    """Page `page` of `customer`'s collections timeline, newest first: activities (calls,
    e-mails the run sent, visits, notes), promises to pay, dunning messages not logged as an
    activity (tasks, messages awaiting approval, failed or rejected) and disputes. Four
    queries whatever the page: each source gives its newest page × size + 1 rows, which
    contain every row of the merged page."""
    page = max(page, 1)
    limit = page * page_size + 1
    merged = sorted(
        (
            TimelineEntry(kind, when, item)
            for kind, when, item in _timeline_sources(user, customer, limit)
        ),
        key=lambda entry: (entry.when, entry.item.pk),
        reverse=True,
    )
    start = (page - 1) * page_size
    return TimelinePage(
        entries=merged[start : start + page_size],
        number=page,
        has_previous=page > 1,
        has_next=len(merged) > start + page_size,
    )
