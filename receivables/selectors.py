"""Reads of the receivables ledger, all scoped through customers.selectors.scope_to_user.

Balances "as of" a date are computed from the immutable allocation rows, so a past date
reproduces what was open then, whatever happened afterwards.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round

from core.money import DECIMAL_PLACES, HALF_CENT, MAX_DIGITS, ZERO
from customers.models import Customer
from customers.selectors import customers_visible_to, scope_to_user
from receivables.models import (
    Allocation,
    Contract,
    CreditNote,
    ExchangeRate,
    Installment,
    Invoice,
    Payment,
    PaymentTerms,
    Refund,
    WriteOff,
)

_MONEY = DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)


def invoices_visible_to(user) -> QuerySet[Invoice]:
    return scope_to_user(Invoice.objects.all(), user)


def installments_visible_to(user) -> QuerySet[Installment]:
    return scope_to_user(Installment.objects.all(), user)


def payments_visible_to(user) -> QuerySet[Payment]:
    return scope_to_user(Payment.objects.all(), user)


def contracts_visible_to(user) -> QuerySet[Contract]:
    return scope_to_user(Contract.objects.all(), user)


def credit_notes_visible_to(user) -> QuerySet[CreditNote]:
    return scope_to_user(CreditNote.objects.all(), user)


def write_offs_visible_to(user) -> QuerySet[WriteOff]:
    return scope_to_user(WriteOff.objects.all(), user)


def allocations_visible_to(user) -> QuerySet[Allocation]:
    return scope_to_user(Allocation.objects.all(), user)


def payment_terms_all() -> QuerySet[PaymentTerms]:
    return PaymentTerms.objects.prefetch_related("schedule")


def exchange_rates_all() -> QuerySet[ExchangeRate]:
    return ExchangeRate.objects.all()


def _with_open_as_of(installments: QuerySet, as_of: date | None) -> QuerySet[Installment]:
    if as_of is None:
        return installments.filter(open_amount__gt=0).annotate(open_as_of=F("open_amount"))
    settled_by_then = (
        Allocation.objects.filter(installment=OuterRef("pk"), applied_on__lte=as_of)
        .values("installment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        installments.filter(invoice__issue_date__lte=as_of)
        .annotate(
            open_as_of=ExpressionWrapper(
                F("amount") - Coalesce(Subquery(settled_by_then), Value(ZERO)),
                output_field=_MONEY,
            )
        )
        .filter(open_as_of__gt=HALF_CENT)
    )


def installments_open(*, user, as_of: date | None = None) -> QuerySet[Installment]:
    """Installments with money still owed, annotated with `open_as_of`: today's open amount, or
    for a past date the amount less the allocations dated on or before it."""
    return _with_open_as_of(installments_visible_to(user), as_of)


def customer_open_balance(*, customer: Customer, as_of: date | None = None) -> dict[str, Decimal]:
    """What the customer owes, per currency, today or as of a date."""
    rows = (
        _with_open_as_of(Installment.objects.filter(customer=customer), as_of)
        .values("currency")
        .annotate(total=Sum("open_as_of"))
        .order_by("currency")
    )
    return {row["currency"]: row["total"] for row in rows}


def customer_unapplied_credit(*, customer: Customer) -> dict[str, Decimal]:
    """Money received but not yet applied, per currency."""
    rows = (
        Payment.objects.filter(customer=customer, unapplied_amount__gt=0)
        .values("currency")
        .annotate(total=Sum("unapplied_amount"))
        .order_by("currency")
    )
    return {row["currency"]: row["total"] for row in rows}


def exchange_rate_on(*, currency: str, on_date: date) -> Decimal | None:
    """The latest known rate of `currency` to the base currency on or before `on_date`."""
    if currency == settings.BASE_CURRENCY:
        return Decimal(1)
    return (
        ExchangeRate.objects.filter(currency=currency, rate_date__lte=on_date)
        .order_by("-rate_date")
        .values_list("rate_to_base", flat=True)
        .first()
    )


def _differs(stored: str, expected: str) -> Q:
    # By more than half a cent, not by any amount: SQLite subtracts decimals as floats.
    return Q(**{f"{stored}__gt": F(expected) + HALF_CENT}) | Q(
        **{f"{stored}__lt": F(expected) - HALF_CENT}
    )


def ledger_discrepancies() -> QuerySet[Installment]:
    """Installments whose stored open amount differs from amount - allocations. Should always be
    empty; tests and operators' integrity checks read it."""
    settled = (
        Allocation.objects.filter(installment=OuterRef("pk"))
        .values("installment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Installment.objects.annotate(
        expected_open=ExpressionWrapper(
            F("amount") - Coalesce(Subquery(settled), Value(ZERO)), output_field=_MONEY
        )
    ).filter(_differs("open_amount", "expected_open"))


def payment_discrepancies() -> QuerySet[Payment]:
    """Live payments whose unapplied amount differs from amount - allocations - refunds."""
    applied = (
        Allocation.objects.filter(payment=OuterRef("pk"))
        .values("payment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    refunded = (
        Refund.objects.filter(payment=OuterRef("pk"))
        .values("payment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        Payment.objects.exclude(status=Payment.Status.REVERSED)
        .annotate(
            expected_unapplied=ExpressionWrapper(
                F("amount")
                - Coalesce(Subquery(applied), Value(ZERO))
                - Coalesce(Subquery(refunded), Value(ZERO)),
                output_field=_MONEY,
            )
        )
        .filter(_differs("unapplied_amount", "expected_unapplied"))
    )


_RATE = DecimalField(max_digits=20, decimal_places=8)


def rate_to_base(currency_ref: str, on_date: date) -> Case:
    """SQL expression: the base-currency value of one unit of the row's `currency_ref` on
    `on_date` (1 for the base currency, the latest rate on or before the date otherwise, NULL
    when no rate is known, so that an unconvertible amount is missing rather than wrong)."""
    latest = (
        ExchangeRate.objects.filter(currency=OuterRef(currency_ref), rate_date__lte=on_date)
        .order_by("-rate_date")
        .values("rate_to_base")[:1]
    )
    return Case(
        When(**{currency_ref: settings.BASE_CURRENCY}, then=Value(Decimal(1), output_field=_RATE)),
        default=Subquery(latest, output_field=_RATE),
        output_field=_RATE,
    )


def in_base_currency(amount_ref: str, currency_ref: str, on_date: date):
    """SQL expression: `amount_ref` converted to the base currency at `on_date`'s rate, rounded
    to cents (half up in both PostgreSQL and SQLite for positive amounts)."""
    return Round(F(amount_ref) * rate_to_base(currency_ref, on_date), 2, output_field=_MONEY)


def _customer_total(installments: QuerySet, on_date: date) -> Subquery:
    return Subquery(
        installments.filter(customer=OuterRef("pk"))
        .values("customer")
        .annotate(total=Sum(in_base_currency("open_amount", "currency", on_date)))
        .values("total"),
        output_field=_MONEY,
    )


def customers_with_balances(*, user, on_date: date) -> QuerySet[Customer]:
    """The customers `user` may see, each annotated in the base currency with `open_base` (all
    open installments), `overdue_base` (due before `on_date`) and `oldest_due_date` of what is
    still open: one query, whatever the number of customers, for lists that filter and sort."""
    open_items = Installment.objects.filter(open_amount__gt=0)
    oldest_due = (
        open_items.filter(customer=OuterRef("pk")).order_by("due_date").values("due_date")[:1]
    )
    return customers_visible_to(user).annotate(
        open_base=Coalesce(_customer_total(open_items, on_date), Value(ZERO)),
        overdue_base=Coalesce(
            _customer_total(open_items.filter(due_date__lt=on_date), on_date), Value(ZERO)
        ),
        oldest_due_date=Subquery(oldest_due),
    )
