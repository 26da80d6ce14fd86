"""What every importer shares: bilingual column headers, cell parsing, the errors the user sees
(file row, column as written, reason), row outcomes for the preview and the template files.

The header rule (also in docs/data-import.md): a column header is the Chinese name, the English
name, or both as "中文 / English" (the template writes both). Matching ignores surrounding
spaces, folds full-width characters (NFKC) and ignores case. Blank headers over empty columns
(Excel leaves them) are ignored; unknown, repeated and missing required columns are errors on
row 1. Rows are numbered as in the file: the header is row 1, the first data row is row 2."""

import csv
import io
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from import_export.resources import ModelResource
from import_export.results import RowResult
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from tablib import Dataset

from core.exceptions import ApplicationError

# A hidden column carrying each row's number in the file, so errors name the file's row even
# when the file is read in chunks or an importer groups several rows into one record.
ROW_NUMBER = "__row__"

# How many errors and preview rows a job keeps: enough to fix a file, bounded for 100k rows.
MAX_REPORTED_ERRORS = 500
MAX_PREVIEW_ROWS = 200

ACTIONS = {
    RowResult.IMPORT_TYPE_NEW: "new",
    RowResult.IMPORT_TYPE_UPDATE: "updated",
    RowResult.IMPORT_TYPE_SKIP: "unchanged",
    RowResult.IMPORT_TYPE_INVALID: "error",
    RowResult.IMPORT_TYPE_ERROR: "error",
}


def normalize_header(text) -> str:
    """The form headers are compared in: full-width folded, spaces collapsed, case ignored."""
    folded = unicodedata.normalize("NFKC", str(text or ""))
    folded = re.sub(r"\s*/\s*", "/", folded.strip())
    return re.sub(r"\s+", " ", folded).casefold()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value) -> str:
    """A cell as trimmed text ("" when blank); whole numbers from XLSX lose their ".0"."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    # Not NFKC: company names keep their full-width brackets （）.
    return str(value).strip()


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def parse_date(value, *, field_name: str) -> date | None:
    """A date from an XLSX date cell or text (2025-03-31, 2025/3/31, 2025.03.31, 20250331,
    2025年3月31日); None when blank; ValidationError naming the field otherwise."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", cell_text(value)).split(" ")[0].split("T")[0]
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValidationError(
        {field_name: _("“%(value)s” is not a date (use YYYY-MM-DD).") % {"value": value}}
    )


def parse_decimal(value, *, field_name: str) -> Decimal | None:
    """A number from an XLSX number cell or text ("1,234.50", "¥1234.5", "12.5%" is refused);
    None when blank; ValidationError naming the field otherwise. Floats go through their
    shortest repr so 0.1 stays 0.1."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValidationError({field_name: _("“%(value)s” is not a number.") % {"value": value}})
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    text = unicodedata.normalize("NFKC", cell_text(value)).replace(",", "").replace(" ", "")
    text = text.removeprefix("¥").removeprefix("￥").removeprefix("$")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValidationError({field_name: _("“%(value)s” is not a number.") % {"value": value}})
    return number


_TRUE = {"1", "y", "yes", "true", "是", "√", "x"}
_FALSE = {"0", "n", "no", "false", "否", ""}


def parse_bool(value, *, field_name: str) -> bool:
    """Yes/no from 是/否, yes/no, true/false, 1/0, Y/N (blank is no)."""
    if isinstance(value, bool):
        return value
    text = cell_text(value).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError(
        {field_name: _("Write 是 or 否 (yes or no), not “%(value)s”.") % {"value": value}}
    )


def parse_choice(value, *, choices, field_name: str) -> str | None:
    """A TextChoices value from its code or its label in Chinese or English (case ignored);
    None when blank."""
    if is_blank(value):
        return None
    text = normalize_header(cell_text(value))
    for code, label in choices.choices:
        names = {normalize_header(code)}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names.add(normalize_header(str(label)))
        if text in names:
            return code
    allowed = ", ".join(code for code, _label in choices.choices)
    raise ValidationError(
        {
            field_name: _("“%(value)s” is not one of: %(allowed)s.")
            % {"value": value, "allowed": allowed}
        }
    )


@contextmanager
def reported_as(field_name: str = NON_FIELD_ERRORS, *, fields: dict[str, str] | None = None):
    """Report a service's refusal on the importer's columns: an ApplicationError becomes a
    ValidationError on its field, and a ValidationError's fields are renamed. `fields` maps a
    service's field name to the importer's (by default the same name); an error without a field
    goes to `field_name`."""
    renamed = fields or {}
    try:
        yield
    except ApplicationError as error:
        target = renamed.get(error.field or "", error.field) or field_name
        raise ValidationError({target: error.message}) from error
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise ValidationError({field_name: error.messages}) from error
        by_field: dict[str, list] = {}
        for name, messages in error.message_dict.items():
            target = field_name if name == NON_FIELD_ERRORS else renamed.get(name, name)
            by_field.setdefault(target, []).extend(messages)
        raise ValidationError(by_field) from error


@dataclass
class HeaderMatch:
    """The file's header row read against an importer: the field of each column (None for
    ignored blank columns), the header as written per field, and header errors (row 1)."""

    fields: list[str | None]
    labels: dict[str, str] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)


class HuikuanResource(ModelResource):
    """The base of every importer. Subclasses declare `headers`, `required`, `example`,
    `natural_key`, their import-export Fields with `column_name` = the field name, and write
    through the services (wrapping them in `reported_as`)."""

    # field name → (Chinese header, English header), in template order.
    headers: ClassVar[dict[str, tuple[str, str]]] = {}
    required: ClassVar[frozenset[str]] = frozenset()
    example: ClassVar[dict[str, str]] = {}
    # What makes a re-import update instead of create; also the preview's "key".
    natural_key: ClassVar[tuple[str, ...]] = ()
    # More headers accepted per field: what Huikuan's own exports print where it differs.
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {}
    # Columns Huikuan's own exports add that this importer does not read (a status, a
    # balance): ignored, so an export imports as it is. Any other unknown column is an error,
    # so that a misspelt header never drops its data silently.
    informational: ClassVar[tuple[str, ...]] = ()

    class Meta:
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        skip_html_diff = True
        store_row_values = True
        clean_model_instances = False

    def __init__(self, *, actor=None, go_live_on: date | None = None, **kwargs):
        super().__init__(**kwargs)
        self.actor = actor
        self.go_live_on = go_live_on
        # Headers as written in the file, per field: errors name the user's column.
        self.labels: dict[str, str] = {}

    # --- headers ---------------------------------------------------------------------------

    @classmethod
    def header_label(cls, field_name: str) -> str:
        """The template's header for a field: "中文 / English"."""
        zh, en = cls.headers[field_name]
        return f"{zh} / {en}"

    @classmethod
    def _header_lookup(cls) -> dict[str, str]:
        lookup = {}
        for name, (zh, en) in cls.headers.items():
            for text in (zh, en, f"{zh} / {en}", name, *cls.aliases.get(name, ())):
                lookup[normalize_header(text)] = name
        return lookup

    @classmethod
    def informational_headers(cls) -> frozenset[str]:
        return frozenset(normalize_header(text) for text in cls.informational)

    @classmethod
    def match_headers(cls, header_row, column_has_data=None) -> HeaderMatch:
        """Map the file's header row to field names. `column_has_data[i]` tells whether a
        column with a blank header holds anything (then it is an error, not ignored)."""
        lookup = cls._header_lookup()
        ignored = cls.informational_headers()
        match = HeaderMatch(fields=[])
        unknown, repeated = [], []
        for index, raw in enumerate(header_row):
            written = cell_text(raw)
            if not written:
                match.fields.append(None)
                if column_has_data and column_has_data[index]:
                    unknown.append(
                        _("(column %(letter)s, no header)")
                        % {"letter": get_column_letter(index + 1)}
                    )
                continue
            name = lookup.get(normalize_header(written))
            if name is None and normalize_header(written) in ignored:
                match.fields.append(None)
                continue
            if name is None:
                unknown.append(written)
            elif name in match.labels:
                repeated.append(written)
                name = None
            else:
                match.labels[name] = written
            match.fields.append(name)
        for written in unknown:
            match.errors.append({"row": 1, "column": written, "message": _("Unknown column.")})
        for written in repeated:
            match.errors.append(
                {"row": 1, "column": written, "message": _("This column appears twice.")}
            )
        for name in cls.headers:
            if name in cls.required and name not in match.labels:
                match.errors.append(
                    {
                        "row": 1,
                        "column": cls.header_label(name),
                        "message": _("This required column is missing."),
                    }
                )
        return match

    def dataset(self, match: HeaderMatch, numbered_rows) -> Dataset:
        """A tablib Dataset of field-named columns (plus the row number) from (file row
        number, cells) pairs; blank-header columns dropped."""
        self.labels.update(match.labels)
        keep = [index for index, name in enumerate(match.fields) if name]
        names = [match.fields[index] for index in keep]
        dataset = Dataset(headers=[ROW_NUMBER, *names])
        for number, cells in numbered_rows:
            values = [cells[index] if index < len(cells) else None for index in keep]
            dataset.append([number, *["" if value is None else value for value in values]])
        return dataset

    def column_label(self, field_name: str) -> str:
        """The column an error is reported on: the header as written, else the template's."""
        if field_name in self.labels:
            return self.labels[field_name]
        if field_name in self.headers:
            return self.header_label(field_name)
        return ""

    # --- rows ------------------------------------------------------------------------------

    def import_row(self, row, instance_loader, **kwargs):
        """Refuse a row with a blank required cell before anything is looked up."""
        missing = {
            name: ValidationError(_("This cell is required."), code="required")
            for name in self.required
            if name in row and is_blank(row[name])
        }
        if missing:
            row_result = self.get_row_result_class()()
            row_result.row_values = row
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = ValidationError(missing)
            return row_result
        return super().import_row(row, instance_loader, **kwargs)

    def key_of(self, row) -> str:
        return " / ".join(cell_text(row.get(name)) for name in self.natural_key)

    # --- results ---------------------------------------------------------------------------

    def outcomes(self, result) -> list[dict]:
        """Each row's outcome, in file order: {"row", "action", "key", "errors"}."""
        rows = []
        for row_result in result.rows:
            values = row_result.row_values or {}
            rows.append(
                {
                    "row": values.get(ROW_NUMBER),
                    "action": ACTIONS.get(row_result.import_type, "error"),
                    "key": self.key_of(values),
                    "errors": self.row_result_errors(row_result),
                }
            )
        return rows

    def row_result_errors(self, row_result) -> list[dict]:
        """The errors of one row: {"row", "column", "message"}, the column as the user wrote it."""
        values = row_result.row_values or {}
        number = values.get(ROW_NUMBER)
        errors = []
        if row_result.validation_error is not None:
            error = row_result.validation_error
            by_field = (
                error.message_dict
                if hasattr(error, "error_dict")
                else {NON_FIELD_ERRORS: error.messages}
            )
            for name, messages in by_field.items():
                column = "" if name == NON_FIELD_ERRORS else self.column_label(name)
                errors.extend({"row": number, "column": column, "message": m} for m in messages)
        for error in row_result.errors:
            errors.append(self.unexpected_error(error.error, number))
        return errors

    def unexpected_error(self, exception, number) -> dict:
        """An exception no importer converted: a service's refusal keeps its field's column;
        anything else is reported without a column."""
        if isinstance(exception, ApplicationError):
            column = self.column_label(exception.field) if exception.field else ""
            return {"row": number, "column": column, "message": str(exception.message)}
        if isinstance(exception, ValidationError):
            return {"row": number, "column": "", "message": "; ".join(exception.messages)}
        return {"row": number, "column": "", "message": str(exception)}

    def base_errors(self, result) -> list[dict]:
        """Errors not tied to a row (raised before or after the rows)."""
        return [self.unexpected_error(error.error, None) for error in result.base_errors]

    # --- templates -------------------------------------------------------------------------

    @classmethod
    def template_rows(cls) -> tuple[list[str], list[str]]:
        names = list(cls.headers)
        return [cls.header_label(n) for n in names], [cls.example.get(n, "") for n in names]

    @classmethod
    def template_csv(cls) -> bytes:
        """The CSV template: the header row and the example row, UTF-8 with a BOM so Excel
        opens the Chinese headers correctly."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerows(cls.template_rows())
        return buffer.getvalue().encode("utf-8-sig")

    @classmethod
    def template_xlsx(cls) -> bytes:
        """The XLSX template: sheet 1 the header row and the example row (as text, so codes
        keep their leading zeros), sheet 2 the list of columns with required marks."""
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "数据 Data"
        header, example = cls.template_rows()
        sheet.append(header)
        sheet.append(example)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for index, text in enumerate(header, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(14, len(text) + 4)
            sheet.cell(row=2, column=index).number_format = "@"
        sheet.freeze_panes = "A2"
        notes = workbook.create_sheet("说明 Notes")
        notes.append(["列 Column", "English", "必填 Required", "示例 Example"])
        for cell in notes[1]:
            cell.font = Font(bold=True)
        for name, (zh, en) in cls.headers.items():
            required = "是 Yes" if name in cls.required else ""
            notes.append([zh, en, required, cls.example.get(name, "")])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
