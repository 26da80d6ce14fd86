"""Document numbers a payer wrote in the remittance text (附言/用途/摘要): our invoice numbers,
contract numbers and customer codes, however they were typed.

Payers drop or change our prefixes ("发票号2026000123", "inv 2026-000123"), type full-width
characters, insert spaces and list several numbers in one text (、,;/ between them). What is
found here is only a candidate: the engine counts it as evidence when it names a document that
exists and is open.
"""

import re
import unicodedata
from dataclasses import dataclass, field

# Our invoice numbers: INV-<year>-<six-digit sequence> (receivables.services.next_document_number).
INVOICE_PREFIX = "INV"
_SEQUENCE_DIGITS = 6

# A run of letters and digits, possibly broken by single separators that people type inside a
# number ("INV - 2026 - 000123", "2026.000123"); list separators (、,;/) and CJK text end it.
_TOKEN = re.compile(r"[A-Z0-9]+(?:\s*[-_.:#]\s*[A-Z0-9]+|(?<=[A-Z])\s+[0-9]+)*")
# "2026 000123": a year and a sequence split by a space are one number; other digit groups
# separated by spaces are a list ("2026000123 2026000124").
_YEAR_SPACE_SEQUENCE = re.compile(r"(?<![0-9])(20[0-9]{2})\s+([0-9]{1,6})(?![0-9])")
_LETTERS_THEN_DIGITS = re.compile(r"^([A-Z]*)([0-9]+)$")
# Words right before a number that say it is an invoice number (发票号: 2026000123).
_INVOICE_WORDS = re.compile(r"(发票|票号|INVOICE|INV)\s*(号码|号)?\s*(NO)?\s*[.:：#]?\s*$")


def fold(text: str) -> str:
    """Full-width to ASCII (NFKC), upper case."""
    return unicodedata.normalize("NFKC", text or "").upper()


def compact(text: str) -> str:
    """Letters and digits only, upper case: how document numbers are compared."""
    return re.sub(r"[^0-9A-Z]", "", fold(text))


def invoice_number(year: int, sequence: int) -> str:
    return f"{INVOICE_PREFIX}-{year}-{sequence:0{_SEQUENCE_DIGITS}d}"


@dataclass(frozen=True)
class Token:
    """A number-like run of the text, compacted, with whether invoice words preceded it."""

    text: str
    after_invoice_word: bool


@dataclass
class References:
    # Canonical invoice numbers (INV-2026-000123) the text names.
    invoice_numbers: list[str] = field(default_factory=list)
    # Every compacted token, for contract numbers and customer codes (looked up by the engine).
    tokens: list[str] = field(default_factory=list)


def tokens(text: str) -> list[Token]:
    """The text's number-like runs, compacted ("INV - 2026-000123" → "INV2026000123")."""
    folded = _YEAR_SPACE_SEQUENCE.sub(r"\1-\2", fold(text))
    found = []
    for match in _TOKEN.finditer(folded):
        raw = compact(match.group())
        if not raw or not any(char.isdigit() for char in raw):
            continue
        before = folded[max(0, match.start() - 12) : match.start()]
        found.append(Token(raw, bool(_INVOICE_WORDS.search(before))))
    return found


def _invoice_from_token(token: Token, previous_year: int | None) -> tuple[str | None, int | None]:
    """The invoice number a token spells, and the year to lend to a following bare sequence
    ("INV-2026-000123/000124": the second means INV-2026-000124)."""
    match = _LETTERS_THEN_DIGITS.match(token.text)
    if not match:
        return None, None
    letters, digits = match.groups()
    prefixed = letters == INVOICE_PREFIX or token.after_invoice_word
    if letters and letters != INVOICE_PREFIX:
        return None, None
    year = int(digits[:4]) if len(digits) >= 5 else None
    if year is not None and 2000 <= year <= 2099:
        sequence = digits[4:]
        # Without a prefix only the full form counts: a bare 8-digit run is as likely a date
        # (20261103) or part of an account number as an invoice.
        if len(sequence) == _SEQUENCE_DIGITS or (prefixed and len(sequence) <= _SEQUENCE_DIGITS):
            if int(sequence) > 0:
                return invoice_number(year, int(sequence)), year
    if previous_year is not None and len(digits) == _SEQUENCE_DIGITS and not letters:
        if int(digits) > 0:
            return invoice_number(previous_year, int(digits)), previous_year
    return None, None


def extract_references(text: str) -> References:
    """Invoice numbers and number-like tokens in a remittance text."""
    found = References()
    previous_year = None
    for token in tokens(text):
        found.tokens.append(token.text)
        number, year = _invoice_from_token(token, previous_year)
        previous_year = year
        if number and number not in found.invoice_numbers:
            found.invoice_numbers.append(number)
    return found


def document_keys(number: str) -> list[str]:
    """The compacted forms under which a contract number may appear in a text: as written, and
    without its letter prefix when the digits alone are distinctive (HT202500001201 is also
    typed 合同202500001201)."""
    key = compact(number)
    keys = [key] if key else []
    match = _LETTERS_THEN_DIGITS.match(key)
    if match and match.group(1) and len(match.group(2)) >= 8:
        keys.append(match.group(2))
    return keys


def near_misses(number: str, candidates: set[str]) -> list[str]:
    """Invoice numbers among `candidates` one typing slip away from `number`: a digit changed,
    two neighbours swapped. Only the six-digit sequence is compared (the year is rarely
    mistyped, and a wrong year would make any sequence look near)."""
    head, _, sequence = number.rpartition("-")
    hits = []
    for candidate in candidates:
        other_head, _, other = candidate.rpartition("-")
        if other_head != head or other == sequence or len(other) != len(sequence):
            continue
        pairs = enumerate(zip(sequence, other, strict=True))
        differences = [index for index, (typed, actual) in pairs if typed != actual]
        if len(differences) == 1:
            hits.append(candidate)
        elif (
            len(differences) == 2
            and differences[1] == differences[0] + 1
            and sequence[differences[0]] == other[differences[1]]
            and sequence[differences[1]] == other[differences[0]]
        ):
            hits.append(candidate)
    return sorted(hits)
