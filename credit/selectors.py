"""Reads for credit scoring: the active policy, the customers to rate and their histories
aggregated from the ledger, and the ratings pages.

The histories of any number of customers cost four aggregate queries (payments, exposure,
invoicing, write-offs), each grouped by customer; the scoring itself runs in Python
(credit.scorecard). Amounts are converted to the base currency at the rating date's rate
(receivables.selectors.in_base_currency); an amount in a currency without a rate drops out.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Greatest, Lag
from django.utils.translation import gettext as _

from core.db import DaysBetween
from core.exceptions import ApplicationError
from credit.models import CustomerRating, Factor, RatingGrade, ScoringPolicy
from credit.scorecard import FACTOR_UNITS, NOTE_LABELS, CreditHistory
from customers.models import Customer
from receivables.models import Allocation, Installment, Invoice, WriteOff
from receivables.selectors import in_base_currency, installments_open_as_of, rate_to_base

# Payment behaviour, disputes and sales are read over the last 12 months; the trend compares
# its two halves. Write-offs are rare: they are read over three years.
PAYMENT_WINDOW_MONTHS = 12
TREND_HALF_MONTHS = 6
WRITE_OFF_WINDOW_MONTHS = 36

_AMOUNT = DecimalField(max_digits=28, decimal_places=8)


def window_start(on_date: date, months: int) -> date:
    """The day before a window of `months` calendar months ending on `on_date`: windows are
    (start, on_date], so 12 months to 2026-06-30 are 2025-07-01 … 2026-06-30."""
    return on_date - relativedelta(months=months)


def active_policy() -> ScoringPolicy:
    """The active scoring policy with its factors (in order) and grades (highest first, each
    with its suggested terms and their schedule). Three queries."""
    policy = (
        ScoringPolicy.objects.filter(is_active=True)
        .prefetch_related(
            "factors",
            Prefetch(
                "grades",
                queryset=RatingGrade.objects.select_related("payment_terms").order_by("-min_score"),
            ),
        )
        .first()
    )
    if policy is None:
        raise ApplicationError(
            _("No scoring policy is active: activate one in the admin."),
            code="no_scoring_policy",
        )
    return policy


def customers_to_rate(*, on_date: date) -> QuerySet[Customer]:
    """Customers the scorecard rates on `on_date`: not archived, with at least one posted
    invoice issued by then (with no history there is nothing to score)."""
    posted = Invoice.objects.filter(
        customer=OuterRef("pk"), status__in=Invoice.POSTED_STATUSES, issue_date__lte=on_date
    )
    return Customer.objects.filter(is_archived=False).filter(Exists(posted))


def customers_unrated(*, on_date: date) -> QuerySet[Customer]:
    """customers_to_rate without a rating on `on_date` yet: what the nightly job has left."""
    rated = CustomerRating.objects.filter(customer=OuterRef("pk"), rated_on=on_date)
    return customers_to_rate(on_date=on_date).exclude(Exists(rated))


def customers_for_scoring(*, customer_ids, on_date: date) -> list[Customer]:
    """The customers with `customer_ids`, each annotated with `credit_limit_base` and
    `currency_rate` (to the base currency; None without a rate on `on_date`), their default
    payment terms and its schedule loaded. Two queries."""
    return list(
        Customer.objects.filter(pk__in=customer_ids)
        .annotate(
            credit_limit_base=in_base_currency("credit_limit", "currency", on_date),
            currency_rate=rate_to_base("currency", on_date),
        )
        .select_related("default_payment_terms")
        .prefetch_related("default_payment_terms__schedule")
        .order_by("pk")
    )


def _weighted(amount: str, days: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(amount) * F(days), output_field=_AMOUNT)


def _payment_behaviour(customer_ids, on_date: date) -> dict[int, dict]:
    """Per customer: installments paid in the payment window (settled, with a payment among
    what settled them), amount-weighted by days beyond terms, split by half-window."""
    year_start = window_start(on_date, PAYMENT_WINDOW_MONTHS)
    half_start = window_start(on_date, TREND_HALF_MONTHS)
    live_payment = Allocation.objects.filter(
        installment=OuterRef("pk"),
        kind=Allocation.Kind.PAYMENT,
        reverses__isnull=True,
        reversed_by__isnull=True,
    )
    recent = Q(settled_on__gt=half_start)
    rows = (
        Installment.objects.filter(
            customer__in=customer_ids, settled_on__gt=year_start, settled_on__lte=on_date
        )
        .filter(Exists(live_payment))
        .annotate(
            amount_base=in_base_currency("amount", "currency", on_date),
            days_late=Greatest(DaysBetween("settled_on", "due_date"), Value(0)),
        )
        .values("customer")
        .annotate(
            paid=Sum("amount_base"),
            paid_on_time=Sum("amount_base", filter=Q(settled_on__lte=F("due_date"))),
            paid_late_weighted=Sum(_weighted("amount_base", "days_late")),
            recent_paid=Sum("amount_base", filter=recent),
            recent_late_weighted=Sum(_weighted("amount_base", "days_late"), filter=recent),
            prior_paid=Sum("amount_base", filter=~recent),
            prior_late_weighted=Sum(_weighted("amount_base", "days_late"), filter=~recent),
        )
        .order_by()
    )
    return {row.pop("customer"): row for row in rows}


def _exposure(customer_ids, on_date: date) -> dict[int, dict]:
    """Per customer: open and overdue (due before `on_date`) as they stood on `on_date`."""
    rows = (
        installments_open_as_of(as_of=on_date)
        .filter(customer__in=customer_ids)
        .annotate(open_base=in_base_currency("open_as_of", "currency", on_date))
        .values("customer")
        .annotate(open=Sum("open_base"), overdue=Sum("open_base", filter=Q(due_date__lt=on_date)))
        .order_by()
    )
    return {row.pop("customer"): row for row in rows}


def _invoicing(customer_ids, on_date: date) -> dict[int, dict]:
    """Per customer, from posted invoices issued by `on_date`: the first issue date; invoices,
    disputed invoices and sales (totals) in the payment window; totals in the write-off one."""
    recent = Q(issue_date__gt=window_start(on_date, PAYMENT_WINDOW_MONTHS))
    long = Q(issue_date__gt=window_start(on_date, WRITE_OFF_WINDOW_MONTHS))
    rows = (
        Invoice.objects.filter(
            customer__in=customer_ids,
            status__in=Invoice.POSTED_STATUSES,
            issue_date__lte=on_date,
        )
        .annotate(total_base=in_base_currency("total", "currency", on_date))
        .values("customer")
        .annotate(
            first_invoice_date=Min("issue_date"),
            invoices_recent=Count("pk", filter=recent),
            disputed_recent=Count("pk", filter=recent & Q(is_disputed=True)),
            sales_recent=Sum("total_base", filter=recent),
            invoiced_long=Sum("total_base", filter=long),
        )
        .order_by()
    )
    return {row.pop("customer"): row for row in rows}


def _written_off(customer_ids, on_date: date) -> dict[int, Decimal]:
    """Per customer: approved write-offs effective in the write-off window."""
    rows = (
        WriteOff.objects.filter(
            customer__in=customer_ids,
            status=WriteOff.Status.APPROVED,
            effective_on__gt=window_start(on_date, WRITE_OFF_WINDOW_MONTHS),
            effective_on__lte=on_date,
        )
        .annotate(amount_base=in_base_currency("amount", "currency", on_date))
        .values("customer")
        .annotate(total=Sum("amount_base"))
        .order_by()
    )
    return {row["customer"]: row["total"] for row in rows}


def credit_histories(*, customers: list[Customer], on_date: date) -> dict[int, CreditHistory]:
    """Each of `customers` (from customers_for_scoring; each must have a posted invoice) with
    its CreditHistory on `on_date`. Four queries, whatever the number of customers."""
    ids = [customer.pk for customer in customers]
    payments = _payment_behaviour(ids, on_date)
    exposure = _exposure(ids, on_date)
    invoicing = _invoicing(ids, on_date)
    written_off = _written_off(ids, on_date)
    histories = {}
    for customer in customers:
        # SUM over no rows (or only rows without an exchange rate) is NULL: nothing counted.
        sums = {
            name: value or Decimal(0)
            for name, value in {
                **payments.get(customer.pk, {}),
                **exposure.get(customer.pk, {}),
            }.items()
        }
        invoiced = invoicing[customer.pk]
        histories[customer.pk] = CreditHistory(
            first_invoice_date=invoiced["first_invoice_date"],
            credit_limit=customer.credit_limit_base,
            invoices_recent=invoiced["invoices_recent"],
            disputed_recent=invoiced["disputed_recent"],
            sales_recent=invoiced["sales_recent"] or Decimal(0),
            invoiced_long=invoiced["invoiced_long"] or Decimal(0),
            written_off_long=written_off.get(customer.pk) or Decimal(0),
            **sums,
        )
    return histories


# --- rating pages ---


def customer_latest_rating(*, customer: Customer) -> CustomerRating | None:
    """The customer's most recent rating, with its policy and suggested terms."""
    return (
        CustomerRating.objects.filter(customer=customer)
        .select_related("policy", "suggested_payment_terms", "rated_by")
        .order_by("-rated_on")
        .first()
    )


def customer_rating_history(*, customer: Customer) -> QuerySet[CustomerRating]:
    """The customer's ratings, newest first, each with `previous_grade` and `previous_score`
    (the rating before it; None for the first) to show grade changes."""
    earlier = {"partition_by": [F("customer_id")], "order_by": F("rated_on").asc()}
    return (
        CustomerRating.objects.filter(customer=customer)
        .annotate(
            previous_grade=Window(Lag("grade"), **earlier),
            previous_score=Window(Lag("score"), **earlier),
        )
        .order_by("-rated_on")
    )


@dataclass(frozen=True)
class BreakdownLine:
    """One factor of a rating as the rating page shows it."""

    factor: str
    label: str
    unit: str
    value: Decimal | None
    points: Decimal | None
    weight: Decimal
    note: str


def rating_breakdown(rating: CustomerRating) -> list[BreakdownLine]:
    """The rating's stored factor breakdown with labels, units and notes for people."""

    def number(text):
        return None if text is None else Decimal(text)

    return [
        BreakdownLine(
            factor=line["factor"],
            label=Factor(line["factor"]).label,
            unit=FACTOR_UNITS[line["factor"]],
            value=number(line["value"]),
            points=number(line["points"]),
            weight=Decimal(line["weight"]),
            note=NOTE_LABELS.get(line["note"], ""),
        )
        for line in rating.factors
    ]


# --- grade changes (for early warning) ---


@dataclass(frozen=True)
class GradeChange:
    customer_id: int
    rated_on: date
    previous_grade: str
    grade: str
    previous_score: Decimal
    score: Decimal

    @property
    def is_downgrade(self) -> bool:
        return self.score < self.previous_score


def grade_changes(*, on_date: date) -> list[GradeChange]:
    """Every customer whose rating on `on_date` has another grade than their rating before it
    (up or down; `is_downgrade` when the score fell), ordered by customer. One query."""
    previous = CustomerRating.objects.filter(
        customer=OuterRef("customer"), rated_on__lt=on_date
    ).order_by("-rated_on")
    rows = (
        CustomerRating.objects.filter(rated_on=on_date)
        .annotate(
            previous_grade=Subquery(previous.values("grade")[:1]),
            previous_score=Subquery(previous.values("score")[:1]),
        )
        .filter(previous_grade__isnull=False)
        .exclude(previous_grade=F("grade"))
        .order_by("customer_id")
        .values_list("customer_id", "previous_grade", "grade", "previous_score", "score")
    )
    return [
        GradeChange(customer_id, on_date, previous_grade, grade, previous_score, score)
        for customer_id, previous_grade, grade, previous_score, score in rows
    ]
