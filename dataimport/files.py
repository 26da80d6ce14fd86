"""Reading an uploaded spreadsheet row by row, never whole: CSV in UTF-8 (with or without a BOM)
or GB18030 (a superset of GBK, what Chinese Excel saves), Excel-style quoting; XLSX's first sheet
read-only, numbers and dates keeping their type. Blank rows are skipped; row numbers stay the
file's (the header is row 1)."""

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import datetime

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from core.exceptions import ApplicationError

FORMATS = ("csv", "xlsx")
_PROBE_BYTES = 1 << 16


def file_format_of(file_name: str) -> str:
    """csv or xlsx from the file name; other formats are refused."""
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if extension not in FORMATS:
        raise ApplicationError(_("Upload a .csv or .xlsx file."), field="file")
    return extension


def detect_encoding(binary) -> str:
    """utf-8-sig, utf-8 or gb18030: the file is decoded as UTF-8 chunk by chunk; a byte
    sequence UTF-8 refuses means Chinese Excel's GBK (read as its superset GB18030)."""
    binary.seek(0)
    head = binary.read(3)
    if head == codecs.BOM_UTF8:
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    decoder = codecs.getincrementaldecoder("utf-8")()
    binary.seek(len(head) if encoding == "utf-8-sig" else 0)
    try:
        while chunk := binary.read(_PROBE_BYTES):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        encoding = "gb18030"
    binary.seek(0)
    return encoding


def _blank(cells) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _csv_rows(binary, encoding: str) -> Iterator[list]:
    binary.seek(0)
    text = io.TextIOWrapper(binary, encoding=encoding, newline="")
    try:
        yield from csv.reader(text)
    except (UnicodeDecodeError, csv.Error) as error:
        raise ApplicationError(
            _("The CSV file cannot be read: %(error)s") % {"error": error}, field="file"
        ) from error
    finally:
        # The caller owns the binary file: do not let the wrapper close it.
        if not binary.closed:
            text.detach()


def _xlsx_cell(value):
    # openpyxl gives datetimes for date cells; a business date has no time.
    if isinstance(value, datetime) and not (value.hour or value.minute or value.second):
        return value.date()
    return value


def _xlsx_rows(binary) -> Iterator[list]:
    binary.seek(0)
    try:
        workbook = load_workbook(binary, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ApplicationError(_("The file is not a readable XLSX workbook."), field="file") from (
            error
        )
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_xlsx_cell(value) for value in values]
    finally:
        workbook.close()


def numbered_rows(binary, *, file_format: str, encoding: str = "") -> Iterator[tuple[int, list]]:
    """(row number in the file, cells) for every non-blank row, the header row included."""
    rows = _xlsx_rows(binary) if file_format == "xlsx" else _csv_rows(binary, encoding)
    for number, cells in enumerate(rows, start=1):
        if not _blank(cells):
            yield number, list(cells)


def column_has_data(binary, *, file_format: str, encoding: str = "") -> list[bool]:
    """Per column: does any data row hold a value? (A blank header over an empty column is
    Excel's leftover formatting and is ignored.) Reads the file once, keeping one flag per
    column."""
    flags: list[bool] = []
    for number, cells in numbered_rows(binary, file_format=file_format, encoding=encoding):
        if number == 1:
            flags = [False] * len(cells)
            continue
        if len(cells) > len(flags):
            flags.extend([False] * (len(cells) - len(flags)))
        for index, cell in enumerate(cells):
            if not flags[index] and not _blank([cell]):
                flags[index] = True
    return flags
