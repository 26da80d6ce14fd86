"""Late interest (逾期利息) on installments, as of any date.

    late interest = open amount on that date × daily rate × days overdue on that date

rounded ROUND_HALF_UP to the currency's minor unit, per installment (the total of a list is the
sum of the rounded items, so a statement's total equals the sum of its printed lines). Nothing
accrues on or before the due date.

The daily rate is the invoice's payment terms' `late_interest_daily_rate`. Terms with no rate
(the field is 0, its default) use settings.LATE_INTEREST_DEFAULT_DAILY_RATE (万分之五 a day
unless configured): most Chinese supply contracts state a late-payment rate, and where one is
silent Finance still wants the cost of late payment shown. A contract that truly excludes
interest cannot be told apart from one that states no rate; set the default to 0 to show no
interest for such terms.

It is simple interest on what is open on the date asked about, over all the days since the due
date: a payment shortens nothing already accrued in the past, it lowers the base from then on.
`installment_late_interest` (Python, for a handful of items) and `with_late_interest` (an SQL
annotation, for lists and totals) give identical results on PostgreSQL (tested).
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Round

from core.money import CURRENCY_MINOR_UNITS, DECIMAL_PLACES, MAX_DIGITS, ZERO, quantize
from receivables.models import Allocation, Installment, PaymentTerms

_MONEY = DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
_RATE = DecimalField(max_digits=8, decimal_places=6)
_TERMS_RATE = "invoice__payment_terms__late_interest_daily_rate"


def default_daily_rate() -> Decimal:
    return Decimal(settings.LATE_INTEREST_DEFAULT_DAILY_RATE)


def daily_rate(terms: PaymentTerms) -> Decimal:
    """The rate that applies under these terms: theirs, or the default when they state none."""
    rate = terms.late_interest_daily_rate
    return rate if rate and rate > 0 else default_daily_rate()


def interest_amount(*, open_amount: Decimal, rate: Decimal, days: int, currency: str) -> Decimal:
    """Interest on `open_amount` at `rate` a day for `days` days, rounded half up; 0 for no
    days or nothing open."""
    if days <= 0 or open_amount <= 0:
        return ZERO
    return quantize(Decimal(open_amount) * rate * days, currency)


def installment_late_interest(
    installment: Installment, *, as_of: date, open_amount: Decimal
) -> Decimal:
    """Late interest on one installment as of `as_of`, given what was open on it that day
    (`installments_open_as_of` annotates it as `open_as_of`)."""
    return interest_amount(
        open_amount=open_amount,
        rate=daily_rate(installment.invoice.payment_terms),
        days=(as_of - installment.due_date).days,
        currency=installment.currency,
    )


class DaysBetween(Func):
    """later - earlier in whole days (PostgreSQL: date - date is an integer)."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite (development only) keeps dates as text.
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def _open_as_of_expression(as_of: date):
    settled_by_then = (
        Allocation.objects.filter(installment=OuterRef("pk"), applied_on__lte=as_of)
        .values("installment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return ExpressionWrapper(
        F("amount") - Coalesce(Subquery(settled_by_then, output_field=_MONEY), Value(ZERO)),
        output_field=_MONEY,
    )


def with_late_interest(installments: QuerySet[Installment], *, as_of: date) -> QuerySet:
    """Annotate `late_interest_rate`, `days_overdue_as_of` and `late_interest` (as of `as_of`)
    on installments. The open amount is the queryset's `open_as_of` annotation when it has one
    (receivables.selectors installments_open / installments_open_as_of), else computed here
    from the allocations dated on or before `as_of`."""
    if "open_as_of" in installments.query.annotations:
        open_amount = F("open_as_of")
    else:
        open_amount = _open_as_of_expression(as_of)
    rate = Case(
        When(**{f"{_TERMS_RATE}__gt": 0}, then=F(_TERMS_RATE)),
        default=Value(default_daily_rate(), output_field=_RATE),
        output_field=_RATE,
    )
    days = DaysBetween(Value(as_of, output_field=DateField()), F("due_date"))
    installments = installments.annotate(
        late_interest_rate=rate, days_overdue_as_of=days, _interest_base=open_amount
    )
    unrounded = ExpressionWrapper(
        F("_interest_base") * F("late_interest_rate") * F("days_overdue_as_of"),
        output_field=DecimalField(max_digits=40, decimal_places=10),
    )
    whole_units = [code for code, places in CURRENCY_MINOR_UNITS.items() if places == 0]
    rounded = Case(
        When(currency__in=whole_units, then=Round(unrounded, 0)),
        default=Round(unrounded, 2),
    )
    return installments.annotate(
        late_interest=Case(
            When(days_overdue_as_of__gt=0, _interest_base__gt=0, then=Cast(rounded, _MONEY)),
            default=Value(ZERO, output_field=_MONEY),
            output_field=_MONEY,
        )
    )
