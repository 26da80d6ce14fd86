"""What the matching engine needs from the database, loaded in bulk: a fixed number of queries
per run whatever the number of lines (the engine itself never queries)."""

from decimal import Decimal

from django.db.models import Q

from customers.models import Customer
from receivables.models import Contract, Installment, Invoice
from reconciliation.matching.amounts import OpenItem
from reconciliation.matching.engine import ContractRow
from reconciliation.matching.payers import CustomerName, PayerLinkRow
from reconciliation.models import BankLine, MatchSuggestion, MatchSuggestionItem, PayerLink


def lines_to_match(*, statement_import_id=None, line_ids=None) -> list[BankLine]:
    """Credits still waiting for a decision (unmatched or suggested), in booking order: a run
    applies earlier credits first, as the bank received them."""
    lines = BankLine.objects.filter(
        direction=BankLine.Direction.CREDIT,
        status__in=[BankLine.Status.UNMATCHED, BankLine.Status.SUGGESTED],
    )
    if statement_import_id is not None:
        lines = lines.filter(statement_import_id=statement_import_id)
    if line_ids is not None:
        lines = lines.filter(pk__in=list(line_ids))
    return list(lines.order_by("booked_on", "booked_at", "file_line", "pk"))


def customer_names() -> list[CustomerName]:
    """Every customer's code and names (archived ones too: they still pay old debts)."""
    return [
        CustomerName(*row)
        for row in Customer.objects.values_list("pk", "code", "legal_name", "short_name")
    ]


def payer_links(*, account_keys: set[str], name_keys: set[str]) -> list[PayerLinkRow]:
    """The learned payer links for these payers' accounts and names."""
    account_keys.discard("")
    name_keys.discard("")
    if not account_keys and not name_keys:
        return []
    return [
        PayerLinkRow(*row)
        for row in PayerLink.objects.filter(
            Q(account_number__in=account_keys) | Q(name_key__in=name_keys)
        ).values_list("customer_id", "account_number", "name_key", "times_confirmed")
    ]


def contracts() -> list[ContractRow]:
    return [
        ContractRow(*row) for row in Contract.objects.values_list("pk", "customer_id", "number")
    ]


def open_items(
    *, customer_ids: set[int], invoice_numbers: set[str], amounts: set[Decimal]
) -> list[OpenItem]:
    """Open installments of posted invoices that could explain the lines: the named
    customers' (all of them), the named invoices', and any whose open amount equals a line's."""
    wanted = Q(customer_id__in=customer_ids) | Q(invoice__number__in=invoice_numbers)
    if amounts:
        wanted |= Q(open_amount__in=amounts)
    rows = (
        Installment.objects.filter(wanted, open_amount__gt=0)
        .filter(invoice__status__in=Invoice.OPEN_STATUSES)
        .values_list(
            "pk",
            "customer_id",
            "invoice_id",
            "invoice__number",
            "invoice__contract_id",
            "due_date",
            "open_amount",
            "currency",
            "invoice__is_disputed",
        )
    )
    return [OpenItem(*row) for row in rows]


def suggestions_of(line_ids: list[int], *, status: str) -> dict[int, list[dict]]:
    """The lines' suggestions in one status, each as {"customer", "items", "fee",
    "confidence", "evidence", "rank", "pk"}, by line, best first (two queries)."""
    suggestions = list(
        MatchSuggestion.objects.filter(line_id__in=line_ids, status=status)
        .order_by("line_id", "rank", "pk")
        .values("pk", "line_id", "customer_id", "fee_amount", "confidence", "evidence", "rank")
    )
    items: dict[int, list[tuple[int, Decimal]]] = {}
    for suggestion_id, installment_id, amount in (
        MatchSuggestionItem.objects.filter(suggestion_id__in=[s["pk"] for s in suggestions])
        .order_by("pk")
        .values_list("suggestion_id", "installment_id", "amount")
    ):
        items.setdefault(suggestion_id, []).append((installment_id, amount))
    by_line: dict[int, list[dict]] = {}
    for suggestion in suggestions:
        by_line.setdefault(suggestion["line_id"], []).append(
            {
                "pk": suggestion["pk"],
                "customer": suggestion["customer_id"],
                "items": tuple(items.get(suggestion["pk"], ())),
                "fee": suggestion["fee_amount"],
                "confidence": suggestion["confidence"],
                "evidence": suggestion["evidence"],
                "rank": suggestion["rank"],
            }
        )
    return by_line
