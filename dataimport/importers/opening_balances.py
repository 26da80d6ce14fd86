"""Opening balances (期初余额) from a spreadsheet: one row per document still open on the go-live
date, without its history. The document number is the natural key.

Each row becomes an issued invoice of origin "opening balance" dated its own issue date, with
one installment of the OPEN amount due on its due date; the original amount is kept for
reference (`receivables.services.opening_balance_import`). So aging, statements and balances as
of go-live are exact without the payments made before it. A re-import of the same row is
unchanged; a different one is an error, since the open item is posted."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export.fields import Field

from dataimport.importers.base import (
    HuikuanResource,
    cell_text,
    parse_date,
    parse_decimal,
    reported_as,
)
from dataimport.importers.contracts import (
    SERVICE_FIELDS,
    ReferenceLookups,
    UniqueInFile,
    collect_errors,
    parse_currency,
)
from dataimport.importers.invoices import MAX_NUMBER_LENGTH, too_long
from receivables import services
from receivables.models import Invoice


class OpeningBalanceResource(UniqueInFile, ReferenceLookups, HuikuanResource):
    headers = {
        "customer_code": ("客户编码", "Customer code"),
        "number": ("单据编号", "Document number"),
        "issue_date": ("开具日期", "Issue date"),
        "due_date": ("到期日", "Due date"),
        "currency": ("币种", "Currency"),
        "original_amount": ("原始金额", "Original amount"),
        "open_amount": ("未结金额", "Open amount"),
        "payment_terms_code": ("付款条件", "Payment terms"),
    }
    required = frozenset(
        {"customer_code", "number", "issue_date", "due_date", "original_amount", "open_amount"}
    )
    # The invoice list's export (receivables/views/exports.py) imports as it is: its number
    # and amount columns are these, its other columns are read by nobody here, and its
    # settled invoices (nothing open) are skipped.
    aliases = {"number": ("应收单号", "Invoice number"), "original_amount": ("金额", "Amount")}
    informational = (
        "客户名称",
        "Customer name",
        "销售代表",
        "Sales rep",
        "合同编号",
        "Contract number",
        "状态",
        "Status",
        "发票号码",
        "Fapiao number",
        "来源",
        "Origin",
    )
    example = {
        "customer_code": "C00001",
        "number": "ERP-2024-0815",
        "issue_date": "2024-11-20",
        "due_date": "2024-12-20",
        "currency": "CNY",
        "original_amount": "113000.00",
        "open_amount": "56500.00",
        "payment_terms_code": "",
    }
    natural_key = ("number",)

    number = Field(attribute="number", column_name="number")

    class Meta:
        model = Invoice
        fields = ("number",)
        import_id_fields = ("number",)
        skip_diff = True

    def get_instance(self, instance_loader, row):
        return (
            Invoice.objects.filter(number=cell_text(row.get("number")))
            .select_related("customer")
            .prefetch_related("installments")
            .first()
        )

    def import_instance(self, instance, row, **kwargs):
        """Parse the row into the service's arguments (`instance._import_values`); an existing
        document must match it exactly."""
        errors: dict[str, list] = {}
        if self.go_live_on is None:
            raise ValidationError(_("Opening balances need the go-live date."))
        number = cell_text(row["number"])
        if len(number) > MAX_NUMBER_LENGTH:
            errors["number"] = [too_long(MAX_NUMBER_LENGTH)]
        self.check_unique_in_file(row, errors)
        values = {
            "customer": collect_errors(errors, self.customer_by_code, row["customer_code"]),
            "issue_date": collect_errors(
                errors, parse_date, row["issue_date"], field_name="issue_date"
            ),
            "due_date": collect_errors(errors, parse_date, row["due_date"], field_name="due_date"),
            "currency": collect_errors(errors, parse_currency, row.get("currency")),
            "original_amount": collect_errors(
                errors, parse_decimal, row["original_amount"], field_name="original_amount"
            ),
            "open_amount": collect_errors(
                errors, parse_decimal, row["open_amount"], field_name="open_amount"
            ),
            "payment_terms": collect_errors(
                errors, self.terms_by_code, row.get("payment_terms_code")
            ),
        }
        if not errors and values["open_amount"] == 0 and values["original_amount"] is not None:
            # Settled before go-live: nothing to carry over.
            instance._settled = True
            return
        for name in ("original_amount", "open_amount"):
            if values[name] is not None and values[name] <= 0:
                errors.setdefault(name, []).append(_("The amount must be positive."))
        issue_date, due_date = values["issue_date"], values["due_date"]
        if due_date and issue_date and due_date < issue_date:
            errors.setdefault("due_date", []).append(
                _("The due date cannot be before the issue date.")
            )
        if not errors and instance.pk is not None:
            self._check_matches_existing(instance, values, errors)
        if errors:
            raise ValidationError(errors)
        if values["currency"] is None:
            values["currency"] = values["customer"].currency
        instance._import_values = values

    def _check_matches_existing(self, invoice: Invoice, values: dict, errors: dict) -> None:
        """The open item is posted: a re-import must say the same about it."""
        if invoice.customer_id != values["customer"].pk:
            errors["number"] = [
                _("Document number %(number)s already belongs to customer %(code)s.")
                % {"number": invoice.number, "code": invoice.customer.code}
            ]
            return
        installments = list(invoice.installments.all())
        stored = {
            "issue_date": invoice.issue_date,
            "due_date": installments[0].due_date if len(installments) == 1 else None,
            "currency": invoice.currency,
            "original_amount": invoice.original_amount,
            "open_amount": installments[0].amount if len(installments) == 1 else None,
        }
        if values["currency"] is None:
            stored.pop("currency")
        differs = [name for name, value in stored.items() if values[name] != value]
        if invoice.origin != Invoice.Origin.OPENING_BALANCE:
            differs = ["number"]
        for name in differs:
            errors.setdefault(name, []).append(
                _(
                    "Document %(number)s is already in the ledger with other content; a posted "
                    "document cannot change (issue a credit note instead)."
                )
                % {"number": invoice.number}
            )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # An existing document that passed _check_matches_existing is the same document; a
        # settled one has nothing to carry over.
        return not import_validation_errors and (
            instance.pk is not None or getattr(instance, "_settled", False)
        )

    def save_instance(self, instance, is_create, row, **kwargs):
        with reported_as(fields=SERVICE_FIELDS):
            invoice = services.opening_balance_import(
                actor=self.actor,
                number=cell_text(row["number"]),
                go_live_on=self.go_live_on,
                **instance._import_values,
            )
        instance.pk = invoice.pk
