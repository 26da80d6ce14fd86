"""Which of a customer's open installments a credit's amount pays.

Work is in integer cents. The search is bounded so that a customer with hundreds of open items
costs no more than one with twenty: only the oldest items are combined, combinations have at
most a few items, and a node budget stops the search; the result says whether it was complete,
because "this is the only combination" is evidence only if every combination was tried.
"""

from dataclasses import dataclass
from decimal import Decimal

# Customers pay the oldest debts first; a payment for several invoices is nearly always a run of
# old ones, so combining the oldest 20 covers it without an exponential search.
MAX_ITEMS_COMBINED = 20
MAX_COMBINATION_SIZE = 6
NODE_BUDGET = 20_000
# Beyond two, the engine only needs to know "more than one".
MAX_SOLUTIONS = 3


@dataclass(frozen=True)
class OpenItem:
    """An open installment as the engine sees it."""

    installment_id: int
    customer_id: int
    invoice_id: int
    invoice_number: str
    contract_id: int | None
    due_date: object  # datetime.date; ordering only
    open_amount: Decimal
    currency: str
    is_disputed: bool = False


@dataclass(frozen=True)
class Combination:
    items: tuple[OpenItem, ...]
    # What the bank kept (items' total minus the credit), 0 for an exact match.
    fee: Decimal


@dataclass
class CombinationSearch:
    exact: list[Combination]
    with_fee: list[Combination]
    # Every combination within the bounds was tried: a single solution is then the only one.
    complete: bool


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def oldest_first(items) -> list[OpenItem]:
    return sorted(items, key=lambda item: (item.due_date, item.installment_id))


def find_combinations(
    items: list[OpenItem], amount: Decimal, *, fee_tolerance: Decimal
) -> CombinationSearch:
    """Sets of open items whose total equals `amount` (exact), or exceeds it by at most
    `fee_tolerance` (short-paid by bank charges). Oldest items first; a run of the oldest items
    (what most payers pay) is tried before the bounded search."""
    ordered = oldest_first(items)
    target = cents(amount)
    tolerance = cents(fee_tolerance)
    exact: list[tuple[int, ...]] = []
    with_fee: list[tuple[int, ...]] = []

    def record(indexes: tuple[int, ...], total: int) -> None:
        bucket = exact if total == target else with_fee
        if indexes not in bucket and len(bucket) < MAX_SOLUTIONS:
            bucket.append(indexes)

    running = 0
    for position, item in enumerate(ordered[:MAX_COMBINATION_SIZE]):
        running += cents(item.open_amount)
        if target <= running <= target + tolerance:
            record(tuple(range(position + 1)), running)
        if running > target + tolerance:
            break

    pool = ordered[:MAX_ITEMS_COMBINED]
    values = [cents(item.open_amount) for item in pool]
    # remaining[i]: the most that items i.. can still add (bounded by the size limit below).
    remaining = [0] * (len(values) + 1)
    for index in range(len(values) - 1, -1, -1):
        remaining[index] = remaining[index + 1] + values[index]
    nodes = 0
    complete = True
    stack: list[tuple[int, int, tuple[int, ...]]] = [(0, 0, ())]
    while stack:
        start, total, chosen = stack.pop()
        nodes += 1
        if nodes > NODE_BUDGET:
            complete = False
            break
        if chosen and target <= total <= target + tolerance:
            record(chosen, total)
            if len(exact) >= MAX_SOLUTIONS:
                break
        if len(chosen) == MAX_COMBINATION_SIZE or total + remaining[start] < target:
            continue
        # Pushed in reverse so that older items are explored first.
        for index in range(len(values) - 1, start - 1, -1):
            if total + values[index] <= target + tolerance:
                stack.append((index + 1, total + values[index], (*chosen, index)))
    complete = complete and len(ordered) <= MAX_ITEMS_COMBINED

    def build(indexes: tuple[int, ...]) -> Combination:
        chosen_items = tuple(ordered[index] for index in indexes)
        total = sum((item.open_amount for item in chosen_items), Decimal("0.00"))
        return Combination(items=chosen_items, fee=total - amount)

    return CombinationSearch(
        exact=[build(indexes) for indexes in exact],
        with_fee=sorted(
            (build(indexes) for indexes in with_fee), key=lambda combination: combination.fee
        ),
        complete=complete,
    )


def allocate_oldest_first(items: list[OpenItem], amount: Decimal) -> list[tuple[OpenItem, Decimal]]:
    """Spread `amount` over `items`, oldest first: each is paid in full until the money runs
    out; the last one paid may be paid in part. What is left over stays unapplied credit."""
    allocations = []
    left = amount
    for item in oldest_first(items):
        if left <= 0:
            break
        part = min(item.open_amount, left)
        allocations.append((item, part))
        left -= part
    return allocations
