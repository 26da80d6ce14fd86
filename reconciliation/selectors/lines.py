"""Reads of bank lines for the review queue, the line lists and the API: who may read them,
filtered lists with their open suggestions in a fixed number of queries, and what can be
assigned to a line."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.roles import Capability, has_capability, sees_all_customers
from customers.models import Customer
from receivables.models import Installment
from reconciliation.models import BankLine, MatchSuggestion, MatchSuggestionItem

REVIEW_STATUSES = (BankLine.Status.SUGGESTED, BankLine.Status.UNMATCHED)

# What each kind of evidence the engine records means, for the people reviewing it. A kind
# missing here is shown as recorded.
EVIDENCE_LABELS = {
    "invoice_number": _("Invoice number in the remittance text"),
    "invoice_number_near": _("Nearly an invoice number in the remittance text"),
    "contract_number": _("Contract number in the remittance text"),
    "customer_code": _("Customer code in the remittance text"),
    "payer_account": _("Payer's account paid for this customer before"),
    "payer_name_link": _("Payer's name paid for this customer before"),
    "name_exact": _("Payer's name is the customer's legal name"),
    "short_name_exact": _("Payer's name is the customer's short name"),
    "name_similar": _("Payer's name resembles the customer's name"),
    "amount_exact": _("Amount equals the open installments"),
    "amount_with_fee": _("Amount equals the open installments less bank charges"),
    "amount_partial": _("Part payment of the referenced invoices"),
    "amount_over": _("More than the referenced invoices: the rest stays as credit"),
    "oldest_first": _("Applied to the oldest open installments"),
    "no_open_items": _("Nothing open: the line becomes unapplied credit"),
    "conflicting_evidence": _("Evidence points to different customers"),
    "disputed": _("An invoice is disputed"),
}


def reconciliation_readable_by(user) -> bool:
    """Bank lines name every customer's payers: readable only by the roles that see all
    customers (not a sales rep)."""
    return has_capability(user, Capability.VIEW) and sees_all_customers(user)


def evidence_label(kind: str) -> str:
    return str(EVIDENCE_LABELS.get(kind, kind))


def _open_suggestions() -> Prefetch:
    items = MatchSuggestionItem.objects.select_related("installment__invoice").order_by("pk")
    return Prefetch(
        "suggestions",
        queryset=MatchSuggestion.objects.filter(status=MatchSuggestion.Status.OPEN)
        .select_related("customer")
        .prefetch_related(Prefetch("items", queryset=items))
        .order_by("-confidence", "rank", "pk"),
        to_attr="open_suggestions",
    )


@dataclass(frozen=True)
class LineFilters:
    """What the lists filter on; empty values filter nothing."""

    account: int | None = None
    statuses: tuple[str, ...] = ()
    direction: str = ""
    booked_from: date | None = None
    booked_to: date | None = None
    min_confidence: int | None = None
    text: str = ""
    statement_import: int | None = None


def bank_lines_for_list(filters: LineFilters = LineFilters()) -> QuerySet[BankLine]:
    """Bank lines matching `filters`, newest first, each with its account, customer, payment
    and `open_suggestions` (best first, with their items): three queries whatever the size."""
    lines = BankLine.objects.select_related("account", "customer", "payment").prefetch_related(
        _open_suggestions()
    )
    if filters.account:
        lines = lines.filter(account_id=filters.account)
    if filters.statement_import:
        lines = lines.filter(statement_import_id=filters.statement_import)
    if filters.statuses:
        lines = lines.filter(status__in=filters.statuses)
    if filters.direction:
        lines = lines.filter(direction=filters.direction)
    if filters.booked_from:
        lines = lines.filter(booked_on__gte=filters.booked_from)
    if filters.booked_to:
        lines = lines.filter(booked_on__lte=filters.booked_to)
    if filters.min_confidence is not None:
        lines = lines.filter(confidence__gte=filters.min_confidence)
    if filters.text:
        text = filters.text.strip()
        lines = lines.filter(
            Q(counterparty_name__icontains=text)
            | Q(counterparty_account__icontains=text)
            | Q(remittance__icontains=text)
            | Q(bank_reference__icontains=text)
            | Q(customer__code__iexact=text)
            | Q(customer__legal_name__icontains=text)
        )
    return lines.order_by("-booked_on", "-booked_at", "-id")


def review_queue(filters: LineFilters = LineFilters()) -> QuerySet[BankLine]:
    """Credits still waiting for a person: suggested or unmatched (a status filter narrows it
    to one of those)."""
    statuses = tuple(s for s in filters.statuses if s in REVIEW_STATUSES) or REVIEW_STATUSES
    return bank_lines_for_list(filters).filter(
        direction=BankLine.Direction.CREDIT, status__in=statuses
    )


def lines_to_accept_in_bulk(filters: LineFilters, *, min_confidence: int) -> QuerySet[BankLine]:
    """The queue's suggested lines (under `filters`) whose confidence reaches
    `min_confidence`: what "accept all" would take. The service re-checks each (ties are
    skipped there)."""
    return review_queue(filters).filter(
        status=BankLine.Status.SUGGESTED, confidence__gte=min_confidence
    )


def bank_line_for_detail(*, pk: int) -> BankLine:
    """One line with its account, import, customer, payment, bank charge and every suggestion
    (all statuses, best first, with their items and who decided them)."""
    items = MatchSuggestionItem.objects.select_related("installment__invoice").order_by("pk")
    suggestions = (
        MatchSuggestion.objects.select_related("customer", "decided_by")
        .prefetch_related(Prefetch("items", queryset=items))
        .order_by("status", "-confidence", "rank", "pk")
    )
    return (
        BankLine.objects.select_related(
            "account", "statement_import", "customer", "payment", "bank_charge", "applied_by"
        )
        .prefetch_related(Prefetch("suggestions", queryset=suggestions, to_attr="all_suggestions"))
        .get(pk=pk)
    )


def top_suggestion(line: BankLine) -> MatchSuggestion | None:
    """The best open suggestion of a line fetched by bank_lines_for_list."""
    return line.open_suggestions[0] if line.open_suggestions else None


def assignable_installments(
    *, line: BankLine, customer: Customer, including: tuple[int, ...] = ()
) -> QuerySet[Installment]:
    """The customer's open installments a line can pay (in the line's currency), oldest due
    first. `including` adds ones a submitted form named that were settled since, so that an
    amount entered for one is refused by the ledger rather than silently dropped."""
    return (
        Installment.objects.filter(customer=customer, currency=line.currency)
        .filter(Q(open_amount__gt=0) | Q(pk__in=including))
        .select_related("invoice")
        .order_by("due_date", "pk")
    )
