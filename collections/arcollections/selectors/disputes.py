"""Reads of disputes (争议) for the collections pages, the API and the customer timeline.

Ages count calendar days from `opened_on` (the day the customer raised it, which a user may
enter after the fact), not from when the row was typed in: an open dispute's age is `on_date -
opened_on`; a resolved one's time to resolve is the day it was resolved (local time) -
`opened_on`.
"""

from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.roles import ROLE_CAPABILITIES, Role
from core.money import ZERO
from customers.models import Customer
from customers.selectors import scope_to_user
from receivables.interest import DaysBetween
from receivables.models import Dispute, Installment
from receivables.services import DISPUTE_CAPABILITIES

# Filter value for "disputes nobody owns yet".
OWNER_NOBODY = "none"


def disputes_visible_to(user) -> QuerySet[Dispute]:
    """Disputes of the customers `user` may see (a sales rep: their own customers')."""
    return scope_to_user(Dispute.objects.all(), user)


def with_dispute_timing(disputes: QuerySet[Dispute], *, on_date: date) -> QuerySet[Dispute]:
    """Annotate `age_days` (open: days since opened; resolved: days it took),
    `days_to_resolve` (null while open), `contested_count` and `contested_open_amount` (what is
    still open on the contested items today)."""
    resolved_on = TruncDate("resolved_at")
    contested = Dispute.installments.through.objects.filter(dispute=OuterRef("pk"))
    return disputes.annotate(
        days_to_resolve=Case(
            When(resolved_at__isnull=False, then=DaysBetween(resolved_on, F("opened_on"))),
            output_field=IntegerField(),
        ),
        age_days=Coalesce(
            F("days_to_resolve"),
            DaysBetween(Value(on_date, output_field=DateField()), F("opened_on")),
        ),
        contested_count=Coalesce(
            Subquery(
                contested.values("dispute").annotate(n=Count("pk")).values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
        contested_open_amount=Coalesce(
            Subquery(
                contested.values("dispute")
                .annotate(total=Sum("installment__open_amount"))
                .values("total")
            ),
            Value(ZERO),
        ),
    )


def _for_display(disputes: QuerySet[Dispute]) -> QuerySet[Dispute]:
    return disputes.select_related(
        "customer", "customer__owner", "owner", "opened_by", "resolved_by"
    ).prefetch_related(
        Prefetch(
            "installments",
            queryset=Installment.objects.select_related("invoice").order_by("due_date", "pk"),
        )
    )


def disputes_for_list(
    *,
    user,
    on_date: date,
    status: str = "",
    reason: str = "",
    owner=None,
    customer: Customer | None = None,
) -> QuerySet[Dispute]:
    """The disputes list: scoped, filtered (owner: a user, or OWNER_NOBODY), with timing;
    a fixed number of queries whatever the page size."""
    disputes = disputes_visible_to(user)
    if status:
        disputes = disputes.filter(status=status)
    if reason:
        disputes = disputes.filter(reason=reason)
    if owner == OWNER_NOBODY:
        disputes = disputes.filter(owner__isnull=True)
    elif owner is not None:
        disputes = disputes.filter(owner=owner)
    if customer is not None:
        disputes = disputes.filter(customer=customer)
    return _for_display(with_dispute_timing(disputes, on_date=on_date))


def dispute_summary(disputes: QuerySet[Dispute]) -> dict:
    """Counts and the average time to resolve (days, one decimal) of a (filtered) list."""
    return disputes.order_by().aggregate(
        open_count=Count("pk", filter=Q(status=Dispute.Status.OPEN)),
        resolved_count=Count("pk", filter=Q(status=Dispute.Status.RESOLVED)),
        average_days_to_resolve=Avg("days_to_resolve"),
    )


def dispute_for_detail(*, user, pk: int, on_date: date) -> Dispute:
    """One dispute the user may see (Dispute.DoesNotExist otherwise: a 404)."""
    return _for_display(with_dispute_timing(disputes_visible_to(user), on_date=on_date)).get(pk=pk)


def customer_disputes(*, user, customer: Customer, on_date: date | None = None) -> QuerySet:
    """A customer's disputes for its timeline, newest first (none if the user may not see the
    customer)."""
    on_date = on_date or timezone.localdate()
    return _for_display(
        with_dispute_timing(
            disputes_visible_to(user).filter(customer=customer), on_date=on_date
        ).order_by("-opened_on", "-pk")
    )


def _roles_working_every_dispute() -> list[str]:
    """Roles that see every customer and work disputes (Finance, Manager, Admin)."""
    return [
        role.value
        for role, capabilities in ROLE_CAPABILITIES.items()
        if role != Role.SALES and capabilities & set(DISPUTE_CAPABILITIES)
    ]


def dispute_owner_choices(*, customer: Customer | None = None) -> QuerySet:
    """Who may own a dispute: active Finance, Managers, Admins (and superusers), plus the
    customer's own sales rep (every sales rep when no customer is given, e.g. a list filter)."""
    reps = Q(groups__name=Role.SALES.value)
    if customer is not None:
        reps &= Q(pk=customer.owner_id)
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=_roles_working_every_dispute()) | Q(is_superuser=True) | reps)
        .distinct()
        .order_by("username")
    )
