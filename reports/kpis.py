"""Receivables KPIs: DSO (simple and count-back), best possible DSO, average days delinquent,
collection effectiveness index, overdue ratio, collection rate and days to pay. The formulas,
with the worked example the tests use, are in docs/kpis.md.

A KPI is measured over a period: a calendar month, the month of the reporting date running only
up to that date. Every amount of a period is in the base currency at the rate known on the
period's last day (opening balance and sales included), so that a ratio does not move with the
exchange rate alone; a currency without a rate by then drops out and is named in
`missing_rates`. Balances "as of" a date come from the dated allocations
(receivables.selectors.installments_open(as_of=)), so a past period shows what was open then,
whatever was paid, credited or reversed later.

Each report costs a fixed number of queries: one UNION ALL for the balances of all its periods,
one for their sales, and the collection rate of each period (reports.selectors.collection_rates,
one query a month).
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    DecimalField,
    Exists,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Round, TruncMonth

from core.db import DaysBetween
from core.money import DECIMAL_PLACES, MAX_DIGITS, ZERO
from customers.models import Customer
from customers.selectors import customers_visible_to
from receivables.models import Allocation
from receivables.selectors import (
    credit_notes_visible_to,
    in_base_currency,
    installments_open,
    installments_visible_to,
)
from reports.selectors import (
    CollectionRate,
    cash_received,
    collection_rates,
    month_end,
    month_start,
    percent_of,
)

_MONEY = DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
_DAYS = DecimalField(max_digits=12, decimal_places=1)
DAYS_STEP = Decimal("0.1")
KPI_MONTHS = 12
# How far the count-back DSO walks back: a balance larger than two years of sales is reported
# as "more than COUNT_BACK_MONTHS months" (None) rather than as a number of days.
COUNT_BACK_MONTHS = 24
# Days to pay are measured on the payments applied in this many days up to the reporting date.
PAYMENT_HISTORY_DAYS = 365
SALES_REP = "customer__owner"


def _days(value: Decimal) -> Decimal:
    return value.quantize(DAYS_STEP, rounding=ROUND_HALF_UP)


# --- periods -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The days from `start` to `end`, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _months_back(period: Period, count: int) -> list[Period]:
    """`period` and the whole calendar months before it, `count` in all, newest first."""
    months = [period]
    while len(months) < count:
        start = month_start(months[-1].start - timedelta(days=1))
        months.append(Period(start, month_end(start)))
    return months


def kpi_periods(*, as_of: date, count: int = KPI_MONTHS) -> list[Period]:
    """The month of `as_of` up to `as_of`, and the `count` - 1 whole months before it, oldest
    first."""
    return _months_back(Period(month_start(as_of), as_of), count)[::-1]


# --- the figures -------------------------------------------------------------------------------


def _balance_rows(*, user, periods: Sequence[Period], group_by: str | None) -> list[dict]:
    """Per period (and group): what was open the day before it started ("opening") and on its
    last day ("closing", with `overdue`, the part due before that day), at the period end's
    rate. One query: a UNION ALL of two aggregates a period, each summing as few expressions as
    it can (each sum repeats the as-of and rate subqueries, which PostgreSQL plans one by one)."""
    group = [group_by] if group_by else []
    parts = []
    for period in periods:
        day_before = period.start - timedelta(days=1)
        for measure, as_of in (("opening", day_before), ("closing", period.end)):
            overdue = (
                Sum(Case(When(due_date__lt=period.end, then=F("open_base")), output_field=_MONEY))
                if measure == "closing"
                else Value(None, output_field=_MONEY)
            )
            parts.append(
                installments_open(user=user, as_of=as_of)
                .annotate(
                    period_end=Value(period.end),
                    measure=Value(measure),
                    open_base=in_base_currency("open_as_of", "currency", period.end),
                )
                .values("period_end", "measure", *group, "currency")
                .annotate(amount=Sum("open_base"), overdue=overdue)
                .order_by()
            )
    return list(parts[0].union(*parts[1:], all=True))


def _sales_rows(*, user, periods: Sequence[Period], group_by: str | None) -> list[dict]:
    """Per period (and group): invoices issued ("invoiced", their installments' amounts, tax
    included) and credit notes issued ("credited") in each calendar month of the period's
    count-back window, at the period end's rate. One query: a UNION ALL of two aggregates a
    period."""
    group = [group_by] if group_by else []
    parts = []
    for period in periods:
        window_start = _months_back(period, COUNT_BACK_MONTHS)[-1].start
        invoiced = installments_visible_to(user).filter(
            invoice__issue_date__gte=window_start, invoice__issue_date__lte=period.end
        )
        credited = credit_notes_visible_to(user).filter(
            issue_date__gte=window_start, issue_date__lte=period.end
        )
        for measure, documents, issued in (
            ("invoiced", invoiced, "invoice__issue_date"),
            ("credited", credited, "issue_date"),
        ):
            parts.append(
                documents.annotate(
                    period_end=Value(period.end),
                    measure=Value(measure),
                    month=TruncMonth(issued),
                    amount_base=in_base_currency("amount", "currency", period.end),
                )
                .values("period_end", "measure", "month", *group, "currency")
                .annotate(amount=Sum("amount_base"))
                .order_by()
            )
    return list(parts[0].union(*parts[1:], all=True))


@dataclass(frozen=True)
class Kpis:
    """A period's receivables KPIs (docs/kpis.md): amounts in the base currency, DSO figures in
    days (one decimal), CEI in percent (one decimal); None where a formula is undefined."""

    period: Period
    opening: Decimal
    sales: Decimal
    closing: Decimal
    overdue: Decimal
    dso: Decimal | None
    dso_count_back: Decimal | None
    best_dso: Decimal | None
    cei: Decimal | None
    missing_rates: tuple[str, ...]
    collection_rate: CollectionRate

    @property
    def current(self) -> Decimal:
        return self.closing - self.overdue

    @property
    def add(self) -> Decimal | None:
        """Average days delinquent, from the rounded figures so that the page's numbers add up."""
        if self.dso is None or self.best_dso is None:
            return None
        return self.dso - self.best_dso

    @property
    def overdue_percent(self) -> Decimal | None:
        return percent_of(self.overdue, self.closing)


def _days_of_sales(balance: Decimal, sales: Decimal, days: int) -> Decimal | None:
    """`balance` ÷ `sales` × `days`: 0 with nothing open, None when something is open but the
    period sold nothing (net of credit notes)."""
    if balance <= 0:
        return _days(ZERO)
    if sales <= 0:
        return None
    return _days(balance / sales * days)


def _count_back(balance: Decimal, months: Sequence[tuple[Decimal, int]]) -> Decimal | None:
    """Count-back DSO: take the newest month's sales off the balance, counting its days, then
    the month before, until a month's sales cover what is left, which counts for the share of
    that month's days it covers. `months`: (net sales, days), newest first. A month with no net
    sales counts whole and takes nothing off. None when all of them do not cover the balance."""
    if balance <= 0:
        return _days(ZERO)
    elapsed = Decimal(0)
    for sales, days in months:
        if sales > 0 and balance <= sales:
            return _days(elapsed + balance / sales * days)
        elapsed += days
        balance -= max(sales, ZERO)
    return None


def _cei(*, opening: Decimal, sales: Decimal, closing: Decimal, current: Decimal):
    """Collected ÷ collectible in percent; None when nothing was collectible."""
    collectible = opening + sales - current
    if collectible <= 0:
        return None
    return percent_of(opening + sales - closing, collectible)


class _Figures:
    """The balances and sales of `periods` (per value of `group_by` if given), read in two
    queries, turned into each period's Kpis."""

    def __init__(self, *, user, periods: Sequence[Period], group_by: str | None = None):
        self.balances = defaultdict(lambda: defaultdict(lambda: ZERO))
        self.sales = defaultdict(lambda: defaultdict(lambda: ZERO))
        self.missing = defaultdict(set)
        for row in _balance_rows(user=user, periods=periods, group_by=group_by):
            key = self._key(row, group_by)
            totals = self.balances[key]
            if row["measure"] == "opening":
                totals["opening"] += row["amount"] or ZERO
            else:
                totals["closing"] += row["amount"] or ZERO
                totals["overdue"] += row["overdue"] or ZERO
        for row in _sales_rows(user=user, periods=periods, group_by=group_by):
            sign = 1 if row["measure"] == "invoiced" else -1
            self.sales[self._key(row, group_by)][row["month"]] += sign * (row["amount"] or ZERO)

    def _key(self, row: dict, group_by: str | None) -> tuple:
        key = (row["period_end"], row[group_by] if group_by else None)
        # Within a currency every row has the same rate, so a NULL sum means no rate at all.
        if row["amount"] is None:
            self.missing[key].add(row["currency"])
        return key

    def groups(self) -> set:
        return {group for _end, group in (*self.balances, *self.sales)}

    def kpis(self, period: Period, group=None, *, collection_rate: CollectionRate) -> Kpis:
        key = (period.end, group)
        totals, sales = self.balances[key], self.sales[key]
        months = _months_back(period, COUNT_BACK_MONTHS)
        monthly = [(sales[month.start], month.days) for month in months]
        period_sales = monthly[0][0]
        opening, closing, overdue = totals["opening"], totals["closing"], totals["overdue"]
        return Kpis(
            period=period,
            opening=opening,
            sales=period_sales,
            closing=closing,
            overdue=overdue,
            dso=_days_of_sales(closing, period_sales, period.days),
            dso_count_back=_count_back(closing, monthly),
            best_dso=_days_of_sales(closing - overdue, period_sales, period.days),
            cei=_cei(
                opening=opening, sales=period_sales, closing=closing, current=closing - overdue
            ),
            missing_rates=tuple(sorted(self.missing[key])),
            collection_rate=collection_rate,
        )


# --- reports -----------------------------------------------------------------------------------


def kpis_by_month(*, user, as_of: date, months: int = KPI_MONTHS) -> list[Kpis]:
    """The KPIs of the customers `user` may see for the month of `as_of` (up to `as_of`) and
    the `months` - 1 months before it, oldest first, each as it stood at its end. 2 + `months`
    queries (a collection rate a month), whatever the data."""
    periods = kpi_periods(as_of=as_of, count=months)
    figures = _Figures(user=user, periods=periods)
    return [
        figures.kpis(period, collection_rate=collection_rates(user=user, as_of=period.end)[None])
        for period in periods
    ]


def kpis_for_month(*, user, as_of: date) -> Kpis:
    """kpis_by_month for the month of `as_of` alone (up to `as_of`). Three queries."""
    return kpis_by_month(user=user, as_of=as_of, months=1)[0]


@dataclass(frozen=True)
class RepKpis:
    """One sales rep's line of the performance table (绩效考核); `rep` None: customers with no
    sales rep. `collected`: money received in the month (reports.selectors.cash_received)."""

    rep: object
    kpis: Kpis
    collected: Decimal


def kpis_by_sales_rep(*, user, as_of: date) -> list[RepKpis]:
    """The month-to-date KPIs of `as_of`'s month per sales rep (customer owner), of the
    customers `user` may see (a sales rep: their own line only), largest open balance first.
    Five queries, whatever the number of reps or customers."""
    (period,) = kpi_periods(as_of=as_of, count=1)
    figures = _Figures(user=user, periods=[period], group_by=SALES_REP)
    rates = collection_rates(user=user, as_of=as_of, group_by=SALES_REP)
    received = cash_received(user=user, as_of=as_of, group_by=SALES_REP)
    rep_ids = figures.groups() | set(rates) | set(received)
    reps = get_user_model().objects.in_bulk([pk for pk in rep_ids if pk is not None])
    rows = [
        RepKpis(
            rep=reps.get(rep_id),
            kpis=figures.kpis(
                period, rep_id, collection_rate=rates.get(rep_id, CollectionRate(ZERO, ZERO))
            ),
            collected=received.get(rep_id, ZERO),
        )
        for rep_id in rep_ids
    ]
    return sorted(rows, key=lambda row: (-row.kpis.closing, row.rep is None, str(row.rep or "")))


# --- days to pay -------------------------------------------------------------------------------


def _payments_settled(*, as_of: date) -> QuerySet[Allocation]:
    """Payment allocations applied in the PAYMENT_HISTORY_DAYS up to `as_of` and not undone by
    then, each with `amount_base` (at `as_of`'s rate), `days_to_pay` (from the invoice date) and
    `days_late` (from the due date; negative when paid early)."""
    undone_by_then = Allocation.objects.filter(reverses=OuterRef("pk"), applied_on__lte=as_of)
    return (
        Allocation.objects.filter(
            kind=Allocation.Kind.PAYMENT,
            reverses__isnull=True,
            applied_on__gt=as_of - timedelta(days=PAYMENT_HISTORY_DAYS),
            applied_on__lte=as_of,
        )
        .exclude(Exists(undone_by_then))
        .annotate(
            amount_base=in_base_currency("amount", "installment__currency", as_of),
            days_to_pay=DaysBetween(F("applied_on"), F("installment__invoice__issue_date")),
            days_late=DaysBetween(F("applied_on"), F("installment__due_date")),
        )
    )


def payment_days_by_customer(*, user, as_of: date) -> QuerySet[Customer]:
    """The customers `user` may see who paid something in the PAYMENT_HISTORY_DAYS up to
    `as_of`, each with `paid_base` (those payments, base currency), `days_to_pay` (days from
    invoice date to payment, weighted by the amount paid) and `days_beyond_terms` (the same from
    the due date; negative when early on average), one decimal. One query; slowest first."""

    def per_customer(expression) -> Subquery:
        return Subquery(
            _payments_settled(as_of=as_of)
            .filter(customer=OuterRef("pk"))
            .values("customer")
            .annotate(total=Sum(expression))
            .values("total"),
            output_field=_MONEY,
        )

    return (
        customers_visible_to(user)
        .annotate(
            paid_base=per_customer(F("amount_base")),
            paid_days=per_customer(F("amount_base") * F("days_to_pay")),
            late_days=per_customer(F("amount_base") * F("days_late")),
        )
        .filter(paid_base__gt=0)
        .annotate(
            days_to_pay=Round(F("paid_days") / F("paid_base"), 1, output_field=_DAYS),
            days_beyond_terms=Round(F("late_days") / F("paid_base"), 1, output_field=_DAYS),
        )
        .select_related("owner")
        .order_by("-days_to_pay", "code")
    )


@dataclass(frozen=True)
class PaymentDays:
    """How long a customer takes to pay (see payment_days_by_customer)."""

    paid_base: Decimal
    days_to_pay: Decimal
    days_beyond_terms: Decimal


def customer_payment_days(*, user, customer: Customer, as_of: date) -> PaymentDays | None:
    """payment_days_by_customer for one customer (the customer page); None when they paid
    nothing in the period or are not visible to `user`. One query."""
    found = (
        payment_days_by_customer(user=user, as_of=as_of)
        .filter(pk=customer.pk)
        .values("paid_base", "days_to_pay", "days_beyond_terms")
        .first()
    )
    return PaymentDays(**found) if found else None
