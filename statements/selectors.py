"""Reads for statements of account: the statement's content, computed from document dates.

A statement for a period shows, per currency: the balance brought forward (every movement dated
before the period), each movement in the period in date order with a running balance, the
closing balance, the items still open at the period end with their days overdue, late interest
and limitation date, an aging summary, and how to pay. Movements are the posted documents:

    invoice           debit   issue_date       the invoice total
    credit note       credit  issue_date       (红冲)
    payment           credit  received_on
    payment reversal  debit   reversed_on      a payment that bounced or was recorded in error
    refund            debit   refunded_on      credit paid back to the customer
    write-off         credit  effective_on     approved bad debt (坏账核销)
    bank charges      credit  charged_on       what the bank kept of a transfer paying an
                                               invoice in full (手续费): the customer paid it
    bank charges      debit   reversed_on      reversed with the payment they came out of
      reversed

so the closing balance equals what the ledger says the customer owed at the period end (open
installments less unapplied credit, receivables.selectors.customer_net_balance): the two are
computed from different tables and tested to agree to the cent. Everything is as of the period
end, never "today", so regenerating a past statement gives the same figures.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    TextChoices,
    Value,
    When,
)
from django.utils.translation import gettext as _

from core.models import CompanyProfile
from core.money import ZERO, quantize
from core.selectors import company_profile
from customers.models import Customer
from customers.selectors import customers_matching, scope_to_user
from receivables.interest import with_late_interest
from receivables.limitation import limitation_expires_on
from receivables.models import (
    BankCharge,
    CreditNote,
    Installment,
    Invoice,
    Payment,
    Refund,
    WriteOff,
)
from receivables.selectors import installments_open_as_of
from reports.aging import bucket_of
from reports.selectors import AGING_BUCKETS, AgingBucket
from statements.models import ConfirmationReply, Statement, StatementBalance


class MovementKind:
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"
    PAYMENT_REVERSAL = "payment_reversal"
    REFUND = "refund"
    WRITE_OFF = "write_off"
    BANK_CHARGE = "bank_charge"
    BANK_CHARGE_REVERSAL = "bank_charge_reversal"

    # Same-day order on the statement: what was billed before what settled it; a transfer
    # before the charges the bank deducted from it.
    ORDER = (
        INVOICE,
        PAYMENT_REVERSAL,
        BANK_CHARGE_REVERSAL,
        REFUND,
        CREDIT_NOTE,
        PAYMENT,
        BANK_CHARGE,
        WRITE_OFF,
    )

    @staticmethod
    def label(kind: str) -> str:
        return {
            MovementKind.INVOICE: _("Invoice"),
            MovementKind.CREDIT_NOTE: _("Credit note"),
            MovementKind.PAYMENT: _("Payment received"),
            MovementKind.PAYMENT_REVERSAL: _("Payment reversed"),
            MovementKind.REFUND: _("Refund"),
            MovementKind.WRITE_OFF: _("Write-off"),
            MovementKind.BANK_CHARGE: _("Bank charges"),
            MovementKind.BANK_CHARGE_REVERSAL: _("Bank charges reversed"),
        }[kind]


@dataclass(frozen=True)
class Movement:
    on_date: date
    kind: str
    reference: str
    description: str
    currency: str
    debit: Decimal
    credit: Decimal

    @property
    def kind_label(self) -> str:
        return MovementKind.label(self.kind)

    @property
    def sort_key(self):
        return (self.on_date, MovementKind.ORDER.index(self.kind), self.reference)


@dataclass(frozen=True)
class StatementLine:
    movement: Movement
    balance: Decimal


@dataclass(frozen=True)
class OpenItem:
    installment_id: int
    currency: str
    invoice_number: str
    sequence: int
    installment_count: int
    issue_date: date
    due_date: date
    amount: Decimal
    open_amount: Decimal
    days_overdue: int
    late_interest: Decimal
    limitation_expires_on: date
    is_disputed: bool

    @property
    def reference(self) -> str:
        if self.installment_count > 1:
            return f"{self.invoice_number} ({self.sequence}/{self.installment_count})"
        return self.invoice_number


@dataclass(frozen=True)
class AgingAmount:
    bucket: AgingBucket
    amount: Decimal

    @property
    def label(self) -> str:
        # Worded when read: a PDF renders in the customer's language, not the caller's.
        return self.bucket.label


@dataclass
class CurrencySection:
    currency: str
    opening_balance: Decimal
    lines: list[StatementLine] = field(default_factory=list)
    open_items: list[OpenItem] = field(default_factory=list)
    aging: list[AgingAmount] = field(default_factory=list)
    unapplied_credit: Decimal = ZERO

    @property
    def total_debit(self) -> Decimal:
        return sum((line.movement.debit for line in self.lines), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((line.movement.credit for line in self.lines), ZERO)

    @property
    def closing_balance(self) -> Decimal:
        return self.lines[-1].balance if self.lines else self.opening_balance

    @property
    def open_items_total(self) -> Decimal:
        return sum((item.open_amount for item in self.open_items), ZERO)

    @property
    def overdue_amount(self) -> Decimal:
        return sum((item.open_amount for item in self.open_items if item.days_overdue > 0), ZERO)

    @property
    def late_interest(self) -> Decimal:
        return sum((item.late_interest for item in self.open_items), ZERO)


@dataclass
class StatementOfAccount:
    customer: Customer
    period_start: date
    period_end: date
    company: CompanyProfile
    sections: list[CurrencySection]

    def section(self, currency: str) -> CurrencySection | None:
        return next((s for s in self.sections if s.currency == currency), None)

    @property
    def closing_balances(self) -> dict[str, Decimal]:
        return {section.currency: section.closing_balance for section in self.sections}


def _invoice_description(invoice: Invoice) -> str:
    descriptions = [line.description for line in invoice.lines.all()]
    text = "；".join(descriptions[:3])
    if len(descriptions) > 3:
        text += " …"
    return text


def _movements(customer: Customer, start: date | None, end: date) -> list[Movement]:
    """Every movement dated in [start, end] (from the beginning when start is None)."""

    def in_period(field_name: str) -> Q:
        condition = Q(**{f"{field_name}__lte": end})
        if start is not None:
            condition &= Q(**{f"{field_name}__gte": start})
        return condition

    movements: list[Movement] = []
    invoices = (
        Invoice.objects.filter(customer=customer, number__isnull=False)
        .filter(in_period("issue_date"))
        .prefetch_related("lines")
    )
    for invoice in invoices:
        movements.append(
            Movement(
                invoice.issue_date,
                MovementKind.INVOICE,
                invoice.number,
                _invoice_description(invoice),
                invoice.currency,
                invoice.total,
                ZERO,
            )
        )
    for note in (
        CreditNote.objects.filter(customer=customer)
        .filter(in_period("issue_date"))
        .select_related("invoice")
    ):
        movements.append(
            Movement(
                note.issue_date,
                MovementKind.CREDIT_NOTE,
                note.number,
                _("%(reason)s (invoice %(invoice)s)")
                % {"reason": note.reason, "invoice": note.invoice.number},
                note.currency,
                ZERO,
                note.amount,
            )
        )
    for payment in Payment.objects.filter(customer=customer).filter(in_period("received_on")):
        movements.append(
            Movement(
                payment.received_on,
                MovementKind.PAYMENT,
                payment.number,
                " ".join(filter(None, [payment.get_method_display(), payment.reference])),
                payment.currency,
                ZERO,
                payment.amount,
            )
        )
    for payment in Payment.objects.filter(customer=customer, reversed_on__isnull=False).filter(
        in_period("reversed_on")
    ):
        movements.append(
            Movement(
                payment.reversed_on,
                MovementKind.PAYMENT_REVERSAL,
                payment.number,
                payment.reversal_reason,
                payment.currency,
                payment.amount,
                ZERO,
            )
        )
    for refund in (
        Refund.objects.filter(customer=customer)
        .filter(in_period("refunded_on"))
        .select_related("payment")
    ):
        movements.append(
            Movement(
                refund.refunded_on,
                MovementKind.REFUND,
                refund.payment.number,
                refund.reference,
                refund.currency,
                refund.amount,
                ZERO,
            )
        )
    for write_off in (
        WriteOff.objects.filter(customer=customer, status=WriteOff.Status.APPROVED)
        .filter(in_period("effective_on"))
        .select_related("installment__invoice")
    ):
        movements.append(
            Movement(
                write_off.effective_on,
                MovementKind.WRITE_OFF,
                write_off.installment.invoice.number,
                write_off.reason,
                write_off.currency,
                ZERO,
                write_off.amount,
            )
        )
    charges = BankCharge.objects.filter(customer=customer).select_related(
        "payment", "installment__invoice"
    )
    for charge in charges.filter(in_period("charged_on")):
        movements.append(
            Movement(
                charge.charged_on,
                MovementKind.BANK_CHARGE,
                charge.payment.number,
                _bank_charge_description(charge),
                charge.currency,
                ZERO,
                charge.amount,
            )
        )
    for charge in charges.filter(reversed_on__isnull=False).filter(in_period("reversed_on")):
        movements.append(
            Movement(
                charge.reversed_on,
                MovementKind.BANK_CHARGE_REVERSAL,
                charge.payment.number,
                _bank_charge_description(charge),
                charge.currency,
                charge.amount,
                ZERO,
            )
        )
    return sorted(movements, key=lambda movement: movement.sort_key)


def _bank_charge_description(charge: BankCharge) -> str:
    return _("Kept by the bank from the transfer for invoice %(invoice)s") % {
        "invoice": charge.installment.invoice.number
    }


def _sums_by_currency(queryset: QuerySet, amount: str = "amount") -> dict[str, Decimal]:
    rows = queryset.values("currency").annotate(total=Sum(amount)).order_by("currency")
    return {row["currency"]: row["total"] for row in rows}


def balances_brought_forward(*, customer: Customer, before: date) -> dict[str, Decimal]:
    """Per currency, the net of every movement dated before `before`: eight aggregate queries,
    however long the customer's history."""
    last_day = before - timedelta(days=1)
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    debits = (
        _sums_by_currency(
            Invoice.objects.filter(
                customer=customer, number__isnull=False, issue_date__lte=last_day
            ),
            "total",
        ),
        _sums_by_currency(Payment.objects.filter(customer=customer, reversed_on__lte=last_day)),
        _sums_by_currency(Refund.objects.filter(customer=customer, refunded_on__lte=last_day)),
        _sums_by_currency(BankCharge.objects.filter(customer=customer, reversed_on__lte=last_day)),
    )
    credits = (
        _sums_by_currency(CreditNote.objects.filter(customer=customer, issue_date__lte=last_day)),
        _sums_by_currency(Payment.objects.filter(customer=customer, received_on__lte=last_day)),
        _sums_by_currency(
            WriteOff.objects.filter(
                customer=customer, status=WriteOff.Status.APPROVED, effective_on__lte=last_day
            )
        ),
        _sums_by_currency(BankCharge.objects.filter(customer=customer, charged_on__lte=last_day)),
    )
    for sums in debits:
        for currency, amount in sums.items():
            totals[currency] += amount
    for sums in credits:
        for currency, amount in sums.items():
            totals[currency] -= amount
    return {currency: quantize(amount, currency) for currency, amount in totals.items()}


def _open_items(customer: Customer, as_of: date) -> list[OpenItem]:
    installments = with_late_interest(
        installments_open_as_of(as_of=as_of)
        .filter(customer=customer)
        .select_related("invoice")
        .order_by("due_date", "pk"),
        as_of=as_of,
    )
    # "2/3" tells the customer which part of an invoice paid in installments is meant.
    counts: dict[int, int] = dict(
        Installment.objects.filter(customer=customer)
        .values("invoice")
        .annotate(parts=Count("pk"))
        .values_list("invoice", "parts")
    )
    items = []
    for installment in installments:
        items.append(
            OpenItem(
                installment_id=installment.pk,
                currency=installment.currency,
                invoice_number=installment.invoice.number,
                sequence=installment.sequence,
                installment_count=counts.get(installment.invoice_id, 1),
                issue_date=installment.invoice.issue_date,
                due_date=installment.due_date,
                amount=installment.amount,
                open_amount=quantize(installment.open_as_of, installment.currency),
                days_overdue=installment.days_overdue_as_of,
                late_interest=installment.late_interest,
                limitation_expires_on=limitation_expires_on(
                    due_date=installment.due_date,
                    restarted_on=installment.limitation_restarted_on,
                ),
                is_disputed=installment.invoice.is_disputed,
            )
        )
    return items


def statement_of_account(
    *, customer: Customer, period_start: date, period_end: date
) -> StatementOfAccount:
    """The customer's statement for [period_start, period_end], one section per currency that
    has a balance or a movement. The closing balance of each section equals the ledger's net
    balance on period_end (receivables.selectors.customer_net_balance)."""
    brought_forward = balances_brought_forward(customer=customer, before=period_start)
    movements = _movements(customer, period_start, period_end)
    open_items = _open_items(customer, period_end)
    currencies = sorted(
        {currency for currency, amount in brought_forward.items() if amount}
        | {movement.currency for movement in movements}
        | {item.currency for item in open_items}
    )
    sections = []
    for currency in currencies:
        section = CurrencySection(
            currency=currency, opening_balance=brought_forward.get(currency, ZERO)
        )
        balance = section.opening_balance
        for movement in movements:
            if movement.currency != currency:
                continue
            balance = balance + movement.debit - movement.credit
            section.lines.append(StatementLine(movement, balance))
        section.open_items = [item for item in open_items if item.currency == currency]
        buckets = defaultdict(lambda: ZERO)
        for item in section.open_items:
            buckets[bucket_of(AGING_BUCKETS, item.days_overdue)] += item.open_amount
        section.aging = [AgingAmount(bucket, buckets[bucket]) for bucket in AGING_BUCKETS]
        # Paid in but not applied to any invoice: why the closing balance may be below the
        # open items' total.
        section.unapplied_credit = section.open_items_total - section.closing_balance
        sections.append(section)
    return StatementOfAccount(
        customer=customer,
        period_start=period_start,
        period_end=period_end,
        company=company_profile(),
        sections=sections,
    )


def statements_visible_to(user) -> QuerySet[Statement]:
    return scope_to_user(Statement.objects.all(), user)


class ConfirmationStatus(TextChoices):
    NOT_SENT = "not_sent", _("Not sent")
    AWAITING_REPLY = "awaiting_reply", _("Awaiting reply")
    # Positive confirmation past its deadline: collections chases it.
    REPLY_OVERDUE = "reply_overdue", _("Reply overdue")
    # Negative confirmation past its deadline without objection: taken as agreed, but silence
    # is not an acknowledgement in law, so the limitation period does not restart.
    NO_OBJECTION = "no_objection", _("No objection (deemed agreed)")
    CONFIRMED = "confirmed", _("Confirmed")
    DISPUTED = "disputed", _("Disagrees")


def with_confirmation_status(statements: QuerySet[Statement], *, on_date: date) -> QuerySet:
    """Annotate `confirmation_status` (a ConfirmationStatus value) in SQL, so lists can filter
    and count by it: the reply if there is one, else whether it was sent and whether its reply
    deadline passed on `on_date`."""
    positive = Customer.ConfirmationKind.POSITIVE
    return statements.annotate(
        confirmation_status=Case(
            When(
                reply__outcome=ConfirmationReply.Outcome.CONFIRMED,
                then=Value(ConfirmationStatus.CONFIRMED),
            ),
            When(
                reply__outcome=ConfirmationReply.Outcome.DISPUTED,
                then=Value(ConfirmationStatus.DISPUTED),
            ),
            When(emailed_at__isnull=True, then=Value(ConfirmationStatus.NOT_SENT)),
            When(
                reply_due_on__lt=on_date,
                confirmation_kind=positive,
                then=Value(ConfirmationStatus.REPLY_OVERDUE),
            ),
            When(reply_due_on__lt=on_date, then=Value(ConfirmationStatus.NO_OBJECTION)),
            default=Value(ConfirmationStatus.AWAITING_REPLY),
            output_field=CharField(),
        )
    )


# --- balance confirmation -----------------------------------------------------------------------
# Reads for balance confirmation: Finance's statement list and detail, a customer's statements,
# the statement as its signed link shows it, and the items nearing their limitation date. All
# staff reads are scoped through statements_visible_to / installments_visible_to.


def _with_list_joins(statements: QuerySet[Statement]) -> QuerySet[Statement]:
    return statements.select_related("customer", "reply").prefetch_related(
        Prefetch("balances", queryset=StatementBalance.objects.order_by("currency"))
    )


def statements_for_list(
    *,
    user,
    on_date: date,
    confirmation_status: str = "",
    customer: Customer | None = None,
    customer_text: str = "",
    period_end_from: date | None = None,
    period_end_to: date | None = None,
) -> QuerySet[Statement]:
    """The statements `user` may see, newest period first, each with `confirmation_status` on
    `on_date`, its customer, reply and balances (three queries for a page, whatever its size).
    `customer_text` matches a customer's code or name as the customer list's search does."""
    statements = with_confirmation_status(statements_visible_to(user), on_date=on_date)
    if confirmation_status:
        statements = statements.filter(confirmation_status=confirmation_status)
    if customer is not None:
        statements = statements.filter(customer=customer)
    if customer_text.strip():
        statements = statements.filter(
            customer__in=customers_matching(Customer.objects.all(), customer_text)
        )
    if period_end_from is not None:
        statements = statements.filter(period_end__gte=period_end_from)
    if period_end_to is not None:
        statements = statements.filter(period_end__lte=period_end_to)
    return _with_list_joins(statements).order_by("-period_end", "customer__code", "pk")


def customer_statements(*, user, customer: Customer, on_date: date) -> QuerySet[Statement]:
    """One customer's statements for its page (newest first), as statements_for_list."""
    return statements_for_list(user=user, on_date=on_date, customer=customer)


def statement_for_detail(*, user, pk: int, on_date: date) -> Statement:
    """One statement `user` may see with its confirmation status, or DoesNotExist."""
    return (
        _with_list_joins(with_confirmation_status(statements_visible_to(user), on_date=on_date))
        .select_related("requested_by", "reply__dispute")
        .get(pk=pk)
    )


def reply_contested_items(reply: ConfirmationReply) -> list[Installment]:
    return list(reply.contested_items.select_related("invoice").order_by("due_date", "pk"))


def statement_as_sent(statement: Statement) -> StatementOfAccount:
    """The statement's content, recomputed from document dates as of its period (the same
    figures as the stored PDF). Call it inside the statement's language for the labels."""
    return statement_of_account(
        customer=statement.customer,
        period_start=statement.period_start,
        period_end=statement.period_end,
    )


def with_limitation_dates(installments) -> list[Installment]:
    """The rows with `limitation_expires_on` set (three years after the later of the due date
    and the last acknowledgement, receivables.limitation)."""
    rows = list(installments)
    for installment in rows:
        installment.limitation_expires_on = limitation_expires_on(
            due_date=installment.due_date, restarted_on=installment.limitation_restarted_on
        )
    return rows
