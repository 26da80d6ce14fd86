"""Reads of the dunning engine: which policy a customer follows, which installments are in the
cadence on a date (not paused), the step each has reached, and the next step due per customer.

Everything here is SQL over the whole book (bounded queries, no Python loop over installments):
the run and the worklist read it for every customer at once.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    Case,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Replace, Upper

from arcollections.business_days import next_business_day
from arcollections.models import (
    CollectionProfile,
    DunningNotice,
    DunningPolicy,
    DunningStep,
    PromiseToPay,
)
from core.db import DaysBetween
from customers.models import Customer
from receivables.models import Installment, Invoice


def policy_id_expression(customer_path: str = ""):
    """SQL for the policy a customer follows, per row of an outer query over customers
    (`customer_path` "") or over rows pointing at one ("customer__"): the active policy set on
    its collections profile, else the active policy listing its credit rating, else one listing
    its tier, else the default. Several policies listing the same rating or tier: the first by
    code wins."""
    active = DunningPolicy.objects.filter(is_active=True)

    def listing(field: str, customer_field: str):
        # "A, b" lists A and B: commas around both sides make "A" not match "AA".
        padded = Concat(Value(","), Upper(Replace(F(field), Value(" "), Value(""))), Value(","))
        code = Concat(Value(","), Upper(OuterRef(f"{customer_path}{customer_field}")), Value(","))
        return Subquery(
            active.exclude(**{field: ""})
            .annotate(_padded=padded)
            .filter(_padded__contains=code)
            .order_by("code")
            .values("pk")[:1]
        )

    customer_id = f"{customer_path}pk" if customer_path else "pk"
    profile_policy = Subquery(
        CollectionProfile.objects.filter(
            customer_id=OuterRef(customer_id), policy__is_active=True
        ).values("policy_id")[:1]
    )
    default_policy = Subquery(active.filter(is_default=True).values("pk")[:1])
    return Coalesce(
        profile_policy,
        listing("for_ratings", "credit_rating"),
        listing("for_tiers", "tier"),
        default_policy,
        output_field=IntegerField(),
    )


def policies_for_customers(customer_ids) -> dict[int, DunningPolicy | None]:
    """The policy each customer follows (see policy_id_expression); two queries in all."""
    policy_ids = dict(
        Customer.objects.filter(pk__in=list(customer_ids))
        .annotate(dunning_policy_id=policy_id_expression())
        .values_list("pk", "dunning_policy_id")
    )
    policies = DunningPolicy.objects.in_bulk({pk for pk in policy_ids.values() if pk})
    return {customer_id: policies.get(pk) for customer_id, pk in policy_ids.items()}


def policy_for_customer(customer: Customer) -> DunningPolicy | None:
    """The policy `customer` follows; None when no policy applies (no default configured)."""
    return policies_for_customers([customer.pk]).get(customer.pk)


def installments_in_cadence(*, on_date: date, customer_ids=None) -> QuerySet[Installment]:
    """Open installments the dunning cadence may remind about on `on_date`, annotated with
    `dunning_policy_id`. Paused and left out: installments of disputed invoices; installments
    covered by an open promise to pay whose date is not past (a promise naming no installments
    covers all the customer's); customers archived, marked do-not-contact or in a legal stage."""
    covering_promise = PromiseToPay.objects.filter(
        customer_id=OuterRef("customer_id"),
        status=PromiseToPay.Status.OPEN,
        promised_date__gte=on_date,
    ).filter(Q(installments__isnull=True) | Q(installments=OuterRef("pk")))
    installments = Installment.objects.filter(
        open_amount__gt=0,
        invoice__status__in=Invoice.OPEN_STATUSES,
        invoice__is_disputed=False,
        customer__is_archived=False,
    ).filter(
        Q(customer__collection_profile__isnull=True)
        | Q(
            customer__collection_profile__do_not_contact=False,
            customer__collection_profile__legal_stage="",
        )
    )
    if customer_ids is not None:
        if not isinstance(customer_ids, QuerySet):
            customer_ids = list(customer_ids)
        installments = installments.filter(customer_id__in=customer_ids)
    return installments.exclude(Exists(covering_promise)).annotate(
        dunning_policy_id=policy_id_expression("customer__")
    )


def active_steps() -> list[DunningStep]:
    """Steps of active policies, each policy's most advanced first (the order `reached_step`
    needs)."""
    return list(
        DunningStep.objects.filter(policy__is_active=True).order_by("policy_id", "-offset_days")
    )


def reached_step_expression(*, steps: list[DunningStep], on_date: date):
    """SQL for the most advanced step of its policy an installment has reached on `on_date`
    (due_date + offset_days ≤ on_date), or NULL. One CASE over all active steps, most advanced
    first per policy, so the first match is the answer."""
    whens = [
        When(
            dunning_policy_id=step.policy_id,
            due_date__lte=on_date - timedelta(days=step.offset_days),
            then=Value(step.pk),
        )
        for step in steps
    ]
    if not whens:
        return Value(None, output_field=IntegerField())
    return Case(*whens, default=None, output_field=IntegerField())


def installments_due_a_step(*, on_date: date, steps: list[DunningStep]) -> QuerySet[Installment]:
    """Installments in the cadence whose most advanced reached step (`reached_step_id`) has no
    notice yet: what a run on `on_date` sends. Ordered by customer, then due date."""
    already = DunningNotice.objects.filter(
        installment_id=OuterRef("pk"), step_id=OuterRef("reached_step_id")
    )
    return (
        installments_in_cadence(on_date=on_date)
        .annotate(reached_step_id=reached_step_expression(steps=steps, on_date=on_date))
        .filter(reached_step_id__isnull=False)
        .exclude(Exists(already))
        .order_by("customer_id", "due_date", "pk")
    )


@dataclass(frozen=True)
class NextStep:
    """The next dunning step a customer's installments will reach and the working day the run
    sends it (never before the day asked about)."""

    step: DunningStep
    due_on: date


def next_steps_due(*, customer_ids, on_date: date) -> dict[int, NextStep]:
    """Per customer (of `customer_ids`) in the cadence on `on_date`, the earliest next step
    any of its installments is due for. For an installment that has reached steps not sent yet
    that is the most advanced of them, due on `on_date` (what the run sends: the earlier ones
    are superseded); otherwise the first step not reached yet, on due_date + offset rolled to a
    working day. Customers with nothing due are absent. Three queries, however many customers
    and installments."""
    last_offset = (
        DunningNotice.objects.filter(installment_id=OuterRef("pk"))
        .values("installment_id")
        .annotate(offset=Max("step__offset_days"))
        .values("offset")
    )
    after_last_sent = Coalesce(OuterRef("last_offset"), Value(-32768), output_field=IntegerField())
    reached_not_sent = (
        DunningStep.objects.filter(
            policy_id=OuterRef("dunning_policy_id"),
            offset_days__gt=after_last_sent,
            offset_days__lte=OuterRef("days_past_due"),
        )
        .order_by("-offset_days")
        .values("pk")[:1]
    )
    not_reached = (
        DunningStep.objects.filter(
            policy_id=OuterRef("dunning_policy_id"),
            offset_days__gt=after_last_sent,
        )
        .filter(offset_days__gt=OuterRef("days_past_due"))
        .order_by("offset_days")
        .values("pk")[:1]
    )
    rows = list(
        installments_in_cadence(on_date=on_date, customer_ids=customer_ids)
        .annotate(
            last_offset=Subquery(last_offset, output_field=IntegerField()),
            days_past_due=DaysBetween(Value(on_date, output_field=DateField()), F("due_date")),
        )
        .annotate(
            next_step_id=Coalesce(
                Subquery(reached_not_sent, output_field=IntegerField()),
                Subquery(not_reached, output_field=IntegerField()),
            )
        )
        .filter(next_step_id__isnull=False)
        .order_by()
        .values("customer_id", "next_step_id")
        .annotate(earliest_due=Min("due_date"))
    )
    steps = DunningStep.objects.in_bulk({row["next_step_id"] for row in rows})
    result: dict[int, NextStep] = {}
    for row in rows:
        step = steps[row["next_step_id"]]
        due_on = next_business_day(
            max(row["earliest_due"] + timedelta(days=step.offset_days), on_date)
        )
        current = result.get(row["customer_id"])
        if current is None or (due_on, step.offset_days) < (
            current.due_on,
            current.step.offset_days,
        ):
            result[row["customer_id"]] = NextStep(step=step, due_on=due_on)
    return result
