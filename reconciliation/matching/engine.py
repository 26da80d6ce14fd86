"""Evidence → proposals → confidence → decision, for one bank credit at a time.

The engine holds what the service loaded in bulk (customers' names, payer links, contracts, the
open installments that could matter) and keeps the open amounts current while a run applies
lines, so that two credits in one file never both take the same installment.

Points (a proposal's confidence is their sum, 0-100):

=========================  ======  ==================================================
evidence                   points  when
=========================  ======  ==================================================
payer_account              50      a learned payer link has this account number
payer_name_link            45      a learned payer link has this name
name_exact                 45      the payer's name is the customer's legal name
short_name_exact           35      the payer's name is the customer's short name
name_similar               20-35   a near name (rapidfuzz ≥ 85, or a cut-off name)
(shared)                   20      any of the above pointing at several customers
invoice_number             50      the text names an open invoice the proposal pays
invoice_number_near        25      ... one typing slip away from one it pays
customer_code              45      the customer's code is in the remittance text
contract_number            25      the text names one of the customer's contracts
amount_exact               45      the items' open amounts add up to the credit
amount_exact (searched)    35      ... found by a search that could not try everything
amount_with_fee            30      ... up to the fee tolerance more than the credit
amount_partial             10      less than the named invoices' open amount
amount_over                5       more than the named invoices: the rest is credit
oldest_first, no_open_items 0      nothing but the payer: applied oldest first / credit
disputed                   -10     an item is on a disputed invoice
conflicting_evidence       -20     the named invoices and the amount point elsewhere
=========================  ======  ==================================================

The payer reasons for one customer do not simply add up (a linked account usually also has a
linked name): the best counts fully, the second a quarter, and together at most 55.

A proposal is applied automatically only when it reaches the auto-apply confidence, is ahead
of every other proposal for the line (another customer's, or another set of the same
customer's installments) by AUTO_APPLY_MARGIN, its amount supports its installments (an
"oldest first" or credit-only proposal is never posted by the engine), and the line was never
undone. So a payer's name plus an amount equal to one open installment applies (45 + 45);
either alone, or the same amount at two customers, is only a suggestion. A short payment (bank
charge) scores 30 rather than 45 for its amount, so it is applied only when two independent
signs agree besides (the payer and the invoice number): otherwise it is proposed.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal

from reconciliation.matching.amounts import (
    OpenItem,
    allocate_oldest_first,
    find_combinations,
    oldest_first,
)
from reconciliation.matching.payers import PayerDirectory, PayerMatch
from reconciliation.matching.references import (
    compact,
    document_keys,
    extract_references,
    near_misses,
)

ZERO = Decimal("0.00")

PAYER_POINTS = {
    "payer_account": 50,
    "payer_name_link": 45,
    "name_exact": 45,
    "short_name_exact": 35,
}
SHARED_PAYER_POINTS = 20
PAYER_CAP = 55
INVOICE_NUMBER_POINTS = 50
INVOICE_NEAR_POINTS = 25
CONTRACT_POINTS = 25
CUSTOMER_CODE_POINTS = 45
AMOUNT_EXACT_POINTS = 45
AMOUNT_SEARCHED_POINTS = 35
AMOUNT_FEE_POINTS = 30
AMOUNT_PARTIAL_POINTS = 10
AMOUNT_OVER_POINTS = 5
DISPUTED_POINTS = -10
CONFLICT_POINTS = -20

AMOUNT_KINDS = frozenset({"amount_exact", "amount_with_fee", "amount_partial", "amount_over"})
AUTO_APPLY_MARGIN = 15
# Proposals below this are noise, not suggestions.
SUGGESTION_MIN_CONFIDENCE = 25
MAX_SUGGESTIONS = 3
# An amount that equals open installments of more customers than this says nothing.
AMOUNT_ONLY_MAX_CUSTOMERS = 5


@dataclass(frozen=True)
class LineFacts:
    """What the engine reads of a bank line."""

    line_id: int
    amount: Decimal
    currency: str
    counterparty_name: str = ""
    counterparty_account: str = ""
    remittance: str = ""
    auto_apply_blocked: bool = False
    # (customer id, installment ids) of suggestions a user rejected: never proposed again.
    rejected: frozenset = frozenset()


@dataclass(frozen=True)
class ContractRow:
    contract_id: int
    customer_id: int
    number: str


@dataclass(frozen=True)
class Evidence:
    kind: str
    detail: str
    points: int

    def as_dict(self) -> dict:
        return {"kind": self.kind, "detail": self.detail, "points": self.points}


@dataclass
class Proposal:
    customer_id: int
    # (installment id, amount settled by this credit including any fee), oldest first.
    allocations: tuple[tuple[int, Decimal], ...]
    fee: Decimal
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def confidence(self) -> int:
        return max(0, min(100, sum(evidence.points for evidence in self.evidence)))

    @property
    def signature(self) -> tuple[int, frozenset]:
        return self.customer_id, frozenset(installment for installment, _ in self.allocations)


@dataclass
class Clues:
    """Everything in a line that points at customers or documents, before amounts."""

    payers: list[PayerMatch]
    invoice_numbers: list[str]
    contracts: list[ContractRow]
    customer_codes: dict[int, str]


@dataclass
class Decision:
    proposals: list[Proposal]
    auto_apply: bool

    @property
    def best(self) -> Proposal | None:
        return self.proposals[0] if self.proposals else None


class MatchingEngine:
    def __init__(
        self,
        *,
        directory: PayerDirectory,
        contracts: list[ContractRow],
        fee_tolerance: Decimal,
        auto_apply_confidence: int,
    ):
        self.directory = directory
        self.fee_tolerance = fee_tolerance
        self.auto_apply_confidence = auto_apply_confidence
        self.contracts_by_key: dict[str, list[ContractRow]] = defaultdict(list)
        for contract in contracts:
            for key in document_keys(contract.number):
                self.contracts_by_key[key].append(contract)
        self.items: dict[int, OpenItem] = {}
        self.by_customer: dict[int, list[int]] = defaultdict(list)
        self.by_invoice_number: dict[str, list[int]] = defaultdict(list)
        self.by_amount: dict[tuple[str, Decimal], list[int]] = defaultdict(list)

    # loading

    def clues(self, line: LineFacts) -> Clues:
        references = extract_references(line.remittance)
        contracts = []
        codes = {}
        for token in references.tokens:
            for contract in self.contracts_by_key.get(token, ()):
                if contract not in contracts:
                    contracts.append(contract)
            customer_id = self.directory.by_code.get(compact(token))
            if customer_id is not None:
                codes[customer_id] = token
        return Clues(
            payers=self.directory.match(
                counterparty_name=line.counterparty_name,
                counterparty_account=line.counterparty_account,
            ),
            invoice_numbers=references.invoice_numbers,
            contracts=contracts,
            customer_codes=codes,
        )

    @staticmethod
    def customers_named(clues: Clues) -> set[int]:
        """Customers a line's payer, codes or contracts point to (their open items are needed)."""
        return (
            {match.customer_id for match in clues.payers}
            | {contract.customer_id for contract in clues.contracts}
            | set(clues.customer_codes)
        )

    def add_items(self, items) -> None:
        for item in items:
            if item.installment_id in self.items or item.open_amount <= 0:
                continue
            self.items[item.installment_id] = item
            self.by_customer[item.customer_id].append(item.installment_id)
            self.by_invoice_number[item.invoice_number].append(item.installment_id)
            self.by_amount[(item.currency, item.open_amount)].append(item.installment_id)

    def consume(self, allocations) -> None:
        """An application took these amounts: later lines of the run see what is left."""
        for installment_id, amount in allocations:
            item = self.items.get(installment_id)
            if item is not None:
                self.items[installment_id] = replace(item, open_amount=item.open_amount - amount)

    def _open(self, installment_ids, currency: str) -> list[OpenItem]:
        found = (self.items[installment_id] for installment_id in installment_ids)
        return oldest_first(
            item for item in found if item.open_amount > 0 and item.currency == currency
        )

    # evaluation

    def evaluate(self, line: LineFacts, clues: Clues | None = None) -> Decision:
        """Rank the ways this credit could be applied and decide whether the best one is
        certain enough to apply without a person."""
        clues = clues or self.clues(line)
        payer_evidence = self._payer_evidence(clues)
        referenced: dict[int, list[OpenItem]] = defaultdict(list)
        for number in clues.invoice_numbers:
            for item in self._open(self.by_invoice_number.get(number, ()), line.currency):
                referenced[item.customer_id].append(item)
        # What the text says about the customer (not about the invoices): one reason each.
        contract_evidence: dict[int, list[Evidence]] = defaultdict(list)
        for contract in clues.contracts:
            if not contract_evidence[contract.customer_id]:
                contract_evidence[contract.customer_id].append(
                    Evidence("contract_number", contract.number, CONTRACT_POINTS)
                )
        for customer_id, code in clues.customer_codes.items():
            contract_evidence[customer_id].append(
                Evidence("customer_code", code, CUSTOMER_CODE_POINTS)
            )

        candidates = set(payer_evidence) | set(referenced) | set(contract_evidence)
        unresolved = [
            number for number in clues.invoice_numbers if number not in self.by_invoice_number
        ]
        proposals: list[Proposal] = []
        for customer_id in sorted(candidates):
            customer_evidence = payer_evidence.get(customer_id, []) + contract_evidence.get(
                customer_id, []
            )
            proposals += self._customer_proposals(
                line,
                customer_id,
                customer_evidence,
                referenced.get(customer_id, []),
                unresolved,
            )
        if not any(_fits_amount(proposal) for proposal in proposals):
            proposals += self._amount_only_proposals(
                line, exclude=candidates, unresolved_numbers=unresolved
            )

        proposals = [
            proposal
            for proposal in proposals
            if proposal.signature not in line.rejected
            and proposal.confidence >= SUGGESTION_MIN_CONFIDENCE
        ]
        proposals.sort(key=lambda proposal: (-proposal.confidence, proposal.customer_id))
        proposals = proposals[:MAX_SUGGESTIONS]
        return Decision(proposals=proposals, auto_apply=self._certain(line, proposals))

    def _certain(self, line: LineFacts, proposals: list[Proposal]) -> bool:
        if not proposals or line.auto_apply_blocked:
            return False
        best = proposals[0]
        runner_up = proposals[1].confidence if len(proposals) > 1 else 0
        return (
            best.confidence >= self.auto_apply_confidence
            and best.confidence - runner_up >= AUTO_APPLY_MARGIN
            and _fits_amount(best)
        )

    def _payer_evidence(self, clues: Clues) -> dict[int, list[Evidence]]:
        reasons: dict[int, list[Evidence]] = defaultdict(list)
        for match in clues.payers:
            if match.shared_by > 1:
                points = SHARED_PAYER_POINTS
            elif match.kind == "name_similar":
                points = 20 + max(0, match.similarity - 85) * 15 // 10
            else:
                points = PAYER_POINTS[match.kind]
            reasons[match.customer_id].append(Evidence(match.kind, match.detail, points))
        combined = {}
        for customer_id, evidence in reasons.items():
            evidence.sort(key=lambda item: -item.points)
            best, *others = evidence
            total = min(PAYER_CAP, best.points + (others[0].points // 4 if others else 0))
            # Every reason stays visible; the points shown add up to the combined weight.
            shown = [replace(best, points=min(best.points, total))]
            shown += [
                replace(item, points=total - shown[0].points if position == 0 else 0)
                for position, item in enumerate(others)
            ]
            combined[customer_id] = shown
        return combined

    def _customer_proposals(
        self,
        line: LineFacts,
        customer_id: int,
        customer_evidence: list[Evidence],
        referenced: list[OpenItem],
        unresolved_numbers: list[str],
    ) -> list[Proposal]:
        open_items = self._open(self.by_customer.get(customer_id, ()), line.currency)
        found: dict[frozenset, Proposal] = {}
        # Two installments of one invoice with the same open amount are interchangeable: the
        # one due first is paid first, never offered as a rival set.
        equivalent_sets: set[tuple] = set()

        def propose(items_amounts, fee: Decimal, evidence: list[Evidence]) -> None:
            equivalent = tuple(
                sorted(
                    (item.invoice_id, item.open_amount, amount) for item, amount in items_amounts
                )
            )
            key = frozenset(item.installment_id for item, _amount in items_amounts)
            if key not in found and equivalent in equivalent_sets:
                return
            equivalent_sets.add(equivalent)
            allocations = tuple(
                (item.installment_id, amount)
                for item, amount in sorted(
                    items_amounts, key=lambda pair: (pair[0].due_date, pair[0].installment_id)
                )
            )
            existing = found.get(key)
            if existing is None:
                found[key] = Proposal(customer_id, allocations, fee, list(evidence))
                return
            kinds = {item.kind for item in existing.evidence}
            existing.evidence += [item for item in evidence if item.kind not in kinds]

        # The invoices the payer named, paid exactly, in part, or with something left over.
        reference_evidence = [
            Evidence("invoice_number", number, INVOICE_NUMBER_POINTS)
            for number in sorted({item.invoice_number for item in referenced})
        ][:1]
        if referenced:
            search = find_combinations(referenced, line.amount, fee_tolerance=self.fee_tolerance)
            total = sum((item.open_amount for item in referenced), ZERO)
            if search.exact:
                for combination in search.exact:
                    propose(
                        [(item, item.open_amount) for item in combination.items],
                        ZERO,
                        [*reference_evidence, _amount_evidence(line, combination.items)],
                    )
            elif search.with_fee:
                combination = search.with_fee[0]
                propose(
                    [(item, item.open_amount) for item in combination.items],
                    combination.fee,
                    [*reference_evidence, _fee_evidence(combination.fee, combination.items)],
                )
            elif line.amount < total:
                propose(
                    allocate_oldest_first(referenced, line.amount),
                    ZERO,
                    [
                        *reference_evidence,
                        Evidence("amount_partial", _money(line.amount), AMOUNT_PARTIAL_POINTS),
                    ],
                )
            else:
                propose(
                    [(item, item.open_amount) for item in referenced],
                    ZERO,
                    [
                        *reference_evidence,
                        Evidence("amount_over", _money(line.amount - total), AMOUNT_OVER_POINTS),
                    ],
                )
        reference_keys = set(found)

        # What the amount alone says among all of this customer's open items.
        singles = [item for item in open_items if item.open_amount == line.amount]
        for item in singles:
            propose([(item, item.open_amount)], ZERO, [_amount_evidence(line, (item,))])
        search = find_combinations(open_items, line.amount, fee_tolerance=self.fee_tolerance)
        for combination in search.exact:
            if len(combination.items) > 1:
                points = AMOUNT_EXACT_POINTS if search.complete else AMOUNT_SEARCHED_POINTS
                propose(
                    [(item, item.open_amount) for item in combination.items],
                    ZERO,
                    [_amount_evidence(line, combination.items, points)],
                )
        if not singles and not search.exact and search.with_fee:
            combination = search.with_fee[0]
            propose(
                [(item, item.open_amount) for item in combination.items],
                combination.fee,
                [_fee_evidence(combination.fee, combination.items)],
            )

        for proposal in found.values():
            self._add_near_misses(proposal, unresolved_numbers)

        # The named invoices settle the question when they add up; when they do not and the
        # amount fits other installments, neither may be applied without a person.
        references_add_up = any(
            evidence.kind == "amount_exact"
            for key in reference_keys
            for evidence in found[key].evidence
        )
        alternatives = set(found) - reference_keys
        if reference_keys and alternatives:
            disputed_keys = alternatives if references_add_up else set(found)
            for key in disputed_keys:
                found[key].evidence.append(Evidence("conflicting_evidence", "", CONFLICT_POINTS))

        # Nothing fits: the payer's money settles the oldest undisputed items, as
        # receivables.services.payment_allocate_auto would.
        undisputed = [item for item in open_items if not item.is_disputed]
        if not found and customer_evidence:
            if undisputed:
                propose(
                    allocate_oldest_first(undisputed, line.amount),
                    ZERO,
                    [Evidence("oldest_first", _money(line.amount), 0)],
                )
            else:
                found[frozenset()] = Proposal(
                    customer_id, (), ZERO, [Evidence("no_open_items", "", 0)]
                )

        for proposal in found.values():
            proposal.evidence = customer_evidence + proposal.evidence
            if any(self.items[item].is_disputed for item, _ in proposal.allocations):
                proposal.evidence.append(Evidence("disputed", "", DISPUTED_POINTS))
        return list(found.values())

    def _add_near_misses(self, proposal: Proposal, unresolved_numbers: list[str]) -> None:
        """A typed number one slip away from an invoice the proposal pays is evidence for it."""
        if any(item.kind == "invoice_number" for item in proposal.evidence):
            return
        paid_numbers = {
            self.items[installment].invoice_number for installment, _ in proposal.allocations
        }
        for number in unresolved_numbers:
            near = near_misses(number, paid_numbers)
            if near:
                detail = f"{number} → {near[0]}"
                proposal.evidence.append(
                    Evidence("invoice_number_near", detail, INVOICE_NEAR_POINTS)
                )
                return

    def _amount_only_proposals(
        self, line: LineFacts, *, exclude: set[int], unresolved_numbers: list[str]
    ) -> list[Proposal]:
        """Nobody named: installments anywhere whose open amount equals the credit. Never
        enough to apply, but it puts the likely invoices in front of a person."""
        same_amount = self.by_amount.get((line.currency, line.amount), ())
        items = [
            item
            for item in self._open(same_amount, line.currency)
            if item.customer_id not in exclude
        ]
        if len({item.customer_id for item in items}) > AMOUNT_ONLY_MAX_CUSTOMERS:
            return []
        proposals = []
        for item in items:
            proposal = Proposal(
                item.customer_id,
                ((item.installment_id, item.open_amount),),
                ZERO,
                [_amount_evidence(line, (item,))],
            )
            self._add_near_misses(proposal, unresolved_numbers)
            if item.is_disputed:
                proposal.evidence.append(Evidence("disputed", "", DISPUTED_POINTS))
            proposals.append(proposal)
        return proposals


def _fits_amount(proposal: Proposal) -> bool:
    """The amount itself supports the items (not merely "the payer's oldest items")."""
    return any(evidence.kind in AMOUNT_KINDS for evidence in proposal.evidence)


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _amount_evidence(line: LineFacts, items, points: int = AMOUNT_EXACT_POINTS) -> Evidence:
    numbers = "+".join(item.invoice_number for item in items)
    return Evidence("amount_exact", f"{_money(line.amount)} = {numbers}", points)


def _fee_evidence(fee: Decimal, items) -> Evidence:
    numbers = "+".join(item.invoice_number for item in items)
    return Evidence("amount_with_fee", f"{numbers} − {_money(fee)}", AMOUNT_FEE_POINTS)
