"""Who a payer is: learned payer links (account number, name) and the customers' own names.

Built once per engine run from rows loaded in bulk, then asked once per line. Exact lookups are
dictionaries; the fuzzy comparison (rapidfuzz) runs only on names no exact lookup explains, and
only against the few customers that share enough character bigrams with the payer's name, so
that 50,000 customers do not mean 50,000 comparisons per line.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz

from reconciliation.matching.names import account_key, name_key

# Below this similarity (0-100) two names are different companies: "上海华润机械" and
# "上海华泰机械" already score about 83.
FUZZY_MIN_SCORE = 85
# A bigram shared by more names than this ("上海", "科技") says nothing about who it is.
COMMON_BIGRAM_POSTINGS = 2_000
FUZZY_CANDIDATES = 30
# Banks cut long account names (e.g. at 20 characters); a payer key that is the start of a
# customer's key and at least this long is that customer, cut.
TRUNCATED_MIN_LENGTH = 8


@dataclass(frozen=True)
class CustomerName:
    customer_id: int
    code: str
    legal_name: str
    short_name: str


@dataclass(frozen=True)
class PayerLinkRow:
    customer_id: int
    account_number: str
    name_key: str
    times_confirmed: int


@dataclass(frozen=True)
class PayerMatch:
    """One reason to think a payer is a customer."""

    customer_id: int
    kind: str  # payer_account, payer_name_link, name_exact, short_name_exact, name_similar
    detail: str
    # How many customers this same reason points to (1: unambiguous).
    shared_by: int = 1
    similarity: int = 100


def _bigrams(key: str) -> set[str]:
    return {key[index : index + 2] for index in range(len(key) - 1)} or ({key} if key else set())


class PayerDirectory:
    """Payer links and customer names, indexed for lookup by account number and name."""

    def __init__(self, *, customers: list[CustomerName], links: list[PayerLinkRow]):
        self.customers = {customer.customer_id: customer for customer in customers}
        self.by_code = {customer.code.upper(): customer.customer_id for customer in customers}
        self.by_link_account: dict[str, set[int]] = defaultdict(set)
        self.by_link_name: dict[str, set[int]] = defaultdict(set)
        for link in links:
            if link.account_number:
                self.by_link_account[link.account_number].add(link.customer_id)
            if link.name_key:
                self.by_link_name[link.name_key].add(link.customer_id)
        self.by_legal_key: dict[str, set[int]] = defaultdict(set)
        self.by_short_key: dict[str, set[int]] = defaultdict(set)
        self.legal_keys: dict[int, str] = {}
        self.postings: dict[str, list[int]] = defaultdict(list)
        for customer in customers:
            legal = name_key(customer.legal_name)
            if legal:
                self.by_legal_key[legal].add(customer.customer_id)
                self.legal_keys[customer.customer_id] = legal
                for bigram in _bigrams(legal):
                    self.postings[bigram].append(customer.customer_id)
            short = name_key(customer.short_name)
            if short and short != legal:
                self.by_short_key[short].add(customer.customer_id)

    def match(self, *, counterparty_name: str, counterparty_account: str) -> list[PayerMatch]:
        """Every reason to think this payer is one of our customers; the fuzzy name comparison
        only when neither a link nor an exact name explains it."""
        matches: list[PayerMatch] = []
        account = account_key(counterparty_account)
        key = name_key(counterparty_name)
        if account:
            linked = self.by_link_account.get(account, set())
            matches += [
                PayerMatch(customer_id, "payer_account", counterparty_account, len(linked))
                for customer_id in linked
            ]
        if key:
            for kind, index in (
                ("payer_name_link", self.by_link_name),
                ("name_exact", self.by_legal_key),
                ("short_name_exact", self.by_short_key),
            ):
                found = index.get(key, set())
                matches += [
                    PayerMatch(customer_id, kind, counterparty_name, len(found))
                    for customer_id in found
                ]
            if not matches:
                matches += self._similar(key, counterparty_name)
        return matches

    def _similar(self, key: str, counterparty_name: str) -> list[PayerMatch]:
        query = _bigrams(key)
        counts: Counter[int] = Counter()
        for bigram in query:
            posting = self.postings.get(bigram, ())
            if len(posting) <= COMMON_BIGRAM_POSTINGS:
                counts.update(posting)
        needed = max(1, len(query) // 2)
        matches = []
        for customer_id, shared in counts.most_common(FUZZY_CANDIDATES):
            if shared < needed:
                break
            legal = self.legal_keys[customer_id]
            if len(key) >= TRUNCATED_MIN_LENGTH and legal.startswith(key):
                score = 95
            else:
                score = int(fuzz.ratio(key, legal))
            if score >= FUZZY_MIN_SCORE:
                matches.append(
                    PayerMatch(customer_id, "name_similar", counterparty_name, similarity=score)
                )
        return [
            PayerMatch(match.customer_id, match.kind, match.detail, len(matches), match.similarity)
            for match in matches
        ]
