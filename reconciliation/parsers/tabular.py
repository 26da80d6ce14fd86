"""CSV, XLSX and old-format XLS exports from corporate online banking.

Chinese exports put title rows above the table (户名, 账号, 起止日期 …), name their columns in
many ways, give money either as two columns (贷方发生额 / 借方发生额) or as one amount with a
借/贷 flag, and end with footer rows (合计, 本页小计). The header row is found by its column
names: the built-in synonyms below, overridden by the account's ColumnMapping.
"""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

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

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# The header row must be among the first rows; title blocks are a few lines long.
HEADER_SEARCH_ROWS = 40

# Field → header names, most specific first: when a file has two columns for one field (流水号
# and 凭证号), the earlier synonym wins.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "booked_on": (
        "交易日期",
        "记账日期",
        "入账日期",
        "交易日",
        "记账日",
        "日期",
        "booking date",
        "transaction date",
        "posting date",
        "date",
    ),
    "booked_at": ("交易时间", "记账时间", "时间", "transaction time", "time"),
    "value_date": ("起息日", "起息日期", "value date"),
    "credit": (
        "收入金额",
        "贷方发生额",
        "贷方金额",
        "贷方(入账)",
        "贷方发生额(收入)",
        "收入",
        "贷方",
        "存入金额",
        "转入金额",
        "credit amount",
        "credit",
        "money in",
    ),
    "debit": (
        "支出金额",
        "借方发生额",
        "借方金额",
        "借方(出账)",
        "借方发生额(支出)",
        "支出",
        "借方",
        "取出金额",
        "转出金额",
        "debit amount",
        "debit",
        "money out",
    ),
    "amount": ("交易金额", "金额", "发生额", "transaction amount", "amount"),
    "direction": (
        "借贷标志",
        "借贷方向",
        "借贷",
        "借/贷",
        "收支",
        "收支方向",
        "方向",
        "dr/cr",
        "debit/credit",
        "d/c",
        "c/d",
    ),
    "counterparty_name": (
        "对方户名",
        "收(付)方名称",
        "对方单位名称",
        "对方名称",
        "对方账户名称",
        "对方账户户名",
        "对方单位",
        "counterparty name",
        "counterparty",
    ),
    "counterparty_account": (
        "对方账号",
        "收(付)方账号",
        "对方账户",
        "对方帐号",
        "对方卡号",
        "counterparty account",
    ),
    "counterparty_bank": (
        "对方开户行",
        "对方行名",
        "收(付)方开户行",
        "对方开户机构",
        "对方银行",
        "counterparty bank",
    ),
    "remittance": (
        "摘要",
        "用途",
        "附言",
        "备注",
        "交易附言",
        "交易摘要",
        "说明",
        "remark",
        "remarks",
        "memo",
        "description",
        "purpose",
    ),
    "reference": (
        "交易流水号",
        "业务参考号",
        "银行流水号",
        "流水号",
        "交易参考号",
        "参考号",
        "凭证号",
        "reference",
        "transaction reference",
        "ref",
    ),
    "currency": ("币种", "币别", "货币", "currency"),
}
# Values of a 借/贷 column. From the account holder's side: 贷 is money in.
CREDIT_MARKERS = {"贷", "贷方", "收", "收入", "入", "来账", "c", "cr", "credit", "+"}
DEBIT_MARKERS = {"借", "借方", "支", "支出", "出", "往账", "d", "dr", "debit", "-"}
# Rows after the table that are not transactions.
FOOTER_WORDS = ("合计", "总计", "小计", "本页", "累计", "汇总", "打印", "制表", "total", "subtotal")


def _header_key(text) -> str:
    """A header as compared: full-width folded, lower case, no spaces, and no unit suffix such
    as (元) or (人民币)."""
    key = unicodedata.normalize("NFKC", str(text or "")).casefold()
    key = re.sub(r"\s+", "", key).rstrip(":*")
    return re.sub(r"\((元|人民币|rmb|cny)\)$", "", key)


@dataclass
class Columns:
    """Column indexes of one header row (None: not in this file)."""

    names: list[str]
    booked_on: int | None = None
    booked_at: int | None = None
    value_date: int | None = None
    credit: int | None = None
    debit: int | None = None
    amount: int | None = None
    direction: int | None = None
    counterparty_name: int | None = None
    counterparty_account: int | None = None
    counterparty_bank: int | None = None
    reference: int | None = None
    currency: int | None = None
    remittance: tuple[int, ...] = ()

    @property
    def has_money(self) -> bool:
        return self.credit is not None or self.debit is not None or self.amount is not None


_MAPPING_FIELDS = {
    "booked_on": "booked_on_column",
    "booked_at": "booked_at_column",
    "credit": "credit_column",
    "debit": "debit_column",
    "amount": "amount_column",
    "direction": "direction_column",
    "currency": "currency_column",
    "counterparty_name": "counterparty_name_column",
    "counterparty_account": "counterparty_account_column",
    "counterparty_bank": "counterparty_bank_column",
    "reference": "reference_column",
}


def _match_header(row: list, mapping) -> Columns | None:
    keys = [_header_key(cell) for cell in row]
    positions = {key: index for index, key in reversed(list(enumerate(keys))) if key}
    columns = Columns(names=[clean_text(cell) for cell in row])
    for field_name, synonyms in HEADER_SYNONYMS.items():
        if field_name == "remittance":
            continue
        mapped = getattr(mapping, _MAPPING_FIELDS.get(field_name, ""), "") if mapping else ""
        candidates = (mapped,) if mapped else synonyms
        for name in candidates:
            index = positions.get(_header_key(name))
            if index is not None:
                setattr(columns, field_name, index)
                break
    mapped_remittance = mapping.remittance_columns if mapping else ""
    if mapped_remittance:
        wanted = [_header_key(name) for name in re.split(r"[,，、]", mapped_remittance)]
        columns.remittance = tuple(positions[key] for key in wanted if key in positions)
    else:
        synonyms = {_header_key(name) for name in HEADER_SYNONYMS["remittance"]}
        columns.remittance = tuple(i for i, key in enumerate(keys) if key in synonyms)
    # A single 交易时间 column holding date and time is the date column.
    if columns.booked_on is None and columns.booked_at is not None:
        columns.booked_on, columns.booked_at = columns.booked_at, None
    if columns.booked_on is None or not columns.has_money:
        return None
    return columns


# --- cell values -------------------------------------------------------------------------------

_DATE = re.compile(
    r"^(?P<y>\d{4})\s*(?:[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"|(?P<m2>\d{2})(?P<d2>\d{2}))"
    r"(?:[\sT]*(?P<time>\d{1,2}:\d{2}(?::\d{2})?|\d{6}))?(?:\.\d+)?$"
)
_TIME = re.compile(r"^(?P<h>\d{1,2}):?(?P<m>\d{2})(?::?(?P<s>\d{2}))?(?:\.\d+)?$")
_EXCEL_EPOCH = datetime(1899, 12, 30)


def _parse_time(text: str) -> time | None:
    match = _TIME.match(text)
    if not match:
        return None
    try:
        return time(int(match["h"]), int(match["m"]), int(match["s"] or 0))
    except ValueError:
        return None


def parse_datetime(value, *, date_format: str = "") -> tuple[date, time | None] | None:
    """(date, time or None) from a cell: datetime/date objects, Excel serial numbers, or text
    like 2026-11-03, 2026/11/3, 20261103, 2026年11月3日, with an optional time. None if not a
    date."""
    if isinstance(value, datetime):
        moment = value.time()
        return value.date(), (moment if moment != time(0) else None)
    if isinstance(value, date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Excel stores dates as days since 1899-12-30; plausible ones only.
        if 20000 <= value < 80000:
            moment = _EXCEL_EPOCH + timedelta(days=float(value))
            moment = moment.replace(microsecond=0)
            return moment.date(), (moment.time() if moment.time() != time(0) else None)
        value = str(int(value)) if float(value).is_integer() else str(value)
    text = clean_text(unicodedata.normalize("NFKC", str(value)))
    if date_format:
        try:
            moment = datetime.strptime(text, date_format)
        except ValueError:
            return None
        return moment.date(), (moment.time() if moment.time() != time(0) else None)
    match = _DATE.match(text)
    if not match:
        return None
    try:
        day = date(int(match["y"]), int(match["m"] or match["m2"]), int(match["d"] or match["d2"]))
    except ValueError:
        return None
    moment = _parse_time(match["time"]) if match["time"] else None
    return day, moment


def _cell_time(value) -> time | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, time):
        return value
    if isinstance(value, float) and 0 <= value < 1:  # an Excel time: a fraction of a day
        seconds = round(value * 86400)
        return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
    text = clean_text(value)
    parsed = _parse_time(text)
    if parsed is None and " " in text:
        both = parse_datetime(text)
        parsed = both[1] if both else None
    return parsed


def _blank(value) -> bool:
    return value is None or clean_text(value) == ""


# --- reading rows ------------------------------------------------------------------------------


def decode_text(content: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK, which
    most Chinese banks export in)."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise StatementParseError(
            _("the file is neither UTF-8 nor GBK/GB18030 text."), field=_("encoding")
        ) from exc


def _csv_rows(content: bytes, delimiter: str) -> list[list]:
    reader = csv.reader(io.StringIO(decode_text(content), newline=""), delimiter=delimiter)
    try:
        return [row for row in reader]
    except csv.Error as exc:
        raise StatementParseError(str(exc), line=reader.line_num) from exc


def _xlsx_rows(content: bytes) -> list[list]:
    import openpyxl  # imported here: only Excel uploads need it

    try:
        # openpyxl reads the XML parts through defusedxml when it is installed (it is).
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors alike: not a workbook
        raise StatementParseError(
            _("not a readable Excel workbook (%(error)s).") % {"error": exc}
        ) from exc
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def _xls_rows(content: bytes) -> list[list]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=content)
    except Exception as exc:  # xlrd raises its own and struct errors on damaged files
        raise StatementParseError(
            _("not a readable Excel 97-2003 workbook (%(error)s).") % {"error": exc}
        ) from exc
    sheet = book.sheet_by_index(0)
    rows = []
    for row_index in range(sheet.nrows):
        row = []
        for cell in sheet.row(row_index):
            if cell.ctype == xlrd.XL_CELL_DATE:
                row.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
            elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                row.append(None)
            else:
                row.append(cell.value)
        rows.append(row)
    return rows


# --- title rows --------------------------------------------------------------------------------

_TITLE_ACCOUNT = re.compile(
    r"(?:账号|帐号|账户|account(?:\s*(?:number|no\.?))?)\s*[:：]?\s*([0-9][0-9\- ]{5,}[0-9])", re.I
)
_TITLE_CURRENCY = re.compile(
    r"(?:币种|币别|currency)\s*[:：]?\s*([A-Za-z]{3}|[\u4e00-\u9fff]{2,4})"
)
_TITLE_PERIOD = re.compile(
    r"(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{8})\s*(?:至|到|~|～|-|—|to)\s*"
    r"(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{8})",
    re.I,
)


def _read_title(rows: list[list], statement: ParsedStatement) -> None:
    """Account number, currency and period from the title rows above the header."""
    for row in rows:
        text = " ".join(clean_text(cell) for cell in row if not _blank(cell))
        text = unicodedata.normalize("NFKC", text)
        if statement.account_number is None and (match := _TITLE_ACCOUNT.search(text)):
            statement.account_number = match[1].replace(" ", "").replace("-", "")
        if statement.currency is None and (match := _TITLE_CURRENCY.search(text)):
            statement.currency = normalize_currency(match[1], field=_("title rows"))
        if statement.period_start is None and (match := _TITLE_PERIOD.search(text)):
            start, end = parse_datetime(match[1]), parse_datetime(match[2])
            if start and end:
                statement.period_start, statement.period_end = start[0], end[0]


# --- the table ---------------------------------------------------------------------------------


def _is_footer(row: list) -> bool:
    first = next((clean_text(cell) for cell in row if not _blank(cell)), "")
    first = unicodedata.normalize("NFKC", first).casefold().replace(" ", "")
    return first.startswith(FOOTER_WORDS)


def _direction_of(value, mapping, *, line, field) -> str:
    marker = unicodedata.normalize("NFKC", clean_text(value)).casefold()
    credit_markers = (
        {mapping.credit_marker.casefold()} if mapping and mapping.credit_marker else set()
    )
    debit_markers = {mapping.debit_marker.casefold()} if mapping and mapping.debit_marker else set()
    if marker in (credit_markers or CREDIT_MARKERS):
        return CREDIT
    if marker in (debit_markers or DEBIT_MARKERS):
        return DEBIT
    raise StatementParseError(
        _("%(value)r is neither a debit nor a credit mark.") % {"value": clean_text(value)},
        line=line,
        field=field,
    )


def _cell(row: list, index: int | None):
    if index is None or index >= len(row):
        return None
    return row[index]


def _money_of(row, columns: Columns, mapping, line: int):
    """(direction, signed-positive amount) of a row, or None for a row with an amount of
    zero. Raises for a row with no amount at all."""
    names = columns.names

    def amount_at(index):
        value = _cell(row, index)
        if _blank(value):
            return None
        return parse_amount(value, line=line, field=names[index])

    if columns.credit is not None or columns.debit is not None:
        credit, debit = amount_at(columns.credit), amount_at(columns.debit)
        if credit and debit:
            raise StatementParseError(
                _("both a credit and a debit amount."), line=line, field=names[columns.credit]
            )
        if credit:
            # A negative credit is money going out (some banks print reversals so).
            return (CREDIT, credit) if credit > 0 else (DEBIT, -credit)
        if debit:
            # Debit columns are printed positive or negative: either way it is money out.
            return DEBIT, abs(debit)
        if credit is not None or debit is not None:
            return None  # 0.00 where the amount belongs: nothing moved
        if columns.amount is None:
            field = names[columns.credit if columns.credit is not None else columns.debit]
            raise StatementParseError(_("no amount."), line=line, field=field)
    amount = amount_at(columns.amount)
    if amount is None:
        raise StatementParseError(_("no amount."), line=line, field=names[columns.amount])
    if amount == 0:
        return None
    if columns.direction is not None:
        direction = _direction_of(
            _cell(row, columns.direction), mapping, line=line, field=names[columns.direction]
        )
        return direction, abs(amount)
    # A signed single amount: negative is money out.
    return (CREDIT, amount) if amount > 0 else (DEBIT, -amount)


def _parse_row(row, columns: Columns, mapping, line: int) -> ParsedLine | None:
    names = columns.names
    date_value = _cell(row, columns.booked_on)
    if _blank(date_value):
        if all(
            _blank(_cell(row, index)) for index in (columns.credit, columns.debit, columns.amount)
        ):
            return None  # a note row below the table
        raise StatementParseError(_("no date."), line=line, field=names[columns.booked_on])
    booked = parse_datetime(date_value, date_format=mapping.date_format if mapping else "")
    if booked is None:
        raise StatementParseError(
            _("%(value)r is not a date.") % {"value": clean_text(date_value)},
            line=line,
            field=names[columns.booked_on],
        )
    booked_on, booked_at = booked
    if columns.booked_at is not None and not _blank(_cell(row, columns.booked_at)):
        booked_at = _cell_time(_cell(row, columns.booked_at))
        if booked_at is None:
            raise StatementParseError(
                _("%(value)r is not a time.") % {"value": clean_text(row[columns.booked_at])},
                line=line,
                field=names[columns.booked_at],
            )
    value_date = None
    if columns.value_date is not None and not _blank(_cell(row, columns.value_date)):
        parsed_value_date = parse_datetime(_cell(row, columns.value_date))
        if parsed_value_date is None:
            raise StatementParseError(
                _("%(value)r is not a date.") % {"value": clean_text(row[columns.value_date])},
                line=line,
                field=names[columns.value_date],
            )
        value_date = parsed_value_date[0]
    moved = _money_of(row, columns, mapping, line)
    if moved is None:
        return None
    direction, amount = moved
    currency = None
    if columns.currency is not None and not _blank(_cell(row, columns.currency)):
        currency = normalize_currency(
            row[columns.currency], line=line, field=names[columns.currency]
        )
    remittance = " ".join(
        text for index in columns.remittance if (text := clean_text(_cell(row, index)))
    )
    return ParsedLine(
        booked_on=booked_on,
        booked_at=booked_at,
        value_date=value_date,
        direction=direction,
        amount=money(amount, currency),
        currency=currency,
        counterparty_name=clean_text(_cell(row, columns.counterparty_name)),
        counterparty_account=clean_text(_cell(row, columns.counterparty_account)).replace(" ", ""),
        counterparty_bank=clean_text(_cell(row, columns.counterparty_bank)),
        remittance=remittance,
        bank_reference=clean_text(_cell(row, columns.reference)),
        file_line=line,
    )


def parse_rows(rows: list[list], *, mapping=None) -> ParsedStatement:
    """A statement from a table's rows (row n of the list is line n+1 of the file)."""
    header_at, columns = None, None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = _match_header(row, mapping)
        if columns is not None:
            header_at = index
            break
    if header_at is None:
        raise StatementParseError(
            _(
                "no header row found: a row naming at least a date column (交易日期/Date) and "
                "the amount columns (贷方发生额/借方发生额, 收入/支出 or 金额 with 借贷标志)."
            ),
            field=_("header"),
        )
    statement = ParsedStatement()
    _read_title(rows[:header_at], statement)
    for index in range(header_at + 1, len(rows)):
        row = rows[index]
        if all(_blank(cell) for cell in row) or _is_footer(row):
            continue
        parsed = _parse_row(row, columns, mapping, line=index + 1)
        if parsed is not None:
            statement.lines.append(parsed)
    return statement


def parse_csv(content: bytes, *, mapping=None) -> ParsedStatement:
    """A CSV (or tab-separated) export; the separator is the one under which a header row is
    found."""
    failure = None
    for delimiter in (",", "\t", ";", "|"):
        try:
            return parse_rows(_csv_rows(content, delimiter), mapping=mapping)
        except StatementParseError as exc:
            if exc.field != _("header"):
                raise
            failure = failure or exc
    raise failure


def parse_excel(content: bytes, *, mapping=None) -> ParsedStatement:
    """The first sheet of an .xlsx (Office Open XML) or .xls (BIFF, Excel 97-2003) workbook."""
    rows = _xls_rows(content) if content.startswith(XLS_MAGIC) else _xlsx_rows(content)
    return parse_rows(rows, mapping=mapping)
