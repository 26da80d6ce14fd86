"""OFX bank statements (OFX 1.x SGML and 2.x XML), read with ofxtools.

ofxtools parses the markup with its own regular expressions (no XML entities are expanded) and
validates every element (convert()). Dates are read from the markup as the bank wrote them:
ofxtools converts them to UTC, which would move a transfer booked at 05:30 Hong Kong time to
the previous day. TRNAMT's sign gives the direction; FITID, the bank's transaction id, is the
reference.
"""

import io
import re
from datetime import date, time

from django.utils.translation import gettext as _
from ofxtools.header import OFXHeaderError
from ofxtools.Parser import OFXTree, ParseError

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

_OFX_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?")


def _local_moment(text: str | None, *, line: int, field: str) -> tuple[date, time | None]:
    """YYYYMMDD[HHMMSS[.XXX][[±h:TZ]]] as written, in the bank's own time zone."""
    match = _OFX_DATE.match((text or "").strip())
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
        moment = time(int(match[4]), int(match[5]), int(match[6] or 0)) if match[4] else None
    except (TypeError, ValueError):
        raise StatementParseError(
            _("%(value)r is not a date.") % {"value": text}, line=line, field=field
        ) from None
    return day, (moment if moment != time(0) else None)


def _line_numbers(text: str, tag: str) -> list[int]:
    return [text.count("\n", 0, match.start()) + 1 for match in re.finditer(f"<{tag}>", text)]


def parse_ofx(content: bytes) -> ParsedStatement:
    """Every bank statement (STMTRS) of an OFX response; credit-card statements are read the
    same way."""
    text = content.decode("utf-8", errors="replace")
    tree = OFXTree()
    try:
        tree.parse(io.BytesIO(content))
    except (OFXHeaderError, ParseError, ValueError) as exc:
        raise StatementParseError(
            _("not a readable OFX file (%(error)s).") % {"error": exc}, field="OFX"
        ) from exc
    raw_transactions = tree.getroot().findall(".//STMTTRN")
    line_numbers = _line_numbers(text, "STMTTRN")
    try:
        ofx = tree.convert()
    except Exception as exc:  # ofxtools raises ValueError, TypeError, KeyError on bad content
        raise StatementParseError(
            _("the OFX content is not valid (%(error)s).") % {"error": exc}, field="OFX"
        ) from exc
    parsed = ParsedStatement()
    index = 0
    for statement in ofx.statements:
        account = statement.account
        if parsed.account_number and parsed.account_number != account.acctid:
            raise StatementParseError(_("statements of two accounts in one file."), field="ACCTID")
        parsed.account_number = account.acctid
        parsed.currency = normalize_currency(statement.curdef, field="CURDEF")
        for tag, attribute in (("DTSTART", "period_start"), ("DTEND", "period_end")):
            value = tree.getroot().findtext(f".//BANKTRANLIST/{tag}")
            if value and getattr(parsed, attribute) is None:
                setattr(parsed, attribute, _local_moment(value, line=0, field=tag)[0])
        if statement.ledgerbal is not None:
            parsed.closing_balance = money(statement.ledgerbal.balamt, parsed.currency)
        transactions = statement.banktranlist or []
        for transaction in transactions:
            raw = raw_transactions[index]
            line = line_numbers[index] if index < len(line_numbers) else 0
            index += 1
            if not transaction.trnamt:
                continue  # a zero-amount notice, not a movement
            booked_on, booked_at = _local_moment(
                raw.findtext("DTPOSTED"), line=line, field="DTPOSTED"
            )
            currency = parsed.currency
            if getattr(transaction, "currency", None) is not None:
                currency = normalize_currency(
                    transaction.currency.cursym, line=line, field="CURSYM"
                )
            # ofxtools aggregates are falsy when empty of list items: compare with None.
            counterparty = transaction.bankacctto
            if counterparty is None:
                counterparty = transaction.ccacctto
            name = transaction.name or (
                transaction.payee.name if transaction.payee is not None else ""
            )
            parsed.lines.append(
                ParsedLine(
                    booked_on=booked_on,
                    booked_at=booked_at,
                    direction=CREDIT if transaction.trnamt > 0 else DEBIT,
                    amount=money(abs(transaction.trnamt), currency),
                    currency=currency,
                    counterparty_name=clean_text(name),
                    counterparty_account=clean_text(
                        counterparty.acctid if counterparty is not None else ""
                    ),
                    remittance=clean_text(transaction.memo),
                    bank_reference=clean_text(transaction.fitid),
                    file_line=line,
                )
            )
    return parsed
