"""Invoices from a spreadsheet: one row per invoice LINE; consecutive rows with the same invoice
number are one invoice and repeat its header columns (customer, contract, issue date, currency,
payment terms or due date, fapiao number).

An invoice is written on its group's last row, once all its lines are read, as an ISSUED
invoice keeping the file's number (`receivables.services.invoice_import`, origin "imported").
Its installments follow the payment terms' schedule, or fall on the single due date the file
gives. A re-import finds the invoice by number: the same content is "unchanged", a new fapiao
number "updated" (a delivery fact, allowed after issue); any other difference is an error,
because a posted invoice is never edited (corrections are credit notes)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export.fields import Field
from import_export.results import RowResult

from dataimport.importers.base import (
    ROW_NUMBER,
    HuikuanResource,
    cell_text,
    is_blank,
    parse_date,
    parse_decimal,
    reported_as,
)
from dataimport.importers.contracts import ReferenceLookups, collect_errors, parse_currency
from receivables import services
from receivables.models import Invoice, InvoiceLine

MAX_NUMBER_LENGTH = Invoice._meta.get_field("number").max_length
MAX_DESCRIPTION_LENGTH = InvoiceLine._meta.get_field("description").max_length

HEADER_FIELDS = (
    "customer_code",
    "contract_number",
    "issue_date",
    "currency",
    "payment_terms_code",
    "due_date",
    "fapiao_number",
)
LINE_FIELDS = ("description", "quantity", "unit_price", "tax_rate")

# A service's field → the column it comes from.
SERVICE_FIELDS = {
    "customer": "customer_code",
    "contract": "contract_number",
    "payment_terms": "payment_terms_code",
    "lines": "unit_price",
    "status": "number",
}


def too_long(limit: int) -> str:
    return _("At most %(limit)d characters.") % {"limit": limit}


def parse_tax_rate(value, *, field_name: str = "tax_rate") -> Decimal:
    """A tax rate as a fraction: "13%" or 0.13 (an XLSX percent cell holds 0.13); blank is 0.
    A bare 13 is refused rather than guessed: 13 could be a typo for 0.13 or for 13%."""
    if is_blank(value):
        return Decimal(0)
    text = cell_text(value)
    if isinstance(value, str) and text.endswith("%"):
        rate = parse_decimal(text.removesuffix("%"), field_name=field_name) / 100
    else:
        rate = parse_decimal(value, field_name=field_name)
    if not (0 <= rate < 1):
        raise ValidationError(
            {
                field_name: _("Write the tax rate as 13%% or 0.13, not “%(value)s”.")
                % {"value": text}
            }
        )
    return rate


@dataclass
class InvoiceGroup:
    """The consecutive rows of one invoice read so far."""

    number: str
    first_row: int
    # The header cells as written on the first row: later rows must repeat them.
    header_cells: dict
    existing: Invoice | None
    # The first row of an earlier group with the same number: this group is a duplicate.
    duplicate_of: int | None = None
    header: dict | None = None
    lines: list[dict] = field(default_factory=list)
    failed: bool = False


class InvoiceResource(ReferenceLookups, HuikuanResource):
    headers = {
        "number": ("发票号码", "Invoice number"),
        "customer_code": ("客户编码", "Customer code"),
        "contract_number": ("合同编号", "Contract number"),
        "issue_date": ("开具日期", "Issue date"),
        "currency": ("币种", "Currency"),
        "payment_terms_code": ("付款条件", "Payment terms"),
        "due_date": ("到期日", "Due date"),
        "fapiao_number": ("增值税发票号码", "Fapiao number"),
        "description": ("项目名称", "Description"),
        "quantity": ("数量", "Quantity"),
        "unit_price": ("单价", "Unit price"),
        "tax_rate": ("税率", "Tax rate"),
    }
    required = frozenset(
        {"number", "customer_code", "issue_date", "description", "quantity", "unit_price"}
    )
    example = {
        "number": "INV-ERP-000123",
        "customer_code": "C00001",
        "contract_number": "HT-2025-001",
        "issue_date": "2025-03-01",
        "currency": "CNY",
        "payment_terms_code": "NET30",
        "due_date": "",
        "fapiao_number": "04400123",
        "description": "钢材",
        "quantity": "10",
        "unit_price": "1000.00",
        "tax_rate": "13%",
    }
    natural_key = ("number",)

    number = Field(attribute="number", column_name="number")

    class Meta:
        model = Invoice
        fields = ("number",)
        import_id_fields = ("number",)
        skip_diff = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Invoice number → the first row of its group, across all chunks of the file: a number
        # coming back after another invoice is a duplicate.
        self.first_rows: dict[str, int] = {}
        self.group: InvoiceGroup | None = None
        self.group_last_rows: set = set()

    def before_import(self, dataset, **kwargs):
        """Note the last row of each invoice in this chunk: the invoice is written there."""
        if "number" not in dataset.headers:
            return
        numbers = [cell_text(value) for value in dataset["number"]]
        row_numbers = dataset[ROW_NUMBER]
        self.group_last_rows = {
            row_numbers[index]
            for index, number in enumerate(numbers)
            if index + 1 == len(numbers) or numbers[index + 1] != number
        }

    def import_row(self, row, instance_loader, **kwargs):
        self._follow_group(row)
        row_result = super().import_row(row, instance_loader, **kwargs)
        if row_result.import_type in (RowResult.IMPORT_TYPE_INVALID, RowResult.IMPORT_TYPE_ERROR):
            # An invoice with a bad line is not written at all, not written without that line.
            self.group.failed = True
        return row_result

    def _follow_group(self, row) -> None:
        """Start a new group when the invoice number changes."""
        number = cell_text(row.get("number"))
        if self.group is not None and self.group.number == number:
            return
        row_number = row.get(ROW_NUMBER)
        self.group = InvoiceGroup(
            number=number,
            first_row=row_number,
            header_cells={name: cell_text(row.get(name)) for name in HEADER_FIELDS},
            existing=Invoice.objects.filter(number=number)
            .select_related("customer", "contract", "payment_terms")
            .prefetch_related("lines", "installments")
            .first(),
            duplicate_of=self.first_rows.get(number),
        )
        self.first_rows.setdefault(number, row_number)

    def get_instance(self, instance_loader, row):
        return self.group.existing

    # --- reading a row ---------------------------------------------------------------------

    def import_instance(self, instance, row, **kwargs):
        group = self.group
        errors: dict[str, list] = {}
        is_first = row.get(ROW_NUMBER) == group.first_row
        if is_first and group.duplicate_of is not None:
            errors["number"] = [
                _(
                    "Invoice number %(number)s is already used in row %(row)s; an invoice's "
                    "lines must be consecutive rows."
                )
                % {"number": group.number, "row": group.duplicate_of}
            ]
        elif is_first:
            if len(group.number) > MAX_NUMBER_LENGTH:
                errors["number"] = [too_long(MAX_NUMBER_LENGTH)]
            group.header = self._read_header(row, errors)
        else:
            self._check_repeated_header(row, errors)
        line = self._read_line(row, errors)
        if not errors and group.existing is not None and group.header is not None:
            self._check_matches_existing(row, line, errors)
        if errors:
            group.failed = True
            raise ValidationError(errors)
        group.lines.append(line)

    def _read_header(self, row, errors) -> dict | None:
        header = {
            "customer": collect_errors(errors, self.customer_by_code, row["customer_code"]),
            "issue_date": collect_errors(
                errors, parse_date, row["issue_date"], field_name="issue_date"
            ),
            "contract": collect_errors(errors, self.contract_by_number, row.get("contract_number")),
            "currency": collect_errors(errors, parse_currency, row.get("currency")),
            "payment_terms": collect_errors(
                errors, self.terms_by_code, row.get("payment_terms_code")
            ),
            "due_date": collect_errors(
                errors, parse_date, row.get("due_date"), field_name="due_date"
            ),
            "fapiao_number": cell_text(row.get("fapiao_number")),
        }
        if len(header["fapiao_number"]) > MAX_NUMBER_LENGTH:
            errors.setdefault("fapiao_number", []).append(too_long(MAX_NUMBER_LENGTH))
        if (
            header["due_date"]
            and header["issue_date"]
            and header["due_date"] < header["issue_date"]
        ):
            errors.setdefault("due_date", []).append(
                _("The due date cannot be before the issue date.")
            )
        customer = header["customer"]
        existing = self.group.existing
        if customer and existing is not None and existing.customer_id != customer.pk:
            errors.setdefault("number", []).append(
                _("Invoice number %(number)s already belongs to customer %(code)s.")
                % {"number": self.group.number, "code": existing.customer.code}
            )
        return None if errors else header

    def _check_repeated_header(self, row, errors) -> None:
        for name in HEADER_FIELDS:
            if cell_text(row.get(name)) != self.group.header_cells[name]:
                errors.setdefault(name, []).append(
                    _(
                        "Row %(row)s gives invoice %(number)s another value here; the rows of "
                        "one invoice repeat the same header."
                    )
                    % {"row": self.group.first_row, "number": self.group.number}
                )

    def _read_line(self, row, errors) -> dict:
        line = {
            "description": cell_text(row["description"]),
            "quantity": collect_errors(
                errors, parse_decimal, row["quantity"], field_name="quantity"
            ),
            "unit_price": collect_errors(
                errors, parse_decimal, row["unit_price"], field_name="unit_price"
            ),
            "tax_rate": collect_errors(errors, parse_tax_rate, row.get("tax_rate")),
        }
        if len(line["description"]) > MAX_DESCRIPTION_LENGTH:
            errors.setdefault("description", []).append(too_long(MAX_DESCRIPTION_LENGTH))
        for name in ("quantity", "unit_price", "tax_rate"):
            places = InvoiceLine._meta.get_field(name).decimal_places
            if line[name] is not None and line[name].as_tuple().exponent < -places:
                errors.setdefault(name, []).append(
                    _("At most %(places)d decimal places.") % {"places": places}
                )
        if line["quantity"] is not None and line["quantity"] <= 0:
            errors.setdefault("quantity", []).append(_("The quantity must be positive."))
        if line["unit_price"] is not None and line["unit_price"] < 0:
            errors.setdefault("unit_price", []).append(_("The unit price cannot be negative."))
        return line

    # --- an invoice already in the ledger --------------------------------------------------

    def _check_matches_existing(self, row, line, errors) -> None:
        """A posted invoice cannot change: every column but the fapiao number must match."""
        existing, header = self.group.existing, self.group.header
        if existing.customer_id != header["customer"].pk:
            return  # reported on the first row as a number of another customer's
        currency = header["currency"] or (
            header["contract"].currency if header["contract"] else header["customer"].currency
        )
        differs = []
        if existing.issue_date != header["issue_date"]:
            differs.append("issue_date")
        if existing.contract_id != (header["contract"].pk if header["contract"] else None):
            differs.append("contract_number")
        if existing.currency != currency:
            differs.append("currency")
        if header["payment_terms"] and existing.payment_terms_id != header["payment_terms"].pk:
            differs.append("payment_terms_code")
        if header["due_date"] and [i.due_date for i in existing.installments.all()] != [
            header["due_date"]
        ]:
            differs.append("due_date")
        position = len(self.group.lines)
        existing_lines = list(existing.lines.all())
        if position >= len(existing_lines):
            differs.append("description")
        else:
            stored = existing_lines[position]
            for name in LINE_FIELDS:
                if getattr(stored, name) != line[name]:
                    differs.append(name)
        is_last = row.get(ROW_NUMBER) in self.group_last_rows
        if is_last and position + 1 < len(existing_lines):
            differs.append("description")
        for name in differs:
            errors.setdefault(name, []).append(
                _(
                    "Invoice %(number)s is already issued with other content; an issued invoice "
                    "cannot change (issue a credit note instead)."
                )
                % {"number": existing.number}
            )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        header = self.group.header
        if import_validation_errors or instance.pk is None or header is None:
            return False
        return instance.fapiao_number == header["fapiao_number"]

    # --- writing ---------------------------------------------------------------------------

    def save_instance(self, instance, is_create, row, **kwargs):
        group = self.group
        if row.get(ROW_NUMBER) not in self.group_last_rows or group.failed:
            return
        header = group.header
        with reported_as(fields=SERVICE_FIELDS):
            if is_create:
                invoice = services.invoice_import(
                    actor=self.actor,
                    number=group.number,
                    lines=group.lines,
                    origin=Invoice.Origin.IMPORTED,
                    **header,
                )
                instance.pk = invoice.pk
            else:
                services.invoice_update_delivery(
                    actor=self.actor, invoice=instance, fapiao_number=header["fapiao_number"]
                )
