"""Bank statement files → ParsedStatement: format detection and one parser per format.

`parse_statement` is the one entry point; it never touches the database.
"""

import re

from django.utils.translation import gettext as _

from reconciliation.models import StatementFormat
from reconciliation.parsers.base import ParsedLine, ParsedStatement, StatementParseError
from reconciliation.parsers.camt053 import parse_camt053
from reconciliation.parsers.mt940 import parse_mt940
from reconciliation.parsers.ofx import parse_ofx
from reconciliation.parsers.tabular import XLS_MAGIC, XLSX_MAGIC, parse_csv, parse_excel

__all__ = [
    "ParsedLine",
    "ParsedStatement",
    "StatementParseError",
    "detect_format",
    "parse_statement",
]

_MT940_START = re.compile(r"^\s*(\{1:|:20:)", re.M)


def _head(content: bytes) -> str:
    head = content[:4096]
    for encoding in ("utf-8", "gb18030", "latin-1"):
        try:
            return head.decode(encoding)
        except UnicodeDecodeError:
            continue
    return ""  # pragma: no cover - latin-1 decodes any bytes


def detect_format(file_name: str, content: bytes) -> str:
    """The StatementFormat of a file, judged by its content (a bank's .txt may be MT940, its
    .xls an Excel 97 workbook): Excel magic numbers, OFX and CAMT.053 markers, MT940 tags,
    otherwise CSV."""
    if content.startswith((XLSX_MAGIC, XLS_MAGIC)):
        return StatementFormat.XLSX
    head = _head(content.lstrip(b"\xef\xbb\xbf \t\r\n"))
    upper = head.upper()
    if "OFXHEADER" in upper or "<OFX>" in upper:
        return StatementFormat.OFX
    if "<DOCUMENT" in upper and ("CAMT.053" in upper or "BKTOCSTMRSTMT" in upper):
        return StatementFormat.CAMT053
    if (_MT940_START.search(head) and ":61:" in head) or head.lstrip().startswith("{1:"):
        return StatementFormat.MT940
    if file_name.lower().endswith((".sta", ".mt940", ".940")) and ":20:" in head:
        return StatementFormat.MT940
    return StatementFormat.CSV


def parse_statement(
    content: bytes, *, file_name: str, format: str = "auto", mapping=None
) -> ParsedStatement:
    """Parse a bank file. `format` "auto" detects it; `mapping` (a ColumnMapping) overrides the
    built-in column names of CSV/Excel exports. Raises StatementParseError naming the line and
    field at fault."""
    if format == "auto":
        format = detect_format(file_name, content)
    if format not in StatementFormat.values:
        raise StatementParseError(
            _("unknown format %(format)r.") % {"format": format}, field=_("format")
        )
    if not content.strip():
        raise StatementParseError(_("the file is empty."))
    if format == StatementFormat.CSV:
        if b"\x00" in content[:4096] and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise StatementParseError(
                _("not a bank statement in a known format (CSV, Excel, MT940, CAMT.053, OFX)."),
                field=_("format"),
            )
        statement = parse_csv(content, mapping=mapping)
    elif format == StatementFormat.XLSX:
        statement = parse_excel(content, mapping=mapping)
    elif format == StatementFormat.MT940:
        statement = parse_mt940(content)
    elif format == StatementFormat.CAMT053:
        statement = parse_camt053(content)
    else:
        statement = parse_ofx(content)
    if statement.lines:
        days = [line.booked_on for line in statement.lines]
        statement.period_start = statement.period_start or min(days)
        statement.period_end = statement.period_end or max(days)
    statement.format = format
    return statement
