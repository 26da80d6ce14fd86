"""Reads of the receivables ledger, all scoped through customers.selectors.scope_to_user.

Balances "as of" a date are computed from the immutable allocation rows, so a past date
reproduces what was open then, whatever happened afterwards.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    DateField,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Round
from django.utils.translation import gettext as _

from accounts.roles import Capability, has_capability
from core.money import DECIMAL_PLACES, HALF_CENT, MAX_DIGITS, ZERO, quantize
from customers.models import Customer
from customers.selectors import (
    CUSTOMER_ARCHIVED,
    credit_changes_pending_approval,
    customers_matching,
    customers_visible_to,
    scope_to_user,
)
from receivables.limitation import LIMITATION_WARNING_DAYS, nearing_limitation
from receivables.models import (
    Allocation,
    Contract,
    CreditControlPolicy,
    CreditNote,
    CreditOverride,
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


def with_unapplied_as_of(payments: QuerySet[Payment], as_of: date) -> QuerySet[Payment]:
    """The payments received by `as_of` and not reversed by then, each annotated with
    `unapplied_then`: its amount less its allocations and refunds dated on or before `as_of`.
    Rebuilt from the dated rows, so a past date shows what was unapplied then."""
    applied = (
        Allocation.objects.filter(payment=OuterRef("pk"), applied_on__lte=as_of)
        .values("payment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    refunded = (
        Refund.objects.filter(payment=OuterRef("pk"), refunded_on__lte=as_of)
        .values("payment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        payments.filter(received_on__lte=as_of)
        .exclude(reversed_on__lte=as_of)
        .annotate(
            unapplied_then=ExpressionWrapper(
                F("amount")
                - Coalesce(Subquery(applied, output_field=_MONEY), Value(ZERO))
                - Coalesce(Subquery(refunded, output_field=_MONEY), Value(ZERO)),
                output_field=_MONEY,
            )
        )
    )


def customer_unapplied_credit_as_of(*, customer: Customer, as_of: date) -> dict[str, Decimal]:
    """Money received by `as_of` and not yet applied or refunded on that date, per currency."""
    rows = (
        with_unapplied_as_of(Payment.objects.filter(customer=customer), as_of)
        .values("currency")
        .annotate(total=Sum("unapplied_then"))
        .order_by("currency")
    )
    return {row["currency"]: row["total"] for row in rows if abs(row["total"]) > HALF_CENT}


def customer_net_balance(*, customer: Customer, as_of: date) -> dict[str, Decimal]:
    """What the customer owed on `as_of` net of money it had paid us in advance, per currency:
    open installments less unapplied credit, both from the dated ledger rows. A negative
    amount means we owe the customer."""
    balances = dict(customer_open_balance(customer=customer, as_of=as_of))
    for currency, credit in customer_unapplied_credit_as_of(customer=customer, as_of=as_of).items():
        balances[currency] = balances.get(currency, ZERO) - credit
    return {currency: quantize(amount, currency) for currency, amount in sorted(balances.items())}


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


# --- payments pages ---


def payment_allocation_candidates(
    *, payment: Payment, including: tuple[int, ...] = ()
) -> QuerySet[Installment]:
    """The customer's open installments in the payment's currency, in the order
    payment_allocate_auto applies money: oldest due date first, then oldest installment.
    `including` adds installments of theirs that may have been settled since a form listed them,
    so that an amount entered for one is refused rather than silently dropped."""
    return (
        Installment.objects.filter(customer_id=payment.customer_id, currency=payment.currency)
        .filter(Q(open_amount__gt=0) | Q(pk__in=including))
        .select_related("invoice")
        .order_by("due_date", "pk")
    )


def oldest_due_first_plan(*, installments, amount: Decimal, applied_on: date) -> dict[int, Decimal]:
    """How payment_allocate_auto would spread `amount` over `installments` (given in
    payment_allocation_candidates' order): each takes up to its open amount until the money runs
    out, skipping disputed invoices and invoices issued after `applied_on`. Installment id →
    amount, only for installments that get something."""
    plan = {}
    remaining = amount
    for installment in installments:
        if remaining <= 0:
            break
        if installment.invoice.is_disputed or installment.invoice.issue_date > applied_on:
            continue
        part = min(installment.open_amount, remaining)
        plan[installment.pk] = part
        remaining -= part
    return plan


def payment_settled_totals(*, payment: Payment) -> dict[str, Decimal]:
    """What became of a payment: `applied` (live allocations, net of reversals) and `refunded`."""
    applied = payment.allocations.aggregate(total=Sum("amount"))["total"] or ZERO
    refunded = payment.refunds.aggregate(total=Sum("amount"))["total"] or ZERO
    return {"applied": applied, "refunded": refunded}


def write_offs_pending_approval(*, user) -> QuerySet[WriteOff]:
    """Write-off requests awaiting a decision that `user` may see, oldest request first."""
    return (
        write_offs_visible_to(user)
        .filter(status=WriteOff.Status.PENDING)
        .select_related("customer", "installment__invoice", "requested_by")
        .order_by("requested_at", "pk")
    )


def pending_approvals_count(user) -> int:
    """How many requests wait for `user`'s decision (the navigation badge): write-offs, credit
    changes and credit overrides, each counted only if `user` may decide that kind. A request
    the user made is left out: the four-eyes rule lets only someone else decide it."""
    count = 0
    if has_capability(user, Capability.APPROVE_WRITE_OFF):
        count += write_offs_pending_approval(user=user).exclude(requested_by=user).count()
    if has_capability(user, Capability.APPROVE_CREDIT):
        count += credit_changes_pending_approval(user=user).exclude(requested_by=user).count()
        count += credit_overrides_pending_approval(user=user).exclude(requested_by=user).count()
    return count


# --- documents pages ---


def with_open_totals(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Each invoice annotated with `open_total` (what is still owed on it; 0 for drafts) and
    `next_due_date` (its earliest open installment's due date; null once nothing is open), by
    subqueries, so a list costs the same queries whatever its length."""
    open_total = (
        Installment.objects.filter(invoice=OuterRef("pk"))
        .values("invoice")
        .annotate(total=Sum("open_amount"))
        .values("total")
    )
    next_due = (
        Installment.objects.filter(invoice=OuterRef("pk"), open_amount__gt=0)
        .order_by("due_date")
        .values("due_date")[:1]
    )
    return invoices.annotate(
        open_total=Coalesce(Subquery(open_total, output_field=_MONEY), Value(ZERO)),
        next_due_date=Subquery(next_due),
    )


def invoices_for_list(
    *,
    user,
    on_date: date,
    status: str = "",
    overdue_only: bool = False,
    due_from: date | None = None,
    due_to: date | None = None,
    customer: Customer | None = None,
    owner=None,
    currency: str = "",
    search: str = "",
    disputed_only: bool = False,
    unsent_only: bool = False,
) -> QuerySet[Invoice]:
    """The invoices `user` may see, with open totals (with_open_totals) and their customer and
    sales rep joined. `overdue_only`: something still open was due before `on_date`;
    `due_from`/`due_to`: an installment falls due in that range; `search`: the invoice number or
    the customer's code or names; `disputed_only` / `unsent_only`: open invoices under dispute /
    not yet sent to the customer (the finance work queue's links)."""
    invoices = with_open_totals(
        invoices_visible_to(user).select_related("customer", "customer__owner")
    )
    if status:
        invoices = invoices.filter(status=status)
    if overdue_only:
        invoices = invoices.filter(
            Exists(
                Installment.objects.filter(
                    invoice=OuterRef("pk"), open_amount__gt=0, due_date__lt=on_date
                )
            )
        )
    if due_from or due_to:
        due_in_range = Installment.objects.filter(invoice=OuterRef("pk"))
        if due_from:
            due_in_range = due_in_range.filter(due_date__gte=due_from)
        if due_to:
            due_in_range = due_in_range.filter(due_date__lte=due_to)
        invoices = invoices.filter(Exists(due_in_range))
    if customer:
        invoices = invoices.filter(customer=customer)
    if owner:
        invoices = invoices.filter(customer__owner=owner)
    if currency:
        invoices = invoices.filter(currency=currency)
    if disputed_only:
        invoices = invoices.filter(status__in=Invoice.OPEN_STATUSES, is_disputed=True)
    if unsent_only:
        invoices = invoices.filter(status__in=Invoice.OPEN_STATUSES, sent_on__isnull=True)
    if search:
        invoices = invoices.filter(
            Q(number__icontains=search)
            | Q(customer__code__icontains=search)
            | Q(customer__legal_name__icontains=search)
            | Q(customer__short_name__icontains=search)
        )
    return invoices


def invoice_installments(*, invoice: Invoice, on_date: date) -> list[Installment]:
    """The invoice's payment schedule in due order, each installment with `days_overdue` on
    `on_date` (0 unless money is still open past its due date)."""
    installments = list(invoice.installments.order_by("sequence"))
    for installment in installments:
        late_by = (on_date - installment.due_date).days
        installment.days_overdue = late_by if installment.open_amount > 0 and late_by > 0 else 0
    return installments


def invoice_allocations(*, invoice: Invoice) -> QuerySet[Allocation]:
    """Everything that reached the invoice's installments (payments, credit notes, write-offs,
    bank charges), reversals included, in the order it happened."""
    return (
        Allocation.objects.filter(installment__invoice=invoice)
        .select_related(
            "installment",
            "payment",
            "credit_note",
            "write_off",
            "bank_charge__payment",
            "reverses",
        )
        .order_by("applied_on", "pk")
    )


def credit_notes_for_list(
    *,
    user,
    customer: Customer | None = None,
    issued_from: date | None = None,
    issued_to: date | None = None,
    search: str = "",
) -> QuerySet[CreditNote]:
    """The credit notes `user` may see, with their invoice and customer joined; `search`: the
    credit note's or its invoice's number, or the customer's code or names."""
    credit_notes = credit_notes_visible_to(user).select_related("invoice", "customer")
    if customer:
        credit_notes = credit_notes.filter(customer=customer)
    if issued_from:
        credit_notes = credit_notes.filter(issue_date__gte=issued_from)
    if issued_to:
        credit_notes = credit_notes.filter(issue_date__lte=issued_to)
    if search:
        credit_notes = credit_notes.filter(
            Q(number__icontains=search)
            | Q(invoice__number__icontains=search)
            | Q(customer__code__icontains=search)
            | Q(customer__legal_name__icontains=search)
            | Q(customer__short_name__icontains=search)
        )
    return credit_notes


def contracts_for_list(
    *,
    user,
    on_date: date,
    customer: Customer | None = None,
    currency: str = "",
    active_only: bool = False,
    search: str = "",
) -> QuerySet[Contract]:
    """The contracts `user` may see, with their customer joined. `active_only`: in force on
    `on_date` (started, or no start date, and not ended); `search`: the number or title."""
    contracts = contracts_visible_to(user).select_related("customer")
    if customer:
        contracts = contracts.filter(customer=customer)
    if currency:
        contracts = contracts.filter(currency=currency)
    if active_only:
        contracts = contracts.filter(
            Q(starts_on__isnull=True) | Q(starts_on__lte=on_date),
            Q(ends_on__isnull=True) | Q(ends_on__gte=on_date),
        )
    if search:
        contracts = contracts.filter(Q(number__icontains=search) | Q(title__icontains=search))
    return contracts


# --- customer pages ---


def customers_for_list(
    *,
    user,
    on_date: date,
    search: str = "",
    owner=None,
    tier: str = "",
    status: str = "",
    region: str = "",
    overdue_only: bool = False,
) -> QuerySet[Customer]:
    """The customer list: customers_with_balances narrowed by the search text and filters, in
    one query. Archived customers are left out unless `status` is "archived" (they are kept for
    their history, not for day-to-day work)."""
    customers = customers_matching(customers_with_balances(user=user, on_date=on_date), search)
    if status == CUSTOMER_ARCHIVED:
        customers = customers.filter(is_archived=True)
    else:
        customers = customers.filter(is_archived=False)
        if status:
            customers = customers.filter(status=status)
    if owner is not None:
        customers = customers.filter(owner=owner)
    if tier:
        customers = customers.filter(tier=tier)
    if region:
        customers = customers.filter(region=region)
    if overdue_only:
        customers = customers.filter(overdue_base__gt=0)
    return customers.select_related("owner")


def customer_accounts(*, user, on_date: date) -> QuerySet[Customer]:
    """customers_with_balances plus the credit limit in the base currency (`credit_limit_base`)
    and `credit_used_percent` (open balance ÷ credit limit, NULL without a limit or a rate), for
    the customer page's header."""
    credit_limit_base = in_base_currency("credit_limit", "currency", on_date)
    return (
        customers_with_balances(user=user, on_date=on_date)
        .annotate(credit_limit_base=credit_limit_base)
        .annotate(
            credit_used_percent=Case(
                When(
                    credit_limit_base__gt=0,
                    then=Round(F("open_base") * 100 / F("credit_limit_base"), 1),
                ),
                default=None,
                output_field=_MONEY,
            )
        )
        .select_related("owner", "default_payment_terms")
    )


def customer_balances_by_currency(*, customer: Customer, on_date: date) -> list[dict]:
    """The customer's `open` and `overdue` (due before `on_date`) amounts in each currency it
    owes in, one row per currency."""
    return list(
        Installment.objects.filter(customer=customer, open_amount__gt=0)
        .values("currency")
        .annotate(
            open=Sum("open_amount"),
            overdue=Coalesce(Sum("open_amount", filter=Q(due_date__lt=on_date)), Value(ZERO)),
        )
        .order_by("currency")
    )


def customer_open_installments(*, user, customer: Customer, on_date: date) -> QuerySet:
    """The customer's open installments, oldest due first, each with `days_overdue` on `on_date`
    (a duration; negative while not yet due)."""
    return (
        installments_open(user=user)
        .filter(customer=customer)
        .select_related("invoice")
        .annotate(
            days_overdue=ExpressionWrapper(
                Value(on_date, output_field=DateField()) - F("due_date"),
                output_field=DurationField(),
            )
        )
        .order_by("due_date", "pk")
    )


def customer_invoices(*, user, customer: Customer) -> QuerySet[Invoice]:
    """All the customer's invoices, drafts included, newest first, each with `open_total`."""
    open_total = (
        Installment.objects.filter(invoice=OuterRef("pk"))
        .values("invoice")
        .annotate(total=Sum("open_amount"))
        .values("total")
    )
    return (
        invoices_visible_to(user)
        .filter(customer=customer)
        .annotate(open_total=Coalesce(Subquery(open_total, output_field=_MONEY), Value(ZERO)))
        .order_by("-issue_date", "-pk")
    )


def customer_payments(*, user, customer: Customer) -> QuerySet[Payment]:
    """The customer's payments, reversed ones included, newest first."""
    return payments_visible_to(user).filter(customer=customer).order_by("-received_on", "-pk")


def customer_contracts(*, user, customer: Customer) -> QuerySet[Contract]:
    """The customer's contracts, most recently signed first."""
    return contracts_visible_to(user).filter(customer=customer).order_by("-signed_on", "-pk")


# --- credit scoring ---


def installments_open_as_of(*, as_of: date) -> QuerySet[Installment]:
    """Every customer's installments open on `as_of`, annotated with `open_as_of` (as
    installments_open), unscoped: for jobs that rate all customers, never for pages."""
    return _with_open_as_of(Installment.objects.all(), as_of)


# --- credit control ---


def credit_control_policy() -> CreditControlPolicy:
    """The ledger's credit control policy (edited in the admin); its defaults if the row the
    data migration creates is missing."""
    return (
        CreditControlPolicy.objects.filter(pk=CreditControlPolicy.SINGLETON_ID).first()
        or CreditControlPolicy()
    )


@dataclass(frozen=True)
class CreditPosition:
    """A customer's credit on a date. `exposure`: every open installment, plus `adding` (the
    document being checked); `headroom` = credit_limit - exposure. All three are in `currency`:
    the customer's own when everything involved is in it, else the base currency at `on_date`'s
    rates, and None when such a rate is missing. `days_overdue`: of the oldest open item.
    `limit_enforced`: False for a limit of 0 when the policy reads 0 as "no limit"."""

    on_date: date
    currency: str
    limit_enforced: bool
    open_amount: Decimal | None
    adding: Decimal | None
    credit_limit: Decimal | None
    oldest_due_date: date | None
    days_overdue: int

    @property
    def exposure(self) -> Decimal | None:
        if self.open_amount is None or self.adding is None:
            return None
        return self.open_amount + self.adding

    @property
    def headroom(self) -> Decimal | None:
        if self.exposure is None or self.credit_limit is None:
            return None
        return self.credit_limit - self.exposure


def _expressed_in(amounts: dict[str, Decimal], currency: str, on_date: date) -> Decimal | None:
    """The sum of per-currency `amounts` in `currency` (the customer's own, or the base currency
    at `on_date`'s rates, each currency's total rounded to cents); None if a rate is missing."""
    total = ZERO
    for amount_currency, amount in amounts.items():
        if amount_currency != currency:
            rate = exchange_rate_on(currency=amount_currency, on_date=on_date)
            if rate is None:
                return None
            amount = quantize(amount * rate, currency)
        total += amount
    return total


def customer_credit_position(
    *,
    customer: Customer,
    on_date: date,
    adding: Decimal = ZERO,
    adding_currency: str | None = None,
) -> CreditPosition:
    """What `customer` owes (every open installment), would owe with `adding` more in
    `adding_currency`, may owe (its credit limit) and has left, on `on_date`: two queries, plus
    one per foreign currency involved."""
    rows = list(
        Installment.objects.filter(customer=customer, open_amount__gt=0)
        .values("currency")
        .annotate(total=Sum("open_amount"), oldest_due_date=Min("due_date"))
        .order_by()
    )
    open_by_currency = {row["currency"]: row["total"] for row in rows}
    adding_currency = adding_currency or customer.currency
    involved = {*open_by_currency, adding_currency, customer.currency}
    currency = customer.currency if involved == {customer.currency} else settings.BASE_CURRENCY
    oldest_due_date = min((row["oldest_due_date"] for row in rows), default=None)
    return CreditPosition(
        on_date=on_date,
        currency=currency,
        limit_enforced=customer.credit_limit > 0 or credit_control_policy().zero_limit_is_no_credit,
        open_amount=_expressed_in(open_by_currency, currency, on_date),
        adding=_expressed_in({adding_currency: Decimal(adding)}, currency, on_date),
        credit_limit=_expressed_in({customer.currency: customer.credit_limit}, currency, on_date),
        oldest_due_date=oldest_due_date,
        days_overdue=max((on_date - oldest_due_date).days, 0) if oldest_due_date else 0,
    )


@dataclass(frozen=True)
class CreditRefusal:
    """One reason credit control refuses a document; `code` is the ApplicationError's."""

    code: str
    message: str


def credit_refusals(
    *, customer: Customer, amount: Decimal, currency: str, on_date: date
) -> list[CreditRefusal]:
    """Why credit control refuses to let `customer` owe `amount` more in `currency` (an invoice
    to issue on `on_date`, or a contract signed then), most serious first; empty when it may go
    ahead. The rules and formula are in docs/credit_control.md."""
    policy = credit_control_policy()
    refusals = []
    if customer.status == Customer.Status.BLOCKED:
        refusals.append(
            CreditRefusal(
                "customer_blocked",
                _("Customer %(code)s is blocked: no new invoices or contracts.")
                % {"code": customer.code},
            )
        )
    elif customer.status == Customer.Status.ON_HOLD:
        refusals.append(
            CreditRefusal(
                "customer_on_hold",
                _(
                    "Customer %(code)s is on hold: no new invoices or contracts until it is "
                    "released."
                )
                % {"code": customer.code},
            )
        )
    position = customer_credit_position(
        customer=customer, on_date=on_date, adding=amount, adding_currency=currency
    )
    if position.days_overdue > policy.max_days_overdue:
        refusals.append(
            CreditRefusal(
                "items_overdue",
                _(
                    "Customer %(code)s has items %(days)d days overdue (due %(due)s); "
                    "more than %(allowed)d days needs a manager's override."
                )
                % {
                    "code": customer.code,
                    "days": position.days_overdue,
                    "due": position.oldest_due_date.isoformat(),
                    "allowed": policy.max_days_overdue,
                },
            )
        )
    if not position.limit_enforced:
        return refusals
    if position.headroom is None:
        refusals.append(
            CreditRefusal(
                "exchange_rate_missing",
                _(
                    "An exchange rate to %(base)s on %(date)s is missing, so the credit limit "
                    "cannot be checked; record the rate first."
                )
                % {"base": settings.BASE_CURRENCY, "date": on_date.isoformat()},
            )
        )
    elif position.headroom < 0:
        values = {
            "code": customer.code,
            "exposure": f"{position.exposure:,} {position.currency}",
            "open": f"{position.open_amount:,} {position.currency}",
            "adding": f"{position.adding:,} {position.currency}",
            "limit": f"{position.credit_limit:,} {position.currency}",
        }
        if customer.credit_limit == 0:
            message = _(
                "Customer %(code)s has no credit (its credit limit is 0): this needs a manager's "
                "override or a credit limit."
            )
        else:
            message = _(
                "Customer %(code)s would owe %(exposure)s (open %(open)s + this %(adding)s), "
                "over its credit limit of %(limit)s."
            )
        refusals.append(CreditRefusal("credit_limit_exceeded", message % values))
    return refusals


def credit_overrides_visible_to(user) -> QuerySet[CreditOverride]:
    return scope_to_user(CreditOverride.objects.all(), user)


def credit_overrides_pending_approval(*, user) -> QuerySet[CreditOverride]:
    """Credit overrides awaiting a decision that `user` may see, oldest first; only for invoices
    that are still drafts (a cancelled draft needs no decision)."""
    return (
        credit_overrides_visible_to(user)
        .filter(status=CreditOverride.Status.PENDING, invoice__status=Invoice.Status.DRAFT)
        .select_related("customer", "invoice", "requested_by")
        .order_by("requested_at", "pk")
    )


def usable_credit_override(*, invoice: Invoice, refused_for: set[str]) -> CreditOverride | None:
    """The latest approved, unused override of `invoice` that covers it as it is now: the same
    customer and currency, a total no larger than the one approved, and no refusal beyond those
    the manager saw (`refused_for`: the codes credit control gives now)."""
    candidates = CreditOverride.objects.filter(
        invoice=invoice,
        status=CreditOverride.Status.APPROVED,
        used_at__isnull=True,
        customer_id=invoice.customer_id,
        currency=invoice.currency,
        invoice_total__gte=invoice.total,
    ).order_by("-decided_at", "-pk")
    return next((o for o in candidates if refused_for <= o.refused_for), None)


# --- limitation period ---


def installments_nearing_limitation(
    *, user, on_date: date, within_days: int | None = None
) -> QuerySet[Installment]:
    """Open installments `user` may see whose limitation period (诉讼时效) ends within
    `within_days` (default LIMITATION_WARNING_DAYS) of `on_date` or has already ended, soonest
    first, with the invoice and customer joined and `limitation_start` annotated (the later of
    the due date and the last acknowledgement; the period ends three years after it)."""
    return (
        nearing_limitation(
            installments_visible_to(user),
            on_date=on_date,
            within_days=LIMITATION_WARNING_DAYS if within_days is None else within_days,
        )
        .select_related("invoice", "customer", "customer__owner")
        .annotate(
            limitation_start=Greatest(
                F("due_date"), Coalesce(F("limitation_restarted_on"), F("due_date"))
            )
        )
        .order_by("limitation_start", "pk")
    )
