"""The scorecard's arithmetic, free of the database: a customer's history (aggregated by
credit.selectors) → each factor's raw value → points → score → grade, and the grade's
suggestions. docs/credit-scoring.md states the same formulas with a worked example.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from credit.models import Factor, RatingGrade, ScoringFactor
from receivables.models import PaymentTerms

HUNDRED = Decimal(100)
POINTS_STEP = Decimal("0.01")
VALUE_STEP = Decimal("0.1")
# A month of credit, in days, for turning payment terms into a credit period in months.
DAYS_PER_MONTH = Decimal(30)
# Under end-of-month terms (月结) the clock starts at the end of the invoice's month: an invoice
# waits half a month on average before its net days begin.
END_OF_MONTH_AVERAGE_WAIT_DAYS = Decimal(15)


class Unit(StrEnum):
    DAYS = "days"
    PERCENT = "percent"
    MONTHS = "months"
    COUNT = "count"


FACTOR_UNITS = {
    Factor.DAYS_BEYOND_TERMS: Unit.DAYS,
    Factor.DAYS_BEYOND_TERMS_TREND: Unit.DAYS,
    Factor.ON_TIME_SHARE: Unit.PERCENT,
    Factor.OVERDUE_TO_LIMIT: Unit.PERCENT,
    Factor.UTILISATION: Unit.PERCENT,
    Factor.DISPUTED_SHARE: Unit.PERCENT,
    Factor.TENURE: Unit.MONTHS,
    Factor.WRITTEN_OFF_SHARE: Unit.PERCENT,
    Factor.BROKEN_PROMISES: Unit.COUNT,
}


class Note(StrEnum):
    """Why a factor has no raw value."""

    # Nothing to measure in the customer's history yet (e.g. nothing paid in the last 12
    # months): the factor is left out and the score is taken over the other factors' weights.
    NO_DATA = "no_data"
    # The data the factor needs is not recorded anywhere yet (payment promises arrive with
    # collections): left out like NO_DATA, never counted as a clean record.
    NO_DATA_YET = "no_data_yet"
    # Money is owed (overdue, or open) against a credit limit of zero: no ratio exists, and no
    # credit was granted, so the factor scores no points.
    NO_CREDIT_LIMIT = "no_credit_limit"


NOTE_LABELS = {
    Note.NO_DATA: _("no data"),
    Note.NO_DATA_YET: _("no data yet (arrives with collections)"),
    Note.NO_CREDIT_LIMIT: _("owes money without a credit limit"),
}


@dataclass(frozen=True)
class Measurement:
    """A factor's raw value for one customer (None when `note` says why there is none)."""

    value: Decimal | None
    note: str = ""


@dataclass(frozen=True)
class CreditHistory:
    """One customer's aggregates, in the base currency, as credit.selectors reads them.
    `*_weighted` are sums of amount × days beyond terms; "recent" / "prior" are the two halves
    of the payment window (the last six months and the six before)."""

    first_invoice_date: date
    paid: Decimal = Decimal(0)
    paid_on_time: Decimal = Decimal(0)
    paid_late_weighted: Decimal = Decimal(0)
    recent_paid: Decimal = Decimal(0)
    recent_late_weighted: Decimal = Decimal(0)
    prior_paid: Decimal = Decimal(0)
    prior_late_weighted: Decimal = Decimal(0)
    open: Decimal = Decimal(0)
    overdue: Decimal = Decimal(0)
    # None when the customer's currency has no exchange rate on the rating date.
    credit_limit: Decimal | None = Decimal(0)
    invoices_recent: int = 0
    disputed_recent: int = 0
    sales_recent: Decimal = Decimal(0)
    invoiced_long: Decimal = Decimal(0)
    written_off_long: Decimal = Decimal(0)


def _rounded(value: Decimal, step: Decimal = VALUE_STEP) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP)


def _weighted_days(weighted: Decimal, paid: Decimal) -> Decimal | None:
    return _rounded(weighted / paid) if paid else None


def _share(part: Decimal, whole: Decimal) -> Decimal:
    return _rounded(HUNDRED * part / whole)


def _ratio_to_limit(amount: Decimal, limit: Decimal | None) -> Measurement:
    if not amount:
        return Measurement(Decimal("0.0"))
    if limit is None:
        return Measurement(None, Note.NO_DATA)
    if not limit:
        return Measurement(None, Note.NO_CREDIT_LIMIT)
    return Measurement(_share(amount, limit))


def months_between(start: date, end: date) -> int:
    """Whole calendar months from `start` to `end` (a month counts once its day is reached)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


def measure(history: CreditHistory, on_date: date) -> dict[str, Measurement]:
    """Each factor's raw value for `history` on `on_date` (docs/credit-scoring.md, "Factors")."""
    average_days = _weighted_days(history.paid_late_weighted, history.paid)
    recent_days = _weighted_days(history.recent_late_weighted, history.recent_paid)
    prior_days = _weighted_days(history.prior_late_weighted, history.prior_paid)
    no_data = Measurement(None, Note.NO_DATA)
    return {
        Factor.DAYS_BEYOND_TERMS: Measurement(average_days) if history.paid else no_data,
        Factor.DAYS_BEYOND_TERMS_TREND: (
            Measurement(recent_days - prior_days)
            if recent_days is not None and prior_days is not None
            else no_data
        ),
        Factor.ON_TIME_SHARE: (
            Measurement(_share(history.paid_on_time, history.paid)) if history.paid else no_data
        ),
        Factor.OVERDUE_TO_LIMIT: _ratio_to_limit(history.overdue, history.credit_limit),
        Factor.UTILISATION: _ratio_to_limit(history.open, history.credit_limit),
        Factor.DISPUTED_SHARE: (
            Measurement(_share(Decimal(history.disputed_recent), Decimal(history.invoices_recent)))
            if history.invoices_recent
            else no_data
        ),
        Factor.TENURE: Measurement(Decimal(months_between(history.first_invoice_date, on_date))),
        Factor.WRITTEN_OFF_SHARE: (
            Measurement(_share(history.written_off_long, history.invoiced_long))
            if history.invoiced_long
            else no_data
        ),
        # Payment promises are recorded by collections (issue #6), which does not exist yet.
        Factor.BROKEN_PROMISES: Measurement(None, Note.NO_DATA_YET),
    }


def factor_points(value: Decimal, *, weight: Decimal, best: Decimal, worst: Decimal) -> Decimal:
    """`weight` at `best` or beyond it, 0 at `worst` or beyond it, linear in between; to the
    cent, half up. Works both ways: best < worst (less is better) and best > worst."""
    fraction = (worst - value) / (worst - best)
    fraction = min(max(fraction, Decimal(0)), Decimal(1))
    return _rounded(weight * fraction, POINTS_STEP)


@dataclass(frozen=True)
class FactorScore:
    """One line of a rating's breakdown. `points` None: not scored (left out of the score)."""

    factor: str
    value: Decimal | None
    points: Decimal | None
    weight: Decimal
    note: str = ""

    def as_json(self) -> dict:
        def text(number):
            return None if number is None else str(number)

        return {
            "factor": self.factor,
            "value": text(self.value),
            "points": text(self.points),
            "weight": text(self.weight),
            "note": self.note,
        }


class UnscorableError(ValueError):
    """No factor with a weight could be scored: the policy weighs nothing the history shows."""


def score(
    measurements: dict[str, Measurement], factors: Iterable[ScoringFactor]
) -> tuple[Decimal, list[FactorScore]]:
    """The score (0–100, to the cent, half up) and its breakdown: each factor's points out of
    its weight; the score is the points won as a share of the weights of the factors scored,
    so a factor without data neither helps nor hurts."""
    breakdown = []
    for factor in factors:
        measured = measurements[factor.factor]
        if measured.value is not None:
            points = factor_points(
                measured.value,
                weight=factor.weight,
                best=factor.best_value,
                worst=factor.worst_value,
            )
        elif measured.note == Note.NO_CREDIT_LIMIT:
            points = Decimal("0.00")
        else:
            points = None
        breakdown.append(
            FactorScore(factor.factor, measured.value, points, factor.weight, measured.note)
        )
    scored = [line for line in breakdown if line.points is not None]
    weights = sum((line.weight for line in scored), Decimal(0))
    if not weights:
        raise UnscorableError
    won = sum((line.points for line in scored), Decimal(0))
    return _rounded(HUNDRED * won / weights, POINTS_STEP), breakdown


def grade_for(score_value: Decimal, grades: Sequence[RatingGrade]) -> RatingGrade:
    """The grade whose range holds the score: the highest minimum the score reaches. `grades`
    in any order; the policy's lowest grade starts at 0 (credit.services checks it)."""
    reached = [grade for grade in grades if score_value >= grade.min_score]
    return max(reached, key=lambda grade: grade.min_score)


def credit_period_days(terms: PaymentTerms) -> Decimal:
    """How long terms give the customer to pay, in days: the net days, or for an installment
    schedule the percent-weighted average of its days; plus half a month under end-of-month
    terms. Reads terms.schedule.all() (prefetch it)."""
    schedule = list(terms.schedule.all())
    if schedule:
        days = sum((line.percent * line.days for line in schedule), Decimal(0)) / HUNDRED
    else:
        days = Decimal(terms.net_days)
    if terms.basis == PaymentTerms.Basis.END_OF_MONTH:
        days += END_OF_MONTH_AVERAGE_WAIT_DAYS
    return days


def suggested_credit_limit(
    *,
    sales_recent: Decimal,
    months: int,
    terms: PaymentTerms,
    limit_factor: Decimal,
    rate_to_base: Decimal,
    step: Decimal,
) -> Decimal:
    """Average monthly sales (`sales_recent` over `months`, base currency) × the credit period
    in months × the grade's factor, in the customer's currency (÷ its rate to the base
    currency), rounded half up to a multiple of `step`."""
    monthly_sales = sales_recent / Decimal(months)
    limit_in_base = monthly_sales * credit_period_days(terms) / DAYS_PER_MONTH * limit_factor
    steps = (limit_in_base / rate_to_base / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return (steps * step).quantize(POINTS_STEP)
