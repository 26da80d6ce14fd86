"""The collector's worklist (催收工作台): the customers that need action on a day, ranked by
risk, with what there is to do for each.

Risk score (docs/collections.md, "Worklist"):

    risk = overdue amount (base currency) × days overdue of the oldest overdue item
           × rating weight

rounded to two decimals, half up. The overdue amount is the open amount of the customer's
installments due before the day, each converted to the base currency at the day's rate (an item
in a currency without a rate is left out, as on the customer list). The rating weight is
RATING_WEIGHTS (unrated or an unknown grade: 1.0). A customer with nothing overdue scores 0 and
is listed only when something else asks for action.
"""

from datetime import date
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round

from arcollections.models import Activity, CollectionProfile, DunningMessage, PromiseToPay
from arcollections.selectors.dunning import next_steps_due
from core.db import DaysBetween
from core.money import DECIMAL_PLACES, MAX_DIGITS, ZERO
from customers.models import Customer
from customers.selectors import customers_visible_to
from receivables.limitation import LIMITATION_WARNING_DAYS, nearing_limitation
from receivables.models import Installment
from receivables.selectors import in_base_currency
from statements.models import Statement
from statements.selectors import ConfirmationStatus, with_confirmation_status

_MONEY = DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
_WEIGHT = DecimalField(max_digits=4, decimal_places=2)

# How much a customer's credit rating multiplies its risk: the nine grades of 三等九级 (the
# five-grade scale AAA, AA, A, B, C is a subset with the same weights).
RATING_WEIGHTS = {
    "AAA": Decimal("0.50"),
    "AA": Decimal("0.75"),
    "A": Decimal("1.00"),
    "BBB": Decimal("1.25"),
    "BB": Decimal("1.50"),
    "B": Decimal("1.75"),
    "CCC": Decimal("2.25"),
    "CC": Decimal("2.50"),
    "C": Decimal("3.00"),
}
UNRATED_WEIGHT = Decimal("1.00")


def _count(queryset: QuerySet):
    """SQL: how many rows of `queryset` (correlated on its `customer`) there are, 0 for none."""
    return Coalesce(
        Subquery(
            queryset.order_by().values("customer").annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def rating_weight():
    """SQL: the customer's RATING_WEIGHTS entry."""
    return Case(
        *(
            When(credit_rating=grade, then=Value(weight))
            for grade, weight in RATING_WEIGHTS.items()
        ),
        default=Value(UNRATED_WEIGHT),
        output_field=_WEIGHT,
    )


def worklist(*, user, on_date: date, mine: bool = False) -> QuerySet[Customer]:
    """The non-archived customers `user` may see that need action on `on_date`, riskiest first,
    annotated with: `overdue_base`, `oldest_overdue_due`, `days_overdue`, `rating_weight`,
    `risk_score` (module docstring), `open_tasks` (call/visit tasks of the dunning run),
    `follow_up_on` (the next follow-up date of the customer's latest activity), `promises_due`
    (open promises whose date has come), `next_promise_date` (the earliest open promise's date),
    `replies_overdue` (positive statement confirmations past their reply date) and
    `limitation_items` (open items whose limitation period ends within 90 days or has ended).
    A customer needs action when anything is overdue, or it has an open task, a follow-up due, a
    promise due, a reply overdue or an item nearing limitation. `mine`: only customers the user
    is the sales rep of or holds an open task for. One query (plus the page's count)."""
    open_items = Installment.objects.filter(customer=OuterRef("pk"), open_amount__gt=0)
    overdue_items = open_items.filter(due_date__lt=on_date)
    overdue_base = Subquery(
        overdue_items.order_by()
        .values("customer")
        .annotate(total=Sum(in_base_currency("open_amount", "currency", on_date)))
        .values("total"),
        output_field=_MONEY,
    )
    oldest_overdue_due = Subquery(overdue_items.order_by("due_date").values("due_date")[:1])
    open_promises = PromiseToPay.objects.filter(
        customer=OuterRef("pk"), status=PromiseToPay.Status.OPEN
    )
    latest_activity = Activity.objects.filter(customer=OuterRef("pk")).order_by(
        "-occurred_at", "-pk"
    )
    replies_overdue = with_confirmation_status(
        Statement.objects.filter(customer=OuterRef("pk")), on_date=on_date
    ).filter(confirmation_status=ConfirmationStatus.REPLY_OVERDUE)
    customers = (
        customers_visible_to(user)
        .filter(is_archived=False)
        .annotate(
            overdue_base=Coalesce(overdue_base, Value(ZERO)),
            oldest_overdue_due=oldest_overdue_due,
            days_overdue=Coalesce(
                DaysBetween(Value(on_date, output_field=DateField()), F("oldest_overdue_due")), 0
            ),
            rating_weight=rating_weight(),
            open_tasks=_count(
                DunningMessage.objects.filter(
                    customer=OuterRef("pk"), status=DunningMessage.Status.OPEN_TASK
                )
            ),
            follow_up_on=Subquery(latest_activity.values("next_follow_up_on")[:1]),
            promises_due=_count(open_promises.filter(promised_date__lte=on_date)),
            next_promise_date=Subquery(
                open_promises.order_by("promised_date").values("promised_date")[:1]
            ),
            replies_overdue=_count(replies_overdue),
            limitation_items=_count(
                nearing_limitation(
                    Installment.objects.filter(customer=OuterRef("pk")),
                    on_date=on_date,
                    within_days=LIMITATION_WARNING_DAYS,
                )
            ),
        )
        .annotate(
            risk_score=Round(
                F("overdue_base") * F("days_overdue") * F("rating_weight"),
                2,
                output_field=_MONEY,
            )
        )
        .filter(
            Q(overdue_base__gt=0)
            | Q(open_tasks__gt=0)
            | Q(follow_up_on__lte=on_date)
            | Q(promises_due__gt=0)
            | Q(replies_overdue__gt=0)
            | Q(limitation_items__gt=0)
        )
        .select_related("owner", "collection_profile")
    )
    if mine:
        assigned = DunningMessage.objects.filter(
            status=DunningMessage.Status.OPEN_TASK, assigned_to=user
        ).values("customer_id")
        customers = customers.filter(Q(owner=user) | Q(pk__in=assigned))
    return customers.order_by(F("risk_score").desc(nulls_last=True), "code", "pk")


# --- the next dunning step ---------------------------------------------------------------------


def with_next_steps(customers: list[Customer], *, on_date: date) -> list[Customer]:
    """Set `next_step` (the dunning engine's NextStep: step and working day, or None) and
    `dunning_paused` (why the cadence leaves the customer alone: do not contact, or its legal
    stage; else "") on each of `customers`, a page of the worklist with `collection_profile`
    joined. Installments paused by a dispute or an open promise have no next step. A fixed
    number of queries, whatever the page's size."""
    next_steps = next_steps_due(
        customer_ids=[customer.pk for customer in customers], on_date=on_date
    )
    for customer in customers:
        customer.next_step = next_steps.get(customer.pk)
        profile = getattr(customer, "collection_profile", None)
        if profile is not None and profile.do_not_contact:
            customer.dunning_paused = CollectionProfile._meta.get_field(
                "do_not_contact"
            ).verbose_name
        elif profile is not None and profile.legal_stage:
            customer.dunning_paused = profile.get_legal_stage_display()
        else:
            customer.dunning_paused = ""
    return customers
