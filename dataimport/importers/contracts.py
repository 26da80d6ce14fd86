"""Contracts from a spreadsheet: one row per contract, the contract number is the natural key.

A new number creates the contract (`receivables.services.contract_import`: the contract was
signed before Huikuan, so no credit control); a known number with other values updates it
(`contract_update`); the same values leave it unchanged. Only the columns present in the file
are compared and written: a file without the notes column leaves the notes alone."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export.fields import Field

from core.money import CURRENCY_MINOR_UNITS
from customers.models import Customer
from customers.selectors import customers_visible_to
from dataimport.importers.base import (
    ROW_NUMBER,
    HuikuanResource,
    cell_text,
    is_blank,
    parse_date,
    parse_decimal,
    reported_as,
)
from receivables import services
from receivables.models import Contract, PaymentTerms


def parse_currency(value, *, field_name: str = "currency") -> str | None:
    """An ISO 4217 code the ledger accepts (case ignored); None when blank."""
    if is_blank(value):
        return None
    code = cell_text(value).upper()
    if code not in CURRENCY_MINOR_UNITS:
        raise ValidationError({field_name: _("Unknown currency: %s") % cell_text(value)})
    return code


# A service's field → the column it comes from.
SERVICE_FIELDS = {"customer": "customer_code", "payment_terms": "payment_terms_code"}


class ReferenceLookups:
    """Customers, payment terms and contracts by the codes a file names, each looked up once
    per import (a file of 100,000 rows names a few thousand customers at most)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._references: dict[tuple[str, str], object] = {}

    def customer_by_code(self, value, *, field_name: str = "customer_code") -> Customer:
        code = cell_text(value)
        cache = self._references
        key = ("customer", code)
        if key not in cache:
            cache[key] = customers_visible_to(self.actor).filter(code=code).first()
        if cache[key] is None:
            raise ValidationError({field_name: _("Unknown customer code: %s") % code})
        return cache[key]

    def terms_by_code(self, value, *, field_name: str = "payment_terms_code"):
        """The payment terms a cell names; None when blank."""
        if is_blank(value):
            return None
        code = cell_text(value)
        cache = self._references
        key = ("terms", code)
        if key not in cache:
            cache[key] = PaymentTerms.objects.filter(code=code).prefetch_related("schedule").first()
        if cache[key] is None:
            raise ValidationError({field_name: _("Unknown payment terms code: %s") % code})
        return cache[key]

    def contract_by_number(self, value, *, field_name: str = "contract_number"):
        """The contract a cell names; None when blank. Not cached: a contract is a small
        lookup and an import of contracts may have just changed it."""
        if is_blank(value):
            return None
        number = cell_text(value)
        contract = Contract.objects.filter(number=number).first()
        if contract is None:
            raise ValidationError({field_name: _("Unknown contract number: %s") % number})
        return contract


class UniqueInFile:
    """Remembers the row each natural key first appeared in, across all chunks of one file, so
    that a key given twice is an error rather than a silent update by the second row."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._first_rows: dict[str, int] = {}

    def first_row_of(self, key: str, row_number) -> int | None:
        """The earlier row with `key`, or None (and `row_number` is remembered as its first)."""
        earlier = self._first_rows.setdefault(key, row_number)
        return None if earlier == row_number else earlier

    def check_unique_in_file(self, row, errors: dict, *, field_name: str = "number") -> None:
        earlier = self.first_row_of(cell_text(row.get(field_name)), row.get(ROW_NUMBER))
        if earlier is not None:
            errors.setdefault(field_name, []).append(
                _("%(number)s is already in row %(row)s of this file.")
                % {"number": cell_text(row.get(field_name)), "row": earlier}
            )


def collect_errors(errors: dict, parse, *args, **kwargs):
    """Run one cell's parser, adding its ValidationError to `errors` so that a row reports
    every bad cell at once rather than the first one only."""
    try:
        return parse(*args, **kwargs)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
        return None


class ContractResource(UniqueInFile, ReferenceLookups, HuikuanResource):
    headers = {
        "number": ("合同编号", "Contract number"),
        "customer_code": ("客户编码", "Customer code"),
        "title": ("合同名称", "Title"),
        "signed_on": ("签订日期", "Signed on"),
        "amount": ("合同金额", "Contract amount"),
        "currency": ("币种", "Currency"),
        "payment_terms_code": ("付款条件", "Payment terms"),
        "starts_on": ("开始日期", "Starts on"),
        "ends_on": ("结束日期", "Ends on"),
        "notes": ("备注", "Notes"),
    }
    required = frozenset({"number", "customer_code", "signed_on", "amount"})
    example = {
        "number": "HT-2025-001",
        "customer_code": "C00001",
        "title": "年度供货合同",
        "signed_on": "2025-01-15",
        "amount": "1200000.00",
        "currency": "CNY",
        "payment_terms_code": "NET30",
        "starts_on": "2025-02-01",
        "ends_on": "2025-12-31",
        "notes": "",
    }
    natural_key = ("number",)

    number = Field(attribute="number", column_name="number")

    class Meta:
        model = Contract
        fields = ("number",)
        import_id_fields = ("number",)
        skip_diff = True

    def get_instance(self, instance_loader, row):
        return Contract.objects.filter(number=cell_text(row.get("number"))).first()

    def import_instance(self, instance, row, **kwargs):
        """Parse the row into the values a contract gets (`instance._import_values`): every
        bad cell is reported on its column."""
        errors: dict[str, list] = {}
        self.check_unique_in_file(row, errors)
        values = {}
        if "customer_code" in row:
            values["customer"] = collect_errors(errors, self.customer_by_code, row["customer_code"])
        for name in ("title", "notes"):
            if name in row:
                values[name] = cell_text(row[name])
        for name in ("signed_on", "starts_on", "ends_on"):
            if name in row:
                values[name] = collect_errors(errors, parse_date, row[name], field_name=name)
        if "amount" in row:
            values["amount"] = collect_errors(
                errors, parse_decimal, row["amount"], field_name="amount"
            )
            if values["amount"] is not None and values["amount"] < 0:
                errors.setdefault("amount", []).append(_("The amount cannot be negative."))
        if "currency" in row:
            currency = collect_errors(errors, parse_currency, row["currency"])
            if currency:
                values["currency"] = currency
            elif instance.pk is None and values.get("customer"):
                values["currency"] = values["customer"].currency
        if "payment_terms_code" in row:
            values["payment_terms"] = collect_errors(
                errors, self.terms_by_code, row["payment_terms_code"]
            )
        if errors:
            raise ValidationError(errors)
        instance._import_values = values

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or instance.pk is None:
            return False
        return all(
            getattr(instance, name) == value for name, value in instance._import_values.items()
        )

    def save_instance(self, instance, is_create, row, **kwargs):
        values = dict(instance._import_values)
        with reported_as(fields=SERVICE_FIELDS):
            if is_create:
                contract = services.contract_import(
                    actor=self.actor, number=cell_text(row["number"]), **values
                )
                instance.pk = contract.pk
            else:
                services.contract_update(actor=self.actor, contract=instance, **values)
