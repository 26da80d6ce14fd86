"""The engine's run over bank lines: evaluate every open credit, store its suggestions, and apply
the certain ones through `bank_line_apply` (as any user would, under the line's lock).

A run reads everything it needs in a fixed number of queries (reconciliation.selectors.
candidates), evaluates in memory, writes all suggestions in one short transaction, then applies
line by line, each in its own transaction. Running it twice changes nothing the second time: a
line whose outcome is the same keeps its suggestions (same rows) and its fields.
"""

from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from core.exceptions import ApplicationError
from customers.models import Customer
from reconciliation.matching.engine import Decision, LineFacts, MatchingEngine, Proposal
from reconciliation.matching.names import account_key, name_key
from reconciliation.matching.payers import PayerDirectory
from reconciliation.models import (
    BankLine,
    BankStatementImport,
    MatchSuggestion,
    MatchSuggestionItem,
)
from reconciliation.selectors import candidates
from reconciliation.services.lines import bank_line_apply, lock_bank_line

OPEN_STATUSES = (BankLine.Status.UNMATCHED, BankLine.Status.SUGGESTED)


@dataclass
class MatchSummary:
    evaluated: int = 0
    auto_applied: int = 0
    suggested: int = 0
    unmatched: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def _facts(line: BankLine, rejected: dict[int, list[dict]]) -> LineFacts:
    return LineFacts(
        line_id=line.pk,
        amount=line.amount,
        currency=line.currency,
        counterparty_name=line.counterparty_name,
        counterparty_account=line.counterparty_account,
        remittance=line.remittance,
        auto_apply_blocked=line.auto_apply_blocked,
        rejected=frozenset(
            (suggestion["customer"], frozenset(item for item, _amount in suggestion["items"]))
            for suggestion in rejected.get(line.pk, ())
        ),
    )


def _engine(lines: list[BankLine]) -> MatchingEngine:
    return MatchingEngine(
        directory=PayerDirectory(
            customers=candidates.customer_names(),
            links=candidates.payer_links(
                account_keys={account_key(line.counterparty_account) for line in lines},
                name_keys={name_key(line.counterparty_name) for line in lines},
            ),
        ),
        contracts=candidates.contracts(),
        fee_tolerance=settings.RECONCILIATION_FEE_TOLERANCE,
        auto_apply_confidence=settings.RECONCILIATION_AUTO_APPLY_CONFIDENCE,
    )


def _as_stored(proposal: Proposal, rank: int) -> dict:
    """A proposal in the shape `candidates.suggestions_of` reads stored suggestions."""
    return {
        "customer": proposal.customer_id,
        "items": proposal.allocations,
        "fee": proposal.fee,
        "confidence": proposal.confidence,
        "evidence": [evidence.as_dict() for evidence in proposal.evidence],
        "rank": rank,
    }


def _comparable(suggestions: list[dict]) -> list[tuple]:
    return [
        (s["customer"], tuple(s["items"]), s["fee"], s["confidence"], s["evidence"], s["rank"])
        for s in suggestions
    ]


def _outcome(decision: Decision) -> tuple[str, int | None, int | None]:
    best = decision.best
    if best is None:
        return BankLine.Status.UNMATCHED, None, None
    return BankLine.Status.SUGGESTED, best.customer_id, best.confidence


def bank_lines_match(*, statement_import_id: int | None = None, line_ids=None) -> MatchSummary:
    """Evaluate the open credits (of one import, of some lines, or all): replace each line's
    open suggestions (rejected ones stay, and are never proposed again), set its status,
    customer and confidence, and apply automatically what is certain. Debits are left alone."""
    summary = MatchSummary()
    lines = candidates.lines_to_match(statement_import_id=statement_import_id, line_ids=line_ids)
    if lines:
        decisions = _evaluate(lines)
        to_apply = _store(lines, decisions, summary)
        for line, decision, suggestion in to_apply:
            if _apply(line, decision.best, suggestion):
                summary.auto_applied += 1
                summary.suggested -= 1
    _mark_matched(statement_import_id=statement_import_id, lines=lines)
    return summary


def _evaluate(lines: list[BankLine]) -> dict[int, Decision]:
    rejected = candidates.suggestions_of(
        [line.pk for line in lines], status=MatchSuggestion.Status.REJECTED
    )
    engine = _engine(lines)
    facts = [_facts(line, rejected) for line in lines]
    clues = {fact.line_id: engine.clues(fact) for fact in facts}
    engine.add_items(
        candidates.open_items(
            customer_ids=set().union(*(engine.customers_named(c) for c in clues.values())),
            invoice_numbers=set().union(*(c.invoice_numbers for c in clues.values())),
            amounts={fact.amount for fact in facts},
        )
    )
    decisions = {}
    for fact in facts:
        decision = engine.evaluate(fact, clues[fact.line_id])
        if decision.auto_apply:
            # Later credits in this run must not take what this one is about to pay.
            engine.consume(decision.best.allocations)
            decision.proposals = decision.proposals[:1]
        decisions[fact.line_id] = decision
    return decisions


@transaction.atomic
def _store(
    lines: list[BankLine], decisions: dict[int, Decision], summary: MatchSummary
) -> list[tuple[BankLine, Decision, MatchSuggestion | None]]:
    """Write the run's suggestions and line outcomes; lines a user decided meanwhile are left
    alone (they are locked first, and skipped if no longer open)."""
    still_open = {
        line.pk: line
        for line in BankLine.objects.select_for_update()
        .filter(pk__in=[line.pk for line in lines], status__in=OPEN_STATUSES)
        .order_by("pk")
    }
    current = candidates.suggestions_of(list(still_open), status=MatchSuggestion.Status.OPEN)
    now = timezone.now()
    changed_lines: list[BankLine] = []
    new_suggestions: list[tuple[MatchSuggestion, tuple]] = []
    kept_best: dict[int, int] = {}
    for line in lines:
        line = still_open.get(line.pk)
        if line is None:
            continue
        decision = decisions[line.pk]
        summary.evaluated += 1
        status, customer_id, confidence = _outcome(decision)
        if status == BankLine.Status.SUGGESTED:
            summary.suggested += 1
        else:
            summary.unmatched += 1
        proposed = [_as_stored(p, rank) for rank, p in enumerate(decision.proposals, start=1)]
        stored = current.get(line.pk, [])
        unchanged = _comparable(proposed) == _comparable(stored) and (
            line.status,
            line.customer_id,
            line.confidence,
        ) == (status, customer_id, confidence)
        if unchanged:
            if stored:
                kept_best[line.pk] = stored[0]["pk"]
            continue
        line.status, line.customer_id, line.confidence = status, customer_id, confidence
        line.evaluated_at = now
        changed_lines.append(line)
        for suggestion in proposed:
            new_suggestions.append(
                (
                    MatchSuggestion(
                        line_id=line.pk,
                        customer_id=suggestion["customer"],
                        rank=suggestion["rank"],
                        confidence=suggestion["confidence"],
                        evidence=suggestion["evidence"],
                        fee_amount=suggestion["fee"],
                    ),
                    suggestion["items"],
                )
            )
    MatchSuggestion.objects.filter(
        line_id__in=[line.pk for line in changed_lines], status=MatchSuggestion.Status.OPEN
    ).delete()
    created = MatchSuggestion.objects.bulk_create([suggestion for suggestion, _ in new_suggestions])
    MatchSuggestionItem.objects.bulk_create(
        MatchSuggestionItem(suggestion=suggestion, installment_id=installment_id, amount=amount)
        for suggestion, (_unsaved, items) in zip(created, new_suggestions, strict=True)
        for installment_id, amount in items
    )
    if changed_lines:
        bulk_update_with_history(
            changed_lines,
            BankLine,
            ["status", "customer", "confidence", "evaluated_at"],
            batch_size=500,
        )
    best_created = {}
    for suggestion in created:
        if suggestion.rank == 1:
            best_created[suggestion.line_id] = suggestion
    to_apply = []
    for line_id, decision in decisions.items():
        if decision.auto_apply and line_id in still_open:
            suggestion = best_created.get(line_id)
            if suggestion is None and line_id in kept_best:
                suggestion = MatchSuggestion(pk=kept_best[line_id], line_id=line_id)
            to_apply.append((still_open[line_id], decision, suggestion))
    return to_apply


def _apply(line: BankLine, proposal: Proposal, suggestion: MatchSuggestion | None) -> bool:
    """Apply one certain line; False when a user (or another run) decided it first, or the
    ledger refuses (an installment paid meanwhile): the line then stays suggested."""
    try:
        with transaction.atomic():
            line = lock_bank_line(line.pk)
            bank_line_apply(
                actor=None,
                line=line,
                customer=Customer.objects.get(pk=proposal.customer_id),
                allocations=list(proposal.allocations),
                fee=proposal.fee,
                automatically=True,
                suggestion=suggestion,
            )
    except ApplicationError:
        return False
    return True


def _mark_matched(*, statement_import_id, lines: list[BankLine]) -> None:
    import_ids = {line.statement_import_id for line in lines}
    if statement_import_id is not None:
        import_ids.add(statement_import_id)
    if import_ids:
        BankStatementImport.objects.filter(pk__in=import_ids).exclude(
            match_status=BankStatementImport.MatchStatus.DONE
        ).update(match_status=BankStatementImport.MatchStatus.DONE, matched_at=timezone.now())
