"""SWIFT MT940 customer statements, read with the mt-940 library.

The library skips a :61: it cannot read instead of failing, so every tag is first checked here
against the library's own patterns, with its line number: a file is read completely or not at
all. The payer is not part of :61:; banks put it in :86:, as keyword subfields
(/PY/ name /AC/ account /BK/ bank /RM/ remittance, or the SWIFT-style /ORDP/ /NAME/ /ACCT/
/REMI/ /EREF/) or as ?NN subfields (?20-?29 remittance, ?30 bank, ?31 account, ?32-?33 name).
Chinese banks' host-to-host files carry Chinese text in UTF-8 or GBK.
"""

import re
from datetime import date

import mt940
from django.utils.translation import gettext as _
from mt940.tags import BalanceBase, Statement

from reconciliation.parsers.base import (
    CREDIT,
    DEBIT,
    ParsedLine,
    ParsedStatement,
    StatementParseError,
    clean_text,
    money,
    normalize_currency,
)
from reconciliation.parsers.tabular import decode_text

_TAG = re.compile(r"^:(?P<tag>\d{2}[A-Z]?):(?P<value>.*)$")
# A line that looks like a tag that lost its leading colon ("61:2611…") would silently become
# part of the previous tag's text.
_BROKEN_TAG = re.compile(r"^(20|21|25|28C?|60[FM]|61|62[FM]|64|65|86):")
_STATEMENT_LINE = re.compile(Statement.pattern, Statement.RE_FLAGS)
_BALANCE = re.compile(BalanceBase.pattern, BalanceBase.RE_FLAGS)
_SWIFT_AMOUNT = re.compile(r"^\d{1,14},\d{0,3}$")

_NAME_KEYS = {"PY", "NAME", "ORDP", "PAYR", "BENM", "付款人"}
_ACCOUNT_KEYS = {"AC", "ACCT", "ACC", "IBAN", "付款账号"}
_BANK_KEYS = {"BK", "BANK", "ORDB", "BIC", "付款行"}
_REMITTANCE_KEYS = {"RM", "REMI", "USTD", "PURP", "附言", "用途"}
_REFERENCE_KEYS = {"EREF", "REF", "TRN"}
_KEYWORD = re.compile(
    r"/("
    + "|".join(sorted(_NAME_KEYS | _ACCOUNT_KEYS | _BANK_KEYS | _REMITTANCE_KEYS | _REFERENCE_KEYS))
    + r")/"
)
_QUESTION_FIELD = re.compile(r"\?(\d{2})")


def _tags(text: str) -> list[tuple[int, str, str]]:
    """(line number, tag, value) for every tag; continuation lines joined with newlines."""
    tags: list[list] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        match = _TAG.match(line)
        if match:
            tags.append([number, match["tag"], match["value"]])
        elif line.startswith(("{", "-}")) or not line:
            continue
        elif tags:
            if _BROKEN_TAG.match(line):
                raise StatementParseError(
                    _("%(text)r is not a valid MT940 tag.") % {"text": line[:20]}, line=number
                )
            tags[-1][2] += "\n" + line
    return [tuple(tag) for tag in tags]


def _check_date(yymmdd: str, *, line: int, field: str) -> None:
    try:
        date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError:
        raise StatementParseError(
            _("%(value)r is not a date (YYMMDD).") % {"value": yymmdd}, line=line, field=field
        ) from None


def _check_tags(tags) -> list[int]:
    """Validate what the library would skip; returns the line numbers of the :61: tags."""
    statement_lines = []
    if not any(tag == "20" for _line, tag, _value in tags):
        raise StatementParseError(_("no :20: tag: not an MT940 statement."), field="tag 20")
    for number, tag, value in tags:
        field = f"tag {tag}"
        if tag == "61":
            match = _STATEMENT_LINE.match(value)
            if not match:
                raise StatementParseError(
                    _("%(value)r is not a statement line (:61:).") % {"value": value[:40]},
                    line=number,
                    field=field,
                )
            _check_date(match["year"] + match["month"] + match["day"], line=number, field=field)
            if not _SWIFT_AMOUNT.match(match["amount"]):
                raise StatementParseError(
                    _("%(value)r is not an amount.") % {"value": match["amount"]},
                    line=number,
                    field=field,
                )
            statement_lines.append(number)
        elif tag in ("60F", "60M", "62F", "62M", "64"):
            match = _BALANCE.match(value)
            if not match or not _SWIFT_AMOUNT.match(match["amount"]):
                raise StatementParseError(
                    _("%(value)r is not a balance.") % {"value": value[:40]},
                    line=number,
                    field=field,
                )
            _check_date(match["year"] + match["month"] + match["day"], line=number, field=field)
            normalize_currency(match["currency"], line=number, field=field)
    if not statement_lines and not any(tag in ("60F", "62F") for _n, tag, _v in tags):
        raise StatementParseError(_("no balances and no transactions."), field="tag 61")
    return statement_lines


def _subfields(details: str) -> dict[str, str]:
    """Counterparty and remittance from :86:, whichever layout the bank uses."""
    text = details.replace("\r", "").replace("\n", "")
    found = {"name": "", "account": "", "bank": "", "remittance": "", "reference": ""}
    if re.match(r"^\s*(\d{3})?\?\d{2}", text):
        parts = _QUESTION_FIELD.split(text)
        remittance, name = [], []
        for code, value in zip(parts[1::2], parts[2::2], strict=True):
            number = int(code)
            if 20 <= number <= 29 or 60 <= number <= 63:
                remittance.append(value)
            elif number == 30:
                found["bank"] = value
            elif number == 31:
                found["account"] = value
            elif number in (32, 33):
                name.append(value)
        found["remittance"], found["name"] = "".join(remittance), "".join(name)
    elif _KEYWORD.search(text) and text.lstrip().startswith("/"):
        parts = _KEYWORD.split(text.strip())
        for key, value in zip(parts[1::2], parts[2::2], strict=True):
            value = value.strip().strip("/")
            if key in _NAME_KEYS:
                found["name"] = found["name"] or value
            elif key in _ACCOUNT_KEYS:
                found["account"] = found["account"] or value
            elif key in _BANK_KEYS:
                found["bank"] = found["bank"] or value
            elif key in _REFERENCE_KEYS:
                found["reference"] = found["reference"] or value
            else:
                found["remittance"] = " ".join(filter(None, [found["remittance"], value]))
    else:
        found["remittance"] = text
    return {key: clean_text(value) for key, value in found.items()}


def _reference(data: dict, details: dict) -> str:
    """The bank's own reference (after //) unless it is NONREF, else the customer reference,
    else an end-to-end reference from :86:."""
    for candidate in (data.get("bank_reference"), data.get("customer_reference")):
        candidate = clean_text(candidate)
        if candidate and candidate.upper() != "NONREF":
            return candidate
    return details["reference"]


def _as_date(value) -> date | None:
    return date(value.year, value.month, value.day) if value else None


def parse_mt940(content: bytes) -> ParsedStatement:
    """Every statement block of an MT940 file, as one statement: opening balance of the first
    block, closing balance of the last."""
    text = decode_text(content)
    tags = _tags(text)
    line_numbers = _check_tags(tags)
    try:
        blocks = mt940.parse_statements(text, options=mt940.Options.all())
    except (ValueError, RuntimeError) as exc:
        raise StatementParseError(str(exc)) from exc
    transactions = [transaction for block in blocks for transaction in block]
    if len(transactions) != len(line_numbers):  # pragma: no cover - _check_tags covers this
        raise StatementParseError(_("a statement line could not be read."), field="tag 61")
    statement = ParsedStatement()
    first, last = (blocks[0].data, blocks[-1].data) if blocks else ({}, {})
    statement.account_number = clean_text(first.get("account_identification")) or None
    opening = first.get("final_opening_balance") or first.get("intermediate_opening_balance")
    closing = last.get("final_closing_balance") or last.get("intermediate_closing_balance")
    # The period is the span of the lines: :60F: is dated the previous statement's last day.
    if opening is not None:
        statement.currency = normalize_currency(opening.amount.currency, field="tag 60F")
        statement.opening_balance = money(opening.amount.amount, statement.currency)
    if closing is not None:
        statement.closing_balance = money(closing.amount.amount, statement.currency)
    for number, transaction in zip(line_numbers, transactions, strict=True):
        data = transaction.data
        if not data["amount"].amount:
            continue  # a 0,00 line (a notice, not a movement)
        details = _subfields(data.get("transaction_details") or "")
        currency = normalize_currency(data["currency"], line=number, field="tag 61")
        # C and RD (reversal of a debit) bring money in; D and RC take it out.
        direction = CREDIT if data["status"].upper() in ("C", "RD") else DEBIT
        value_date = _as_date(data["date"])
        statement.lines.append(
            ParsedLine(
                booked_on=_as_date(data.get("entry_date")) or value_date,
                value_date=value_date,
                direction=direction,
                amount=money(abs(data["amount"].amount), currency),
                currency=currency,
                counterparty_name=details["name"],
                counterparty_account=details["account"].replace(" ", ""),
                counterparty_bank=details["bank"],
                remittance=details["remittance"],
                bank_reference=_reference(data, details),
                file_line=number,
            )
        )
    return statement
