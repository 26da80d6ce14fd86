"""What every bank-file parser returns, the error it raises, and the key that tells whether a
transaction was imported before.

Parsers are pure: bytes in, a ParsedStatement out, no database. Amounts are Decimals rounded
with core.money.quantize, always positive; the direction says which way the money went.
"""

import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.money import CURRENCY_MINOR_UNITS, quantize
from reconciliation.matching.names import account_key, name_key

CREDIT = "credit"
DEBIT = "debit"


class StatementParseError(Exception):
    """A bank file that cannot be read. `line` is the line (or row, or entry) in the file and
    `field` the column, tag or element at fault, when known."""

    def __init__(self, message: str, *, line: int | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.field = field

    def __str__(self) -> str:
        if self.line is not None and self.field:
            return _("Line %(line)d, %(field)s: %(message)s") % {
                "line": self.line,
                "field": self.field,
                "message": self.message,
            }
        if self.line is not None:
            return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}
        if self.field:
            return _("%(field)s: %(message)s") % {"field": self.field, "message": self.message}
        return self.message


@dataclass(frozen=True)
class ParsedLine:
    booked_on: date
    direction: str  # CREDIT or DEBIT
    amount: Decimal  # > 0, quantized to the currency
    currency: str | None  # None: the statement's (or the account's) currency
    booked_at: time | None = None
    value_date: date | None = None
    counterparty_name: str = ""
    counterparty_account: str = ""
    counterparty_bank: str = ""
    remittance: str = ""
    bank_reference: str = ""
    file_line: int = 0


@dataclass
class ParsedStatement:
    lines: list[ParsedLine] = field(default_factory=list)
    account_number: str | None = None
    currency: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    # The StatementFormat value the file was read as.
    format: str | None = None


# Currency names as Chinese exports print them.
_CURRENCY_ALIASES = {
    "人民币": "CNY",
    "人民币元": "CNY",
    "RMB": "CNY",
    "本币": "CNY",
    "156": "CNY",
    "美元": "USD",
    "美金": "USD",
    "港币": "HKD",
    "港元": "HKD",
    "欧元": "EUR",
    "日元": "JPY",
    "英镑": "GBP",
}


def normalize_currency(value, *, line: int | None = None, field: str | None = None) -> str:
    """An ISO 4217 code the ledger knows, from a code or the Chinese name (人民币 → CNY)."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip().upper()
    code = _CURRENCY_ALIASES.get(text, text)
    if code not in CURRENCY_MINOR_UNITS:
        raise StatementParseError(
            _("unknown currency %(value)r.") % {"value": str(value)}, line=line, field=field
        )
    return code


_CURRENCY_SIGNS = re.compile(r"[¥$€£]|RMB|CNY|USD|EUR|HKD|元")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_amount(value, *, line: int | None = None, field: str | None = None) -> Decimal:
    """A signed Decimal from what banks print: 1,234.56  ¥1,234.56  (12.00)  -12  12-  and
    full-width digits; Excel numbers arrive as int/float. Not yet rounded."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise StatementParseError(_("not an amount."), line=line, field=field)
    if isinstance(value, int | float):
        # repr() of a float is the shortest string that reads back the same: 1234.56, not
        # 1234.5599999999999.
        return Decimal(repr(value))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    original = text
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    text = _CURRENCY_SIGNS.sub("", text.upper()).replace(",", "").replace(" ", "")
    if text.endswith("-"):
        negative, text = True, text[:-1]
    if not _PLAIN_NUMBER.match(text):
        raise StatementParseError(
            _("%(value)r is not an amount.") % {"value": original}, line=line, field=field
        )
    try:
        amount = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only numbers
        raise StatementParseError(
            _("%(value)r is not an amount.") % {"value": original}, line=line, field=field
        ) from None
    return -amount if negative else amount


def money(amount: Decimal, currency: str | None) -> Decimal:
    """Round to the currency's minor unit (two places when the currency is not known yet)."""
    return quantize(amount, currency or "CNY")


def clean_text(value) -> str:
    """A cell or element as one line of text: NFKC-folded spaces, no tabs or newlines, and
    Excel's ="..." text guard removed (exports use it to keep account numbers from turning
    into 6.22E+18)."""
    if value is None:
        return ""
    text = str(value).replace("\u3000", " ").replace("\t", " ").replace("\r", " ")
    text = " ".join(text.replace("\n", " ").split())
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    return text.strip().lstrip("'")


# --- dedupe keys -------------------------------------------------------------------------------

# References banks print when they have none: 0000000, ----, NONREF (MT940), N/A.
_PLACEHOLDER_REFERENCE = re.compile(r"^[\s0\-_*/.#]*$|^(NONREF|NOTPROVIDED|NONE|N/?A|NULL)$", re.I)


def _normalize_remittance(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def content_fingerprint(line: ParsedLine, currency: str) -> str:
    """What identifies a transaction when its reference does not: date, time, direction,
    amount, currency, payer account, payer name and text, normalised so that two exports of the
    same transaction (full-width or not, 有限公司 or not) agree."""
    parts = [
        line.booked_on.isoformat(),
        line.booked_at.isoformat() if line.booked_at else "",
        line.direction,
        f"{line.amount:.2f}",
        currency,
        account_key(line.counterparty_account),
        name_key(line.counterparty_name),
        _normalize_remittance(line.remittance),
    ]
    return "\x1f".join(parts)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def usable_references(lines: list[ParsedLine]) -> set[str]:
    """References that identify one transaction: not blank, not a placeholder, and printed on
    only one line of the file (some banks repeat one voucher number on every line)."""
    counts = Counter(line.bank_reference.strip() for line in lines)
    return {
        reference
        for reference, count in counts.items()
        if count == 1 and reference and not _PLACEHOLDER_REFERENCE.match(reference)
    }


@dataclass(frozen=True)
class LineKeys:
    # Stored in BankLine.dedupe_key.
    primary: str
    # The content key, also checked so that a line first imported without a usable reference
    # is still recognised when a later file gives one.
    content: str


def dedupe_keys(lines: list[ParsedLine], currency_of) -> list[LineKeys]:
    """One key per line, stable across files: the bank reference (with date, direction and
    amount, since some banks restart their numbering) when usable, else a hash of the content
    plus the occurrence number among identical lines of this file, so that two identical
    transfers on one day are both kept and re-importing them adds neither."""
    usable = usable_references(lines)
    seen: Counter = Counter()
    keys = []
    for line in lines:
        currency = currency_of(line)
        fingerprint = content_fingerprint(line, currency)
        seen[fingerprint] += 1
        content = "h:" + _sha(f"{fingerprint}\x1f{seen[fingerprint]}")
        reference = line.bank_reference.strip()
        if reference in usable:
            ref_parts = [
                reference,
                line.booked_on.isoformat(),
                line.direction,
                f"{line.amount:.2f}",
            ]
            primary = "r:" + _sha("\x1f".join(ref_parts))
        else:
            primary = content
        keys.append(LineKeys(primary=primary, content=content))
    return keys
