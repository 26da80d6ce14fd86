"""Reads for dashboards and reports: aging, balances as of a date, collections, work queues.

Every function takes the user (scoping goes through receivables.selectors and
customers.selectors) and an explicit date; nothing here asks for "today". Balances as of a date
are reproduced from the allocation rows (receivables.selectors.installments_open(as_of=)), so a
past date shows what was open then, whatever was paid afterwards.

Amounts are in the base currency (settings.BASE_CURRENCY), converted row by row with
receivables.selectors.in_base_currency at the rate known on the reporting date. A currency with
no rate by then converts to NULL and drops out of the sums: the aggregates are grouped by
currency so that the pages can name the currencies left out (`missing_rates`), and the totals
are added up in Python over those few rows (one per currency).
"""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextChoices,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import DECIMAL_PLACES, HALF_CENT, MAX_DIGITS, ZERO
from customers.models import Customer
from customers.selectors import customers_visible_to
from receivables.models import Allocation, Invoice, Payment, WriteOff
from receivables.selectors import (
    in_base_currency,
    installments_open,
    installments_visible_to,
    invoices_visible_to,
    payments_visible_to,
    with_unapplied_as_of,
    write_offs_visible_to,
)

_MONEY = DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
PERCENT_STEP = Decimal("0.1")
# "Due soon" on a sales rep's dashboard: the seven calendar days starting on the reporting date.
DUE_SOON_DAYS = 7
TREND_MONTHS = 12
TOP_DEBTORS = 10


def percent_of(part: Decimal, whole: Decimal) -> Decimal | None:
    """`part` as a percentage of `whole`, to one decimal place, half up; None when `whole` is
    zero (a share of nothing is undefined, not 0%)."""
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(PERCENT_STEP, rounding=ROUND_HALF_UP)


# --- aging -------------------------------------------------------------------------------------


class AgingBasis(TextChoices):
    """What an installment's age is counted from: its due date (days past due, the default) or
    its invoice's issue date (days since invoice date)."""

    DAYS_PAST_DUE = "past_due", _("Days past due")
    DAYS_SINCE_INVOICE = "invoice_date", _("Days since invoice date")


# The field each basis counts from, as a path from Installment.
AGING_DATE_FIELDS = {
    AgingBasis.DAYS_PAST_DUE: "due_date",
    AgingBasis.DAYS_SINCE_INVOICE: "invoice__issue_date",
}
# Upper bounds (days) of the default buckets: current, 1–30, 31–60, 61–90, 91–180, 181–365,
# over 365 days past due.
DEFAULT_BUCKET_BOUNDS: tuple[int, ...] = (30, 60, 90, 180, 365)


@dataclass(frozen=True)
class AgingBucket:
    """Open installments `min_days` to `max_days` days old on the reporting date, both
    inclusive (None: unbounded). Age = reporting date - the basis date (by default the due
    date), so an installment due on the reporting date itself is 0 days past due: current, not
    overdue."""

    min_days: int | None
    max_days: int | None

    @property
    def key(self) -> str:
        if self.max_days is None:
            return f"over_{self.min_days - 1}"
        if self.min_days is None:
            return "current" if self.max_days == 0 else f"up_to_{self.max_days}"
        return f"days_{self.min_days}_{self.max_days}"

    @property
    def label(self) -> str:
        # Translated when read, not when the module is imported: the reader's language.
        if self.max_days is None:
            return gettext("Over %(days)s days") % {"days": self.min_days - 1}
        if self.min_days is None:
            if self.max_days == 0:
                return gettext("Current")
            return gettext("Up to %(days)s days") % {"days": self.max_days}
        return gettext("%(low)s–%(high)s days") % {"low": self.min_days, "high": self.max_days}

    def contains(self, days: int) -> bool:
        return (self.min_days is None or days >= self.min_days) and (
            self.max_days is None or days <= self.max_days
        )

    def condition(self, as_of: date, date_field: str = "due_date") -> Q:
        # On the basis date rather than on a computed day count: the same SQL on every
        # database, and the partial index on open installments' due dates can serve it.
        condition = Q()
        if self.min_days is not None:
            condition &= Q(**{f"{date_field}__lte": as_of - timedelta(days=self.min_days)})
        if self.max_days is not None:
            condition &= Q(**{f"{date_field}__gte": as_of - timedelta(days=self.max_days)})
        return condition


def aging_buckets(
    bounds: Sequence[int] = DEFAULT_BUCKET_BOUNDS, *, basis: str = AgingBasis.DAYS_PAST_DUE
) -> tuple[AgingBucket, ...]:
    """The buckets cut at `bounds` (ascending upper bounds in days, each at least 1). Days past
    due start with "current" (not yet past due), then 1 to the first bound; days since invoice
    date start at 0. The last bucket is open-ended. They partition the open installments."""
    buckets = [AgingBucket(None, 0)] if basis == AgingBasis.DAYS_PAST_DUE else []
    low = 1 if basis == AgingBasis.DAYS_PAST_DUE else 0
    for bound in bounds:
        buckets.append(AgingBucket(low, bound))
        low = bound + 1
    buckets.append(AgingBucket(low, None))
    return tuple(buckets)


AGING_BUCKETS: tuple[AgingBucket, ...] = aging_buckets()


@dataclass(frozen=True)
class Position:
    """Open receivables on a date, in the base currency."""

    as_of: date
    open: Decimal
    overdue: Decimal
    due_soon: Decimal
    buckets: dict[str, Decimal]
    missing_rates: tuple[str, ...]

    @property
    def overdue_percent(self) -> Decimal | None:
        return percent_of(self.overdue, self.open)


def _owned_by(queryset: QuerySet, owner) -> QuerySet:
    """Narrow a scoped queryset to one sales rep's customers ("my customers" for a user who
    also sees everyone's, e.g. a sales rep who is also a manager); None leaves it as it is."""
    return queryset if owner is None else queryset.filter(customer__owner=owner)


def _open_in_base(installments: QuerySet, as_of: date) -> QuerySet:
    """Installments open on `as_of`, each with `open_base`: its open amount then, in the base
    currency at that date's rate (NULL without a rate)."""
    return installments.annotate(open_base=in_base_currency("open_as_of", "currency", as_of))


def _sum_where(condition: Q) -> Sum:
    return Sum(Case(When(condition, then=F("open_base")), output_field=_MONEY))


def _sum_rows(rows: Sequence[dict], key: str) -> Decimal:
    return sum((row[key] for row in rows if row[key] is not None), ZERO)


def due_soon_until(as_of: date) -> date:
    """The last day of the "due soon" window that starts on `as_of`."""
    return as_of + timedelta(days=DUE_SOON_DAYS - 1)


def receivables_position(
    *, user, as_of: date, owner=None, buckets: Sequence[AgingBucket] = AGING_BUCKETS
) -> Position:
    """What the customers `user` may see (of them, `owner`'s if given) owed on `as_of`: open,
    overdue (due before `as_of`), due within DUE_SOON_DAYS from `as_of`, and the aging buckets.
    One aggregate query; the buckets partition the open amount, so they add up to `open`."""
    soon_until = due_soon_until(as_of)
    rows = list(
        _open_in_base(_owned_by(installments_open(user=user, as_of=as_of), owner), as_of)
        .values("currency")
        .annotate(
            open=Sum("open_base"),
            overdue=_sum_where(Q(due_date__lt=as_of)),
            due_soon=_sum_where(Q(due_date__gte=as_of, due_date__lte=soon_until)),
            **{bucket.key: _sum_where(bucket.condition(as_of)) for bucket in buckets},
        )
        .order_by("currency")
    )
    return Position(
        as_of=as_of,
        open=_sum_rows(rows, "open"),
        overdue=_sum_rows(rows, "overdue"),
        due_soon=_sum_rows(rows, "due_soon"),
        buckets={bucket.key: _sum_rows(rows, bucket.key) for bucket in buckets},
        # Within a currency every row has the same rate, so a NULL sum means no rate at all.
        missing_rates=tuple(row["currency"] for row in rows if row["open"] is None),
    )


def position_by(*, user, as_of: date, group_by: str) -> list[dict]:
    """Open and overdue in the base currency on `as_of`, one row per value of `group_by` (a
    field path from Installment, e.g. "customer__owner" or "customer__region"): rows of
    {group_by: value, "open": Decimal, "overdue": Decimal}. One aggregate query."""
    return list(
        _open_in_base(installments_open(user=user, as_of=as_of), as_of)
        .values(group_by)
        .annotate(
            open=Coalesce(Sum("open_base"), ZERO),
            overdue=Coalesce(_sum_where(Q(due_date__lt=as_of)), ZERO),
        )
        .order_by(group_by)
    )


# --- trend -------------------------------------------------------------------------------------


def month_ends(*, as_of: date, count: int = TREND_MONTHS) -> list[date]:
    """The last `count` month-ends on or before `as_of`, oldest first (`as_of` itself when it
    is a month-end)."""
    year, month = as_of.year, as_of.month
    if as_of.day != calendar.monthrange(year, month)[1]:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    ends = []
    for _index in range(count):
        ends.append(date(year, month, calendar.monthrange(year, month)[1]))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return ends[::-1]


@dataclass(frozen=True)
class TrendPoint:
    on_date: date
    open: Decimal
    overdue: Decimal
    missing_rates: tuple[str, ...]


def open_and_overdue_trend(*, user, dates: Sequence[date]) -> list[TrendPoint]:
    """Open and overdue on each of `dates` as it stood then (later payments, credit notes and
    reversals do not change a past point), each converted at its own date's rate. One query
    (a UNION ALL of one aggregate per date), whatever the number of dates or customers."""
    per_date = [
        _open_in_base(installments_open(user=user, as_of=on_date), on_date)
        .annotate(on_date=Value(on_date))
        .values("on_date", "currency")
        .annotate(open=Sum("open_base"), overdue=_sum_where(Q(due_date__lt=on_date)))
        .order_by()
        for on_date in dates
    ]
    if not per_date:
        return []
    rows = list(per_date[0].union(*per_date[1:], all=True))
    points = []
    for on_date in dates:
        rows_on_date = [row for row in rows if row["on_date"] == on_date]
        points.append(
            TrendPoint(
                on_date=on_date,
                open=_sum_rows(rows_on_date, "open"),
                overdue=_sum_rows(rows_on_date, "overdue"),
                missing_rates=tuple(
                    sorted(row["currency"] for row in rows_on_date if row["open"] is None)
                ),
            )
        )
    return points


# --- customers ---------------------------------------------------------------------------------


def customers_with_balances_as_of(*, user, as_of: date, owner=None) -> QuerySet[Customer]:
    """The customers `user` may see, annotated in the base currency (at `as_of`'s rate) with
    `open_base` and `overdue_base` as they stood on `as_of`, and `credit_limit_base` (the
    limit is kept in the customer's currency); only `owner`'s customers if given. One query."""

    def total(installments: QuerySet) -> Coalesce:
        per_customer = (
            installments.filter(customer=OuterRef("pk"))
            .values("customer")
            .annotate(total=Sum("open_base"))
            .values("total")
        )
        return Coalesce(Subquery(per_customer, output_field=_MONEY), ZERO)

    open_items = _open_in_base(installments_open(user=user, as_of=as_of).order_by(), as_of)
    customers = customers_visible_to(user)
    if owner is not None:
        customers = customers.filter(owner=owner)
    return customers.annotate(
        open_base=total(open_items),
        overdue_base=total(open_items.filter(due_date__lt=as_of)),
        credit_limit_base=in_base_currency("credit_limit", "currency", as_of),
    )


def top_debtors(*, user, as_of: date, limit: int = TOP_DEBTORS) -> list[Customer]:
    """The `limit` customers owing the most on `as_of` (base currency), largest first."""
    return list(
        customers_with_balances_as_of(user=user, as_of=as_of)
        .filter(open_base__gt=0)
        .select_related("owner")
        .order_by("-open_base", "code")[:limit]
    )


def customers_over_credit_limit(*, user, as_of: date, owner=None) -> list[Customer]:
    """Customers whose open balance on `as_of` exceeds their credit limit, highest utilisation
    first; each has `utilisation_percent` (open ÷ limit, in percent; None for a zero limit,
    which means no credit at all, so any open amount is over it)."""
    over = list(
        customers_with_balances_as_of(user=user, as_of=as_of, owner=owner)
        .filter(open_base__gt=F("credit_limit_base"))
        .order_by("code")
    )
    for customer in over:
        customer.utilisation_percent = percent_of(customer.open_base, customer.credit_limit_base)
    return sorted(
        over,
        key=lambda c: (c.utilisation_percent is not None, c.utilisation_percent or 0),
        reverse=True,
    )


# --- collections -------------------------------------------------------------------------------


def month_start(on_date: date) -> date:
    return on_date.replace(day=1)


def month_end(on_date: date) -> date:
    return on_date.replace(day=calendar.monthrange(on_date.year, on_date.month)[1])


@dataclass(frozen=True)
class CollectionRate:
    """Payments applied in a period to what was due in it; see `collection_rates`."""

    collected: Decimal
    due: Decimal

    @property
    def percent(self) -> Decimal | None:
        return percent_of(self.collected, self.due)


def _allocated(kinds: Sequence[str], *, applied_from: date | None, applied_to: date) -> Subquery:
    """Per installment: the allocations of `kinds` applied in the date range (reversals, being
    negative rows dated when the undoing happened, net out in the period they happen)."""
    rows = Allocation.objects.filter(
        installment=OuterRef("pk"), kind__in=kinds, applied_on__lte=applied_to
    )
    if applied_from is not None:
        rows = rows.filter(applied_on__gte=applied_from)
    return Coalesce(
        Subquery(
            rows.values("installment").annotate(total=Sum("amount")).values("total"),
            output_field=_MONEY,
        ),
        Value(ZERO),
    )


def collection_rates(*, user, as_of: date, owner=None, group_by: str | None = None) -> dict:
    """The collection rate (回款率) of the month of `as_of`, up to `as_of`:

        collected = payments applied from the 1st of the month to `as_of` (net of payment
                    allocations undone in that time) to installments due by the month's end;
        due       = what was due by the month's end: for installments issued before the month,
                    what was still open on them at its start; for those issued in the month (up
                    to `as_of`), their amount; in both cases less credit notes (红冲) applied in
                    the month, because a credited amount was never owed. Write-offs stay in:
                    writing a debt off is a failure to collect it.
        rate      = collected ÷ due.

    Prepayments applied before the month are in neither figure; unapplied cash is not
    collected until it is applied, since until then nobody knows what it pays. Both figures are
    in the base currency at `as_of`'s rate (installments in a currency without a rate are left
    out of both). With `group_by` (a field path from Installment such as "customer__owner"),
    a dict {group value: CollectionRate}; without, {None: CollectionRate}. `owner` narrows to
    one sales rep's customers. One query."""
    period_start, period_end = month_start(as_of), month_end(as_of)
    day_before = period_start - timedelta(days=1)
    installments = (
        _owned_by(installments_visible_to(user), owner)
        .filter(due_date__lte=period_end, invoice__issue_date__lte=as_of)
        .annotate(
            open_at_start=ExpressionWrapper(
                F("amount")
                - _allocated(Allocation.Kind.values, applied_from=None, applied_to=day_before),
                output_field=_MONEY,
            ),
            credited=_allocated(
                [Allocation.Kind.CREDIT_NOTE], applied_from=period_start, applied_to=as_of
            ),
            # What the customer's bank or ours kept of a payment in full was paid all the same.
            paid=_allocated(
                [Allocation.Kind.PAYMENT, Allocation.Kind.BANK_CHARGE],
                applied_from=period_start,
                applied_to=as_of,
            ),
        )
        .filter(open_at_start__gt=HALF_CENT)
        .annotate(
            due_in_period=ExpressionWrapper(
                F("open_at_start") - F("credited"), output_field=_MONEY
            ),
        )
        .annotate(
            due_base=in_base_currency("due_in_period", "currency", as_of),
            paid_base=in_base_currency("paid", "currency", as_of),
        )
    )
    sums = {"collected": Coalesce(Sum("paid_base"), ZERO), "due": Coalesce(Sum("due_base"), ZERO)}
    if group_by is None:
        totals = installments.aggregate(**sums)
        return {None: CollectionRate(collected=totals["collected"], due=totals["due"])}
    rows = installments.values(group_by).annotate(**sums).order_by(group_by)
    return {
        row[group_by]: CollectionRate(collected=row["collected"], due=row["due"]) for row in rows
    }


def cash_received(*, user, as_of: date, owner=None, group_by: str | None = None) -> dict:
    """Money received from customers from the 1st of `as_of`'s month to `as_of` (payments by
    received date, whether applied yet or not), less payments reversed on or before `as_of`
    (a bounced payment was never collected); in the base currency at `as_of`'s rate. With
    `group_by` (a field path from Payment such as "customer__owner"), {group value: Decimal};
    without, {None: Decimal}. `owner` narrows to one sales rep's customers. One query."""
    payments = (
        _owned_by(payments_visible_to(user), owner)
        .filter(received_on__gte=month_start(as_of), received_on__lte=as_of)
        .exclude(reversed_on__lte=as_of)
        .annotate(amount_base=in_base_currency("amount", "currency", as_of))
    )
    total = Coalesce(Sum("amount_base"), ZERO)
    if group_by is None:
        return {None: payments.aggregate(total=total)["total"]}
    rows = payments.values(group_by).annotate(total=total).order_by(group_by)
    return {row[group_by]: row["total"] for row in rows}


def unapplied_cash(*, user, as_of: date) -> Decimal:
    """Money received by `as_of` and not applied or refunded by then (base currency at
    `as_of`'s rate): reproduced from the dated allocation and refund rows, so a past date shows
    what was unapplied then. One query."""
    payments = with_unapplied_as_of(payments_visible_to(user), as_of).annotate(
        unapplied_base=in_base_currency("unapplied_then", "currency", as_of)
    )
    return payments.aggregate(total=Coalesce(Sum("unapplied_base"), ZERO))["total"]


# --- per sales rep -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RepRow:
    """One sales rep's line on the manager dashboard; `rep` None is customers with no owner."""

    rep: object
    open: Decimal = ZERO
    overdue: Decimal = ZERO
    collected: Decimal = ZERO
    collection_rate: CollectionRate = field(default_factory=lambda: CollectionRate(ZERO, ZERO))

    @property
    def overdue_percent(self) -> Decimal | None:
        return percent_of(self.overdue, self.open)


def sales_rep_table(*, user, as_of: date) -> list[RepRow]:
    """Per sales rep (customer owner): open and overdue on `as_of`, cash received and the
    collection rate in `as_of`'s month, in the base currency; largest open balance first.
    A constant number of queries (four), whatever the number of reps or customers."""
    owner = "customer__owner"
    balances = {row[owner]: row for row in position_by(user=user, as_of=as_of, group_by=owner)}
    received = cash_received(user=user, as_of=as_of, group_by=owner)
    rates = collection_rates(user=user, as_of=as_of, group_by=owner)
    rep_ids = set(balances) | set(received) | set(rates)
    reps = get_user_model().objects.in_bulk([pk for pk in rep_ids if pk is not None])
    rows = [
        RepRow(
            rep=reps.get(rep_id),
            open=balances[rep_id]["open"] if rep_id in balances else ZERO,
            overdue=balances[rep_id]["overdue"] if rep_id in balances else ZERO,
            collected=received.get(rep_id, ZERO),
            collection_rate=rates.get(rep_id, CollectionRate(ZERO, ZERO)),
        )
        for rep_id in rep_ids
    ]
    return sorted(rows, key=lambda row: (-row.open, row.rep is None, str(row.rep or "")))


# --- finance work queue ------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkQueue:
    unapplied_payments: int
    unapplied_total: Decimal
    disputed_invoices: int
    unsent_invoices: int
    pending_write_offs: int
    pending_write_off_total: Decimal


def finance_work_queue(*, user, on_date: date) -> WorkQueue:
    """What finance has to act on now (current state, not as of a past date): payments with
    money still to apply, open invoices under dispute, open invoices not yet sent, write-offs
    awaiting a decision; totals in the base currency at `on_date`'s rate. Three queries."""
    unapplied = (
        payments_visible_to(user)
        .filter(unapplied_amount__gt=0)
        .exclude(status=Payment.Status.REVERSED)
        .aggregate(
            count=Count("pk"),
            total=Coalesce(Sum(in_base_currency("unapplied_amount", "currency", on_date)), ZERO),
        )
    )
    invoices = invoices_visible_to(user).filter(status__in=Invoice.OPEN_STATUSES)
    invoice_counts = invoices.aggregate(
        disputed=Count("pk", filter=Q(is_disputed=True)),
        unsent=Count("pk", filter=Q(sent_on__isnull=True)),
    )
    pending = (
        write_offs_visible_to(user)
        .filter(status=WriteOff.Status.PENDING)
        .aggregate(
            count=Count("pk"),
            total=Coalesce(Sum(in_base_currency("amount", "currency", on_date)), ZERO),
        )
    )
    return WorkQueue(
        unapplied_payments=unapplied["count"],
        unapplied_total=unapplied["total"],
        disputed_invoices=invoice_counts["disputed"],
        unsent_invoices=invoice_counts["unsent"],
        pending_write_offs=pending["count"],
        pending_write_off_total=pending["total"],
    )
