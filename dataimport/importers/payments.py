"""Payments and their allocations. One row per allocation: rows with the same payment number form
one payment (its columns repeated on each row, and they must agree); a row without an invoice
number records the payment alone (unapplied credit). An allocation names the invoice and
optionally its installment; without one the amount goes to the invoice's open installments,
oldest due first. Without an applied-on date it is applied on the day the payment was received.

Posted payments are never changed: re-importing a payment with the same columns and the same
allocations is unchanged; a new allocation of an existing payment is applied (updated); any other
difference is an error naming the column."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from import_export.fields import Field
from import_export.results import RowResult

from core.money import ZERO
from customers.models import Customer
from dataimport.importers.base import (
    HuikuanResource,
    cell_text,
    is_blank,
    parse_choice,
    parse_date,
    parse_decimal,
    reported_as,
)
from receivables.models import Allocation, Invoice, Payment
from receivables.services import payment_import, payment_import_allocate

# Service field → importer column, for refusals the services raise.
PAYMENT_FIELDS = {"customer": "customer_code", "number": "number"}
ALLOCATION_FIELDS = {
    "invoice": "invoice_number",
    "sequence": "installment_sequence",
    "amount": "amount_applied",
    "allocations": "amount_applied",
    "applied_on": "applied_on",
    "payment": "number",
}


@dataclass
class PaymentRow:
    """One row, parsed: the payment's columns and the allocation it carries (if any)."""

    number: str
    header: dict
    invoice: Invoice | None = None
    sequence: int | None = None
    amount_applied: Decimal | None = None
    applied_on: date | None = None


class PaymentResource(HuikuanResource):
    headers = {
        "number": ("收款单号", "Payment number"),
        "customer_code": ("客户编码", "Customer code"),
        "received_on": ("收款日期", "Received on"),
        "amount": ("金额", "Amount"),
        "currency": ("币种", "Currency"),
        "method": ("收款方式", "Method"),
        "reference": ("参考号", "Reference"),
        "instrument_number": ("票据号码", "Instrument number"),
        "instrument_acceptor": ("承兑人", "Acceptor"),
        "instrument_matures_on": ("票据到期日", "Matures on"),
        "invoice_number": ("发票号码", "Invoice number"),
        "installment_sequence": ("分期序号", "Installment"),
        "amount_applied": ("核销金额", "Amount applied"),
        "applied_on": ("核销日期", "Applied on"),
    }
    required = frozenset({"number", "customer_code", "received_on", "amount"})
    example = {
        "number": "RCV-2025-000001",
        "customer_code": "C0001",
        "received_on": "2025-03-31",
        "amount": "11300.00",
        "currency": "CNY",
        "method": "bank_transfer",
        "reference": "招商银行 回单 0331-001",
        "instrument_number": "",
        "instrument_acceptor": "",
        "instrument_matures_on": "",
        "invoice_number": "INV-2025-000001",
        "installment_sequence": "",
        "amount_applied": "11300.00",
        "applied_on": "2025-03-31",
    }
    # The payment number: a payment's rows are read together (the import job never splits
    # them between chunks) and a re-import matches the recorded payment.
    natural_key = ("number",)

    number = Field(attribute="number", column_name="number")

    class Meta:
        model = Payment
        fields = ("number",)
        import_id_fields = ("number",)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._customers: dict[str, Customer | None] = {}
        # Payments this importer created (in this run or its dry run): their further rows add
        # allocations to a new payment, so they are new rows, not updates.
        self._created_numbers: set[str] = set()
        # What earlier rows already account for, per (payment, invoice, installment, applied
        # on): a file repeating an allocation then matches it once per row. Reset for each chunk
        # the job imports; a payment's rows are never split between chunks.
        self._claimed: dict[tuple, Decimal] = {}
        self.row_added_to_new_payment = False

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._claimed = {}

    def get_queryset(self):
        return Payment.objects.select_related("customer")

    # --- parsing ---------------------------------------------------------------------------

    def _customer(self, value) -> Customer:
        code = cell_text(value)
        if code not in self._customers:
            self._customers[code] = Customer.objects.filter(code=code).first()
        if self._customers[code] is None:
            raise ValidationError(
                {"customer_code": _("Unknown customer code “%(code)s”.") % {"code": code}}
            )
        return self._customers[code]

    def _invoice(self, value) -> Invoice:
        number = cell_text(value)
        invoice = Invoice.objects.filter(number=number, status__in=Invoice.POSTED_STATUSES).first()
        if invoice is None:
            raise ValidationError(
                {"invoice_number": _("Unknown invoice number “%(number)s”.") % {"number": number}}
            )
        return invoice

    @staticmethod
    def _sequence(value) -> int | None:
        number = parse_decimal(value, field_name="installment_sequence")
        if number is None:
            return None
        if number != number.to_integral_value() or number < 1:
            raise ValidationError(
                {"installment_sequence": _("The installment is a whole number from 1.")}
            )
        return int(number)

    @staticmethod
    def _amount_applied(value) -> Decimal | None:
        amount = parse_decimal(value, field_name="amount_applied")
        # Refused here, not only by the service: a recorded payment's rows are matched against
        # its allocations before anything is applied.
        if amount is not None and amount <= 0:
            raise ValidationError({"amount_applied": _("The amount must be positive.")})
        return amount

    def _parse(self, row) -> PaymentRow:
        """The row's values; ValidationError naming every column at fault."""
        header, errors = {}, {}
        allocation = {}

        def take(target, name, parse):
            if name not in row:
                return
            try:
                target[name] = parse(row[name])
            except ValidationError as error:
                errors.update(error.message_dict)

        take(header, "customer_code", self._customer)
        take(header, "received_on", lambda v: parse_date(v, field_name="received_on"))
        take(header, "amount", lambda v: parse_decimal(v, field_name="amount"))
        take(header, "currency", lambda v: cell_text(v).upper() or None)
        take(
            header,
            "method",
            lambda v: (
                parse_choice(v, choices=Payment.Method, field_name="method")
                or Payment.Method.BANK_TRANSFER
            ),
        )
        for name in ("reference", "instrument_number", "instrument_acceptor"):
            take(header, name, cell_text)
        take(
            header,
            "instrument_matures_on",
            lambda v: parse_date(v, field_name="instrument_matures_on"),
        )
        if not is_blank(row.get("invoice_number")):
            take(allocation, "invoice_number", self._invoice)
            take(allocation, "installment_sequence", self._sequence)
            take(allocation, "amount_applied", self._amount_applied)
            take(allocation, "applied_on", lambda v: parse_date(v, field_name="applied_on"))
            if "amount_applied" not in errors and allocation.get("amount_applied") is None:
                errors["amount_applied"] = [_("Give the amount applied to the invoice.")]
        elif any(
            not is_blank(row.get(name))
            for name in ("installment_sequence", "amount_applied", "applied_on")
        ):
            errors["invoice_number"] = [_("Name the invoice the amount is applied to.")]
        if errors:
            raise ValidationError(errors)
        if header.get("currency") is None:
            header["currency"] = header["customer_code"].currency
        return PaymentRow(
            number=cell_text(row["number"]),
            header=header,
            invoice=allocation.get("invoice_number"),
            sequence=allocation.get("installment_sequence"),
            amount_applied=allocation.get("amount_applied"),
            applied_on=allocation.get("applied_on") or header["received_on"],
        )

    @staticmethod
    def _recorded(payment: Payment, name: str):
        if name == "customer_code":
            return payment.customer
        return getattr(payment, name)

    def _check_same_payment(self, payment: Payment, parsed: PaymentRow) -> None:
        """A recorded payment is posted: every row naming it must repeat its columns."""
        errors = {}
        for name, value in parsed.header.items():
            recorded = self._recorded(payment, name)
            if name in ("reference", "instrument_number", "instrument_acceptor"):
                recorded = recorded or ""
            if value != recorded:
                errors[name] = [
                    _(
                        "Payment %(number)s is recorded with “%(recorded)s” here; a posted "
                        "payment is not changed (reverse it and import it again)."
                    )
                    % {"number": payment.number, "recorded": recorded}
                ]
        if errors:
            raise ValidationError(errors)

    # --- allocations -----------------------------------------------------------------------

    def _claim_key(self, payment: Payment, parsed: PaymentRow) -> tuple:
        return (payment.pk, parsed.invoice.pk, parsed.sequence, parsed.applied_on)

    def _already_applied(self, payment: Payment, parsed: PaymentRow) -> bool:
        """Whether the payment's live allocations on that day already hold this row's amount
        (beyond what earlier rows of the file matched)."""
        allocations = Allocation.objects.filter(
            payment=payment,
            installment__invoice=parsed.invoice,
            applied_on=parsed.applied_on,
            reverses__isnull=True,
            reversed_by__isnull=True,
        )
        if parsed.sequence is not None:
            allocations = allocations.filter(installment__sequence=parsed.sequence)
        applied = allocations.aggregate(total=Sum("amount"))["total"] or ZERO
        claimed = self._claimed.get(self._claim_key(payment, parsed), ZERO)
        return applied - claimed >= parsed.amount_applied

    def _claim(self, payment: Payment, parsed: PaymentRow) -> None:
        key = self._claim_key(payment, parsed)
        self._claimed[key] = self._claimed.get(key, ZERO) + parsed.amount_applied

    # --- the import-export hooks ----------------------------------------------------------

    def import_instance(self, instance, row, **kwargs):
        """Parse the row and, for a recorded payment, check it repeats its columns; the
        payment and its allocation are written by save_instance through the services."""
        parsed = self._parse(row)
        if instance.pk is not None:
            self._check_same_payment(instance, parsed)
        instance.import_parsed = parsed

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or instance.pk is None:
            return False
        parsed = instance.import_parsed
        if parsed.invoice is None:
            return True
        if self._already_applied(instance, parsed):
            self._claim(instance, parsed)
            return True
        return False

    def save_instance(self, instance, is_create, row, **kwargs):
        """Record the payment (first row of a new one), then apply the row's allocation; one
        savepoint, so a refused allocation leaves no payment behind for the rows after it."""
        parsed = instance.import_parsed
        self.row_added_to_new_payment = parsed.number in self._created_numbers
        with transaction.atomic():
            payment = instance
            if is_create:
                header = dict(parsed.header)
                customer = header.pop("customer_code")
                with reported_as("number", fields=PAYMENT_FIELDS):
                    payment = payment_import(
                        actor=self.actor, customer=customer, number=parsed.number, **header
                    )
                instance.pk = payment.pk
            if parsed.invoice is not None:
                with reported_as("amount_applied", fields=ALLOCATION_FIELDS):
                    payment_import_allocate(
                        actor=self.actor,
                        payment=payment,
                        invoice=parsed.invoice,
                        sequence=parsed.sequence,
                        amount=parsed.amount_applied,
                        applied_on=parsed.applied_on,
                    )
                self._claim(payment, parsed)
        if is_create:
            self._created_numbers.add(parsed.number)

    def after_import_row(self, row, row_result, **kwargs):
        # A further row of a payment this file created adds an allocation to a new payment.
        if row_result.import_type == RowResult.IMPORT_TYPE_UPDATE and self.row_added_to_new_payment:
            row_result.import_type = RowResult.IMPORT_TYPE_NEW
        self.row_added_to_new_payment = False
