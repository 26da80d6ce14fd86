"""The one writer of tabular exports: a list of `Column`s and an iterable of rows become a CSV
or XLSX download, with headers in the user's language and every value typed by its column.

CSV is UTF-8 with a byte-order mark (without it, Excel opens Chinese text as mojibake), plain
numbers (`1234.50`: no thousands separator, so the file imports again) and ISO dates; it is
streamed row by row. XLSX puts amounts and dates in numeric and date cells (never text, so that
a spreadsheet can add them up) with `#,##0.00` and `yyyy-mm-dd` formats, a bold, frozen header
row; it is written by openpyxl's write-only mode to a temporary file, so memory stays bounded
however many rows (a queryset is read with .iterator())."""

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

MONEY_FORMAT = "#,##0.00"
# Percentages are kept in percent units (12.5 means 12.5 %), as the reports compute them.
PERCENT_FORMAT = '0.00"%"'
DATE_FORMAT = "yyyy-mm-dd"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_FORMATS = ("csv", "xlsx")
# The file_format URL parameter of every export view.
FILE_FORMAT_PATTERN = "csv|xlsx"
# Rows fetched per database round trip when a queryset is streamed.
CHUNK_SIZE = 2000
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection): such text
# is written with a leading apostrophe in CSV, and as a text cell in XLSX.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOLD = Font(bold=True)


class ColumnKind(StrEnum):
    TEXT = "text"
    MONEY = "money"
    NUMBER = "number"
    DATE = "date"
    PERCENT = "percent"


XLSX_FORMATS = {
    ColumnKind.MONEY: MONEY_FORMAT,
    ColumnKind.NUMBER: "General",
    ColumnKind.DATE: DATE_FORMAT,
    ColumnKind.PERCENT: PERCENT_FORMAT,
}
XLSX_WIDTHS = {
    ColumnKind.TEXT: 24,
    ColumnKind.MONEY: 16,
    ColumnKind.NUMBER: 12,
    ColumnKind.DATE: 12,
    ColumnKind.PERCENT: 10,
}


@dataclass(frozen=True)
class Column:
    """One column of an export: its header in Chinese and in English, how a row gives its value
    (a dotted attribute path such as "customer.code", or a function of the row) and its kind."""

    header_zh: str
    header_en: str
    value: str | Callable[[Any], Any]
    kind: ColumnKind = ColumnKind.TEXT

    def header(self, language: str) -> str:
        return self.header_zh if language.startswith("zh") else self.header_en

    def value_of(self, row) -> Any:
        if callable(self.value):
            return self.value(row)
        value = row
        for name in self.value.split("."):
            value = getattr(value, name, None)
            if value is None:
                return None
        return value


def _typed(value, kind: ColumnKind):
    """The value as its column's kind stores it: amounts as Decimal, dates as dates, the rest
    as text (translated lazily where it is a label)."""
    if value is None or value == "":
        return None
    if kind == ColumnKind.DATE:
        if isinstance(value, datetime):
            return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        return value
    if kind in (ColumnKind.MONEY, ColumnKind.NUMBER, ColumnKind.PERCENT):
        return value if isinstance(value, int | float | Decimal) else Decimal(str(value))
    return str(value)


def _csv_text(value, kind: ColumnKind) -> str:
    if value is None:
        return ""
    if kind == ColumnKind.MONEY:
        return f"{value:.2f}"
    if isinstance(value, Decimal):
        return format(value.normalize() if value == value.to_integral() else value, "f")
    if isinstance(value, date):
        return value.isoformat()
    value = str(value)
    if kind == ColumnKind.TEXT and value.startswith(FORMULA_PREFIXES):
        return f"'{value}"
    return value


def _rows(rows: Iterable) -> Iterator:
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=CHUNK_SIZE)
    return iter(rows)


class _Echo:
    """A file-like object whose write() returns what it is given, for csv.writer to format
    one row at a time into a streamed response."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows, columns: list[Column], language: str) -> Iterator[str]:
    writer = csv.writer(_Echo())
    with translation.override(language):
        yield "\ufeff" + writer.writerow([column.header(language) for column in columns])
        for row in _rows(rows):
            yield writer.writerow(
                [
                    _csv_text(_typed(column.value_of(row), column.kind), column.kind)
                    for column in columns
                ]
            )


def _xlsx_cell(sheet, value, kind: ColumnKind) -> WriteOnlyCell:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # openpyxl would store text starting with "=" as a formula.
        cell.data_type = "s"
    elif value is not None and kind in XLSX_FORMATS:
        cell.number_format = XLSX_FORMATS[kind]
    return cell


def write_xlsx(file, *, rows, columns: list[Column], language: str, sheet_title: str) -> None:
    """Write `rows` as one sheet of a workbook to `file` (write-only: rows are not kept)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.freeze_panes = "A2"
    for number, column in enumerate(columns, start=1):
        width = max(XLSX_WIDTHS[column.kind], len(column.header(language)) * 2)
        sheet.column_dimensions[get_column_letter(number)].width = min(width, 48)
    with translation.override(language):
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=column.header(language))
            cell.font = BOLD
            header.append(cell)
        sheet.append(header)
        for row in _rows(rows):
            sheet.append(
                [
                    _xlsx_cell(sheet, _typed(column.value_of(row), column.kind), column.kind)
                    for column in columns
                ]
            )
    workbook.save(file)


def export_response(
    *,
    rows: Iterable,
    columns: list[Column],
    file_name: str,
    file_format: str,
    language: str,
    sheet_title: str = "",
):
    """The download of `rows` (a queryset is read in chunks) as `<file_name>.<file_format>`:
    a streamed CSV or an XLSX built in a temporary file. Headers and labels in `language`."""
    if file_format not in FILE_FORMATS:
        raise ValueError(f"Unknown export format {file_format!r}")
    file_name = f"{file_name}.{file_format}"
    if file_format == "csv":
        response = StreamingHttpResponse(_csv_lines(rows, columns, language), content_type=CSV_TYPE)
        response["Content-Disposition"] = content_disposition_header(True, file_name)
        return response
    # Spooled in memory up to 8 MB, then on disk; FileResponse closes it when sent.
    buffer = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    write_xlsx(
        buffer,
        rows=rows,
        columns=columns,
        language=language,
        sheet_title=sheet_title or file_name.rsplit(".", 1)[0],
    )
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=file_name, content_type=XLSX_TYPE)
