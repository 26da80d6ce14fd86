"""Cash forecast reads: when each open installment is expected to be paid, the weekly roll-up of
expected cash, and how recorded forecasts compared with the cash that came in.

The method is documented exactly in docs/cash-forecast.md. In short: an open installment is
expected on its due date plus the number of days its customer typically pays late (the median
over installments paid in the last 12 months, or over the last 3 months when that is later),
falling back to the sales rep's customers and then the whole company when the customer has
too little history; never before the forecast date. Disputed invoices are expected on no date.

Medians are taken in Python over day counts fetched in one query: the same code then runs on
PostgreSQL and on SQLite (`make run`), which has no percentile function. Every read costs a fixed
number of queries, whatever the number of customers or installments.
"""

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import DateField, Exists, OuterRef, QuerySet, Sum, TextChoices, Value
from django.utils.translation import gettext_lazy as _

from core.money import ZERO, quantize
from customers.models import Customer
from receivables.models import Allocation, Installment
from receivables.selectors import (
    in_base_currency,
    installments_open,
    installments_open_as_of,
    payments_visible_to,
)
from reports.models import CashForecastSettings, CashForecastWeek
from reports.selectors import PERCENT_STEP, percent_of

FORECAST_WEEKS = 13
ACCURACY_WEEKS = 8
# The horizons compared with actual receipts: the forecast made this many weeks before the week.
ACCURACY_HORIZONS = (1, 4)
LATER = "later"
DISPUTED = "disputed"


def week_start(on_date: date) -> date:
    """The Monday of `on_date`'s week (weeks run Monday to Sunday)."""
    return on_date - timedelta(days=on_date.weekday())


def forecast_settings() -> CashForecastSettings:
    """The forecast's settings row; its defaults when the row is missing (a flushed test
    database), so that the forecast always follows the documented method."""
    return (
        CashForecastSettings.objects.filter(pk=CashForecastSettings.SINGLETON_PK).first()
        or CashForecastSettings()
    )


# --- payment behaviour -------------------------------------------------------------------------


class LatenessSource(TextChoices):
    """Whose payment history an installment's expected lateness comes from."""

    CUSTOMER = "customer", _("Customer's median")
    SALES_REP = "sales_rep", _("Sales rep's customers' median")
    COMPANY = "company", _("All customers' median")
    NONE = "none", _("No payment history: due date")


@dataclass(frozen=True)
class Lateness:
    """How many days after its due date an installment is expected to be paid (negative: before),
    the history that says so, and whether the recent trend (a later recent median) decided it."""

    days: int
    source: str
    from_trend: bool = False

    @property
    def source_label(self) -> str:
        return LatenessSource(self.source).label

    @property
    def days_early(self) -> int:
        return -self.days


NO_HISTORY = Lateness(days=0, source=LatenessSource.NONE)


@dataclass
class PaymentHistory:
    """Days late (settled on − due date) of the installments paid in the history window, and of
    those among them paid in the recent-trend window."""

    days_late: list[int] = field(default_factory=list)
    recent_days_late: list[int] = field(default_factory=list)

    def add(self, days_late: int, *, recent: bool) -> None:
        self.days_late.append(days_late)
        if recent:
            self.recent_days_late.append(days_late)


def median_days(values: Sequence[int]) -> int:
    """The median of whole day counts, a half day rounded up (to the later day): for an even
    count the median is the mean of the middle two, and cash expected half a day later is
    expected the next day."""
    return math.ceil(statistics.median(values))


def lateness_from(history: PaymentHistory | None, *, min_settled: int) -> tuple[int, bool] | None:
    """(days, from_trend) from one history: its median, or the recent median when that rests on
    at least `min_settled` installments too and is later; None when the history has fewer than
    `min_settled` installments."""
    if history is None or len(history.days_late) < min_settled:
        return None
    overall = median_days(history.days_late)
    if len(history.recent_days_late) >= min_settled:
        recent = median_days(history.recent_days_late)
        if recent > overall:
            return recent, True
    return overall, False


@dataclass(frozen=True)
class PaymentBehaviour:
    """Payment histories by customer, by sales rep (of the customers they own now) and for the
    company, as of one date; `lateness_for` applies the fallback rule."""

    by_customer: dict[int, PaymentHistory]
    by_owner: dict[int, PaymentHistory]
    company: PaymentHistory
    min_settled: int

    def lateness_for(self, *, customer_id: int, owner_id: int | None) -> Lateness:
        levels = (
            (LatenessSource.CUSTOMER, self.by_customer.get(customer_id)),
            (LatenessSource.SALES_REP, self.by_owner.get(owner_id) if owner_id else None),
            (LatenessSource.COMPANY, self.company),
        )
        for source, history in levels:
            found = lateness_from(history, min_settled=self.min_settled)
            if found is not None:
                days, from_trend = found
                return Lateness(days=days, source=source, from_trend=from_trend)
        return NO_HISTORY


def _paid_installments(*, since: date, as_of: date) -> QuerySet[Installment]:
    """Every customer's installments that payments settled after `since` and by `as_of`: the
    day open_amount reached zero (settled_on) is when the customer finished paying. Installments
    a write-off closed, or that no live payment reached (fully credited, 红冲), say nothing about
    how the customer pays, so they are left out."""
    live_payment = Allocation.objects.filter(
        installment=OuterRef("pk"),
        kind=Allocation.Kind.PAYMENT,
        reverses__isnull=True,
        reversed_by__isnull=True,
    )
    write_off = Allocation.objects.filter(
        installment=OuterRef("pk"), kind=Allocation.Kind.WRITE_OFF
    )
    return Installment.objects.filter(
        Exists(live_payment), ~Exists(write_off), settled_on__gt=since, settled_on__lte=as_of
    )


def payment_behaviour(*, as_of: date, config: CashForecastSettings) -> PaymentBehaviour:
    """Company-wide payment histories as of `as_of`, whoever asks: an installment's expected
    date must not depend on who looks at it, and the fallbacks pool customers a sales rep does
    not see (only medians leave this function). One query."""
    since = as_of - relativedelta(months=config.history_months)
    recent_since = as_of - relativedelta(months=config.trend_months)
    by_customer: dict[int, PaymentHistory] = defaultdict(PaymentHistory)
    by_owner: dict[int, PaymentHistory] = defaultdict(PaymentHistory)
    company = PaymentHistory()
    rows = _paid_installments(since=since, as_of=as_of).values_list(
        "customer_id", "customer__owner_id", "due_date", "settled_on"
    )
    for customer_id, owner_id, due_date, settled_on in rows:
        days_late = (settled_on - due_date).days
        recent = settled_on > recent_since
        by_customer[customer_id].add(days_late, recent=recent)
        if owner_id is not None:
            by_owner[owner_id].add(days_late, recent=recent)
        company.add(days_late, recent=recent)
    return PaymentBehaviour(
        by_customer=dict(by_customer),
        by_owner=dict(by_owner),
        company=company,
        min_settled=config.min_settled_installments,
    )


# --- expected collections ----------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedCollection:
    """One open installment: what is open on it on the forecast date (in its currency and in the
    base currency, None without a rate), and when it is expected (None: disputed)."""

    installment: Installment
    open_amount: Decimal
    open_base: Decimal | None
    lateness: Lateness
    expected_on: date | None

    @property
    def customer(self) -> Customer:
        return self.installment.customer

    @property
    def is_disputed(self) -> bool:
        return self.expected_on is None


def expected_on(*, due_date: date, lateness: Lateness, as_of: date) -> date:
    """Due date + expected days late, but never before `as_of`: what is still open cannot have
    been paid in the past, so an item "expected" before the forecast date is expected now."""
    return max(due_date + timedelta(days=lateness.days), as_of)


def forecast_line(expected: date | None, *, first_week: date) -> str:
    """The key of the forecast line a collection expected on `expected` falls in: its week's
    Monday (ISO) within the FORECAST_WEEKS weeks from `first_week`, LATER after them, DISPUTED
    for an installment expected on no date."""
    if expected is None:
        return DISPUTED
    if expected >= first_week + timedelta(weeks=FORECAST_WEEKS):
        return LATER
    return week_start(expected).isoformat()


@dataclass(frozen=True)
class ForecastWeek:
    start: date
    expected: Decimal
    count: int

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def key(self) -> str:
        return self.start.isoformat()


@dataclass(frozen=True)
class CustomerCollections:
    """One customer's expected collections within a line of the forecast (drill-down)."""

    customer: Customer
    expected: Decimal
    collections: list[ExpectedCollection]


def _sum_base(collections: Iterable[ExpectedCollection]) -> Decimal:
    return sum((c.open_base for c in collections if c.open_base is not None), ZERO)


@dataclass(frozen=True)
class CashForecast:
    """Expected cash in the base currency: by week for FORECAST_WEEKS weeks from the Monday of
    `as_of`'s week, after them (`later`), and disputed (expected on no date). Installments in a
    currency without a rate are in `collections` but in none of the sums (`missing_rates`)."""

    as_of: date
    collections: tuple[ExpectedCollection, ...]

    @property
    def first_week(self) -> date:
        return week_start(self.as_of)

    def line_of(self, collection: ExpectedCollection) -> str:
        return forecast_line(collection.expected_on, first_week=self.first_week)

    @cached_property
    def lines(self) -> dict[str, list[ExpectedCollection]]:
        """The collections by forecast line (week key, LATER, DISPUTED)."""
        lines: dict[str, list[ExpectedCollection]] = defaultdict(list)
        for collection in self.collections:
            lines[self.line_of(collection)].append(collection)
        return lines

    @cached_property
    def weeks(self) -> list[ForecastWeek]:
        lines = self.lines
        weeks = []
        for index in range(FORECAST_WEEKS):
            start = self.first_week + timedelta(weeks=index)
            in_week = lines[start.isoformat()]
            weeks.append(ForecastWeek(start=start, expected=_sum_base(in_week), count=len(in_week)))
        return weeks

    def line_keys(self) -> list[str]:
        """Every line of the forecast, in order: the weeks, LATER, DISPUTED."""
        return [week.key for week in self.weeks] + [LATER, DISPUTED]

    @property
    def total(self) -> Decimal:
        """Expected within the forecast's weeks."""
        return sum((week.expected for week in self.weeks), ZERO)

    @property
    def later(self) -> Decimal:
        return _sum_base(self.lines[LATER])

    @property
    def later_count(self) -> int:
        return len(self.lines[LATER])

    @property
    def disputed(self) -> Decimal:
        """Open on disputed invoices: in no week, listed apart."""
        return _sum_base(self.lines[DISPUTED])

    @property
    def disputed_count(self) -> int:
        return len(self.lines[DISPUTED])

    @cached_property
    def missing_rates(self) -> tuple[str, ...]:
        return tuple(
            sorted({c.installment.currency for c in self.collections if c.open_base is None})
        )

    def by_customer(self, line: str) -> list[CustomerCollections]:
        """The installments of one line (a week's key, LATER or DISPUTED) grouped by customer,
        largest expected amount first; no queries."""
        grouped: dict[int, list[ExpectedCollection]] = defaultdict(list)
        for collection in self.lines[line]:
            grouped[collection.customer.pk].append(collection)
        customers = [
            CustomerCollections(
                customer=collections[0].customer,
                expected=_sum_base(collections),
                collections=sorted(
                    collections, key=lambda c: (c.installment.due_date, c.installment.pk)
                ),
            )
            for collections in grouped.values()
        ]
        return sorted(customers, key=lambda c: (-c.expected, c.customer.code))


def _in_cents(amount_base: Decimal | None) -> Decimal | None:
    # Rounded in SQL already; SQLite hands the value back through a float, with stray digits.
    return None if amount_base is None else quantize(amount_base, settings.BASE_CURRENCY)


def _forecast(installments: QuerySet[Installment], *, as_of: date) -> CashForecast:
    behaviour = payment_behaviour(as_of=as_of, config=forecast_settings())
    rows = (
        installments.select_related("invoice", "customer", "customer__owner")
        .annotate(open_base=in_base_currency("open_as_of", "currency", as_of))
        .order_by("due_date", "pk")
    )
    collections = []
    for installment in rows:
        lateness = behaviour.lateness_for(
            customer_id=installment.customer_id, owner_id=installment.customer.owner_id
        )
        collections.append(
            ExpectedCollection(
                installment=installment,
                open_amount=installment.open_as_of,
                open_base=_in_cents(installment.open_base),
                lateness=lateness,
                # Disputes have no dated history: today's flag decides, even for a past date.
                expected_on=None
                if installment.invoice.is_disputed
                else expected_on(due_date=installment.due_date, lateness=lateness, as_of=as_of),
            )
        )
    return CashForecast(as_of=as_of, collections=tuple(collections))


def cash_forecast(*, user, as_of: date) -> CashForecast:
    """The cash forecast of the customers `user` may see, as of `as_of` (open amounts as they
    stood then, converted at that date's rate). Three queries."""
    return _forecast(installments_open(user=user, as_of=as_of), as_of=as_of)


def company_cash_forecast(*, as_of: date) -> CashForecast:
    """The forecast of every customer, for the weekly job that records it (no user)."""
    return _forecast(installments_open_as_of(as_of=as_of), as_of=as_of)


# --- forecast vs actual ------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastError:
    """A recorded forecast of one week against the cash that came in."""

    forecast: Decimal
    actual: Decimal

    @property
    def error(self) -> Decimal:
        """Actual − forecast: positive when more came in than expected."""
        return self.actual - self.forecast

    @property
    def absolute_percentage_error(self) -> Decimal | None:
        """|actual − forecast| ÷ actual, in percent to one decimal (half up); None when nothing
        came in (an error relative to nothing is undefined)."""
        return percent_of(abs(self.error), self.actual)


@dataclass(frozen=True)
class AccuracyWeek:
    """A past week: cash received, and each horizon's recorded forecast (None if none was
    recorded that many weeks before)."""

    start: date
    actual: Decimal
    by_horizon: dict[int, ForecastError | None]

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def horizons(self) -> list[tuple[int, ForecastError | None]]:
        return [(weeks, self.by_horizon[weeks]) for weeks in ACCURACY_HORIZONS]


@dataclass(frozen=True)
class ForecastAccuracy:
    weeks: list[AccuracyWeek]
    missing_rates: tuple[str, ...]

    def mean_absolute_percentage_error(self, horizon: int) -> Decimal | None:
        """The mean of the horizon's defined absolute percentage errors (MAPE), to one decimal,
        half up; None when there is none."""
        errors = [
            week.by_horizon[horizon].absolute_percentage_error
            for week in self.weeks
            if week.by_horizon[horizon] is not None
            and week.by_horizon[horizon].absolute_percentage_error is not None
        ]
        if not errors:
            return None
        mean = sum(errors, Decimal(0)) / len(errors)
        return mean.quantize(PERCENT_STEP, rounding=ROUND_HALF_UP)

    @property
    def horizons(self) -> list[tuple[int, Decimal | None]]:
        return [(weeks, self.mean_absolute_percentage_error(weeks)) for weeks in ACCURACY_HORIZONS]


def cash_received_by_week(*, user, starts: Sequence[date], as_of: date) -> tuple[dict, tuple]:
    """Money received in each week starting on one of `starts` (payments by received date, less
    those reversed by `as_of`: a bounced payment was never cash), each week in the base currency
    at the rate of its last day. ({week start: Decimal}, currencies without a rate). One query
    (a UNION ALL of one aggregate per week)."""
    per_week = [
        payments_visible_to(user)
        .filter(received_on__gte=start, received_on__lte=start + timedelta(days=6))
        .exclude(reversed_on__lte=as_of)
        .annotate(week=Value(start, output_field=DateField()))
        .values("week", "currency")
        .annotate(received=Sum(in_base_currency("amount", "currency", start + timedelta(days=6))))
        .order_by()
        for start in starts
    ]
    received = dict.fromkeys(starts, ZERO)
    missing = set()
    if per_week:
        for row in per_week[0].union(*per_week[1:], all=True):
            if row["received"] is None:
                missing.add(row["currency"])
            else:
                received[row["week"]] += _in_cents(row["received"])
    return received, tuple(sorted(missing))


def forecast_accuracy(*, user, as_of: date, weeks: int = ACCURACY_WEEKS) -> ForecastAccuracy:
    """For each of the `weeks` weeks before `as_of`'s week, oldest first: the cash received and
    the recorded forecasts made ACCURACY_HORIZONS weeks before it (CashForecastWeek rows, made
    on Mondays). Recorded forecasts are company-wide: pages show this only to users who see
    every customer. Two queries."""
    current = week_start(as_of)
    starts = [current - timedelta(weeks=back) for back in range(weeks, 0, -1)]
    made_on = {
        start - timedelta(weeks=horizon) for start in starts for horizon in ACCURACY_HORIZONS
    }
    recorded = {
        (row.made_on, row.week_start): row.expected
        for row in CashForecastWeek.objects.filter(week_start__in=starts, made_on__in=made_on)
    }
    received, missing_rates = cash_received_by_week(user=user, starts=starts, as_of=as_of)
    rows = []
    for start in starts:
        by_horizon = {}
        for horizon in ACCURACY_HORIZONS:
            forecast = recorded.get((start - timedelta(weeks=horizon), start))
            by_horizon[horizon] = (
                None
                if forecast is None
                else ForecastError(forecast=forecast, actual=received[start])
            )
        rows.append(AccuracyWeek(start=start, actual=received[start], by_horizon=by_horizon))
    return ForecastAccuracy(weeks=rows, missing_rates=missing_rates)
