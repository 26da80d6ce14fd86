"""ISO 20022 CAMT.053 bank-to-customer statements, versions .001.02 to .001.08.

Read with defusedxml (an uploaded file is untrusted: no entities, no external references) and
without regard to the namespace, since the versions differ in it more than in the elements we
use. An entry (Ntry) with several transactions (batched: NtryDtls/TxDtls, each with its own
amount) becomes one line per transaction; only booked entries count (pending ones may still
change). Versions from .001.03 on wrap party names in Pty (Dbtr/Pty/Nm); both are read.
"""

import xml.etree.ElementTree as ElementTree
from datetime import date, datetime, time

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from django.utils.translation import gettext as _

from reconciliation.parsers.base import (
    CREDIT,
    DEBIT,
    ParsedLine,
    ParsedStatement,
    StatementParseError,
    clean_text,
    money,
    normalize_currency,
    parse_amount,
)


class _Tree:
    """The document with namespaces dropped from tags and each element's line number kept."""

    def __init__(self, content: bytes):
        self.lines: dict[ElementTree.Element, int] = {}
        tree = self

        class Builder(ElementTree.TreeBuilder):
            def start(self, tag, attrs):
                element = super().start(tag.rsplit("}", 1)[-1], attrs)
                tree.lines[element] = parser.parser.CurrentLineNumber
                return element

        parser = DefusedXMLParser(target=Builder())
        try:
            parser.feed(content)
            self.root = parser.close()
        except ElementTree.ParseError as exc:
            raise StatementParseError(
                _("not well-formed XML (%(error)s).") % {"error": exc}, line=exc.position[0]
            ) from exc
        except DefusedXmlException as exc:
            raise StatementParseError(
                _("the XML declares entities or external references, which are refused.")
            ) from exc

    def line(self, element) -> int:
        return self.lines.get(element, 0)


def _find(element, path: str):
    """The first element along a path where each step may list alternatives: "Id/IBAN|Othr"."""
    current = [element]
    for step in path.split("/"):
        found = []
        for node in current:
            for name in step.split("|"):
                found.extend(node.findall(name))
        if not found:
            return None
        current = found
    return current[0]


def _text(element, path: str) -> str:
    found = _find(element, path)
    return clean_text(found.text) if found is not None and found.text else ""


def _date(element, path: str, tree: _Tree, *, required=False) -> date | None:
    found = _find(element, path)
    node = None if found is None else _find(found, "Dt|DtTm")
    if node is None or not (node.text or "").strip():
        if required:
            raise StatementParseError(
                _("no date."), line=tree.line(found if found is not None else element), field=path
            )
        return None
    text = node.text.strip()
    try:
        return datetime.fromisoformat(text[:10]).date()
    except ValueError:
        raise StatementParseError(
            _("%(value)r is not a date.") % {"value": text}, line=tree.line(node), field=path
        ) from None


def _booked_time(element, path: str) -> time | None:
    node = _find(element, f"{path}/DtTm")
    if node is None or not node.text:
        return None
    try:
        moment = datetime.fromisoformat(node.text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.time().replace(tzinfo=None, microsecond=0)


def _amount(element, path: str, tree: _Tree):
    """(amount, currency) of an Amt element, or None when there is none."""
    node = _find(element, path)
    if node is None:
        return None
    where = {"line": tree.line(node), "field": path}
    currency = normalize_currency(node.get("Ccy", ""), **where)
    amount = parse_amount((node.text or "").strip(), **where)
    if amount < 0:
        raise StatementParseError(_("a negative amount."), **where)
    return money(amount, currency), currency


def _direction(element, tree: _Tree, *, reversal=False) -> str:
    indicator = _text(element, "CdtDbtInd")
    node = _find(element, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise StatementParseError(
            _("%(value)r is neither CRDT nor DBIT.") % {"value": indicator},
            line=tree.line(node if node is not None else element),
            field="CdtDbtInd",
        )
    # A reversal (RvslInd true) of a debit brings money back in, and vice versa.
    credit = (indicator == "CRDT") != reversal
    return CREDIT if credit else DEBIT


def _party(details, role: str) -> tuple[str, str]:
    """(name, account) of the debtor (Dbtr) or creditor (Cdtr) of a transaction."""
    parties = _find(details, "RltdPties")
    if parties is None:
        return "", ""
    name = _text(parties, f"{role}/Pty/Nm") or _text(parties, f"{role}/Nm")
    if not name:
        name = _text(parties, f"Ultmt{role}/Pty/Nm") or _text(parties, f"Ultmt{role}/Nm")
    account = _text(parties, f"{role}Acct/Id/IBAN") or _text(parties, f"{role}Acct/Id/Othr/Id")
    return name, account


def _remittance(details, entry) -> str:
    parts = []
    info = _find(details, "RmtInf") if details is not None else None
    if info is not None:
        parts += [clean_text(node.text) for node in info.findall("Ustrd") if node.text]
        for structured in info.findall("Strd"):
            reference = _text(structured, "CdtrRefInf/Ref")
            parts += [reference] if reference else []
            parts += [
                clean_text(node.text) for node in structured.findall("AddtlRmtInf") if node.text
            ]
            parts += [
                clean_text(node.text) for node in structured.findall("RfrdDocInf/Nb") if node.text
            ]
    if details is not None and not parts:
        parts.append(_text(details, "AddtlTxInf"))
    if not any(parts):
        parts.append(_text(entry, "AddtlNtryInf"))
    return " ".join(part for part in parts if part)


def _reference(details, entry) -> str:
    for element, path in (
        (details, "Refs/AcctSvcrRef"),
        (entry, "AcctSvcrRef"),
        (details, "Refs/TxId"),
        (details, "Refs/EndToEndId"),
    ):
        if element is not None and (value := _text(element, path)):
            if value.upper() != "NOTPROVIDED":
                return value
    return ""


def _entry_lines(entry, tree: _Tree) -> list[ParsedLine]:
    status = _text(entry, "Sts/Cd") or _text(entry, "Sts")
    if status and status != "BOOK":
        return []
    entry_amount = _amount(entry, "Amt", tree)
    if entry_amount is None:
        raise StatementParseError(_("no amount."), line=tree.line(entry), field="Ntry/Amt")
    reversal = _text(entry, "RvslInd").lower() == "true"
    direction = _direction(entry, tree, reversal=reversal)
    booked_on = _date(entry, "BookgDt", tree) or _date(entry, "ValDt", tree, required=True)
    common = {
        "booked_on": booked_on,
        "booked_at": _booked_time(entry, "BookgDt"),
        "value_date": _date(entry, "ValDt", tree),
        "direction": direction,
    }
    transactions = entry.findall("NtryDtls/TxDtls")
    if len(transactions) <= 1:
        details = transactions[0] if transactions else None
        return [_line(entry, details, entry_amount, common, tree)]
    lines = []
    for details in transactions:
        # Batched entry: each transaction has its own amount (.02: AmtDtls/TxAmt/Amt).
        amount = _amount(details, "Amt", tree) or _amount(details, "AmtDtls/TxAmt/Amt", tree)
        if amount is None:
            raise StatementParseError(
                _("a batched entry's transaction has no amount."),
                line=tree.line(details),
                field="TxDtls/Amt",
            )
        lines.append(_line(entry, details, amount, common, tree))
    return lines


def _line(entry, details, amount_and_currency, common, tree: _Tree) -> ParsedLine:
    amount, currency = amount_and_currency
    # The counterparty of money in is the debtor (payer); of money out, the creditor.
    role = "Dbtr" if common["direction"] == CREDIT else "Cdtr"
    name, account = _party(details, role) if details is not None else ("", "")
    bank = ""
    if details is not None:
        agent = f"RltdAgts/{role}Agt/FinInstnId"
        bank = _text(details, f"{agent}/Nm") or _text(details, f"{agent}/BICFI|BIC")
    return ParsedLine(
        **common,
        amount=amount,
        currency=currency,
        counterparty_name=name,
        counterparty_account=account.replace(" ", ""),
        counterparty_bank=bank,
        remittance=_remittance(details, entry),
        bank_reference=_reference(details, entry),
        file_line=tree.line(details if details is not None else entry),
    )


def _balance(statement, code: str, tree: _Tree):
    for balance in statement.findall("Bal"):
        if _text(balance, "Tp/CdOrPrtry/Cd") == code:
            amount, currency = _amount(balance, "Amt", tree)
            sign = -1 if _text(balance, "CdtDbtInd") == "DBIT" else 1
            return sign * amount, currency
    return None


def parse_camt053(content: bytes) -> ParsedStatement:
    """All statements (Stmt) of a BkToCstmrStmt document; they must be of one account."""
    tree = _Tree(content)
    root = tree.root
    if root.tag != "Document" or root.find("BkToCstmrStmt") is None:
        raise StatementParseError(
            _("not a CAMT.053 statement (no Document/BkToCstmrStmt)."), line=1, field="Document"
        )
    statements = root.findall("BkToCstmrStmt/Stmt")
    parsed = ParsedStatement()
    for statement in statements:
        number = _text(statement, "Acct/Id/IBAN") or _text(statement, "Acct/Id/Othr/Id")
        if parsed.account_number and number and number != parsed.account_number:
            raise StatementParseError(
                _("statements of two accounts in one file."),
                line=tree.line(statement),
                field="Stmt/Acct/Id",
            )
        parsed.account_number = parsed.account_number or number or None
        currency = _text(statement, "Acct/Ccy")
        if currency:
            parsed.currency = normalize_currency(
                currency, line=tree.line(statement), field="Acct/Ccy"
            )
        opening = _balance(statement, "OPBD", tree) or _balance(statement, "PRCD", tree)
        closing = _balance(statement, "CLBD", tree)
        if opening is not None and parsed.opening_balance is None:
            parsed.opening_balance = opening[0]
            parsed.currency = parsed.currency or opening[1]
        if closing is not None:
            parsed.closing_balance = closing[0]
        start = _text(statement, "FrToDt/FrDtTm")
        end = _text(statement, "FrToDt/ToDtTm")
        if start and parsed.period_start is None:
            parsed.period_start = _iso_date(start, tree, statement)
        if end:
            parsed.period_end = _iso_date(end, tree, statement)
        for entry in statement.findall("Ntry"):
            parsed.lines.extend(_entry_lines(entry, tree))
    return parsed


def _iso_date(text: str, tree: _Tree, statement) -> date:
    try:
        return datetime.fromisoformat(text[:10]).date()
    except ValueError:
        raise StatementParseError(
            _("%(value)r is not a date.") % {"value": text},
            line=tree.line(statement),
            field="FrToDt",
        ) from None
