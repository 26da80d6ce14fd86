"""Forms of the payment pages: list filters, recording a receipt, the allocation screen, reversal
and refund. They parse input; the services decide what the ledger accepts."""

import re
from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.forms import Form, add_application_error
from core.money import CURRENCY_CHOICES, CURRENCY_MINOR_UNITS, DECIMAL_PLACES, MAX_DIGITS
from customers.fields import CustomerField
from customers.models import Customer
from receivables.models import INSTRUMENT_METHOD_VALUES, Payment


def _money_field(label, **kwargs):
    return forms.DecimalField(
        label=label, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs
    )


class PaymentFilterForm(Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Payment.Status.choices]
    )
    customer = CustomerField(label=_("Customer"), required=False, suggest_archived=True)
    method = forms.ChoiceField(
        label=_("Method"), required=False, choices=[("", _("Any method")), *Payment.Method.choices]
    )
    received_from = forms.DateField(label=_("Received from"), required=False)
    received_to = forms.DateField(label=_("Received to"), required=False)
    unapplied_only = forms.BooleanField(label=_("Unapplied only"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].user = user
        self.fields["q"].widget.attrs["placeholder"] = _(
            "Number, reference, bill number or customer"
        )

    def filter(self, payments):
        """`payments` narrowed by the valid filters (invalid ones are ignored, and shown)."""
        if not self.is_valid():
            return payments
        data = self.cleaned_data
        if data["q"]:
            term = data["q"].strip()
            payments = payments.filter(
                Q(number__icontains=term)
                | Q(reference__icontains=term)
                | Q(instrument_number__icontains=term)
                | Q(customer__code__icontains=term)
                | Q(customer__legal_name__icontains=term)
                | Q(customer__short_name__icontains=term)
            )
        if data["status"]:
            payments = payments.filter(status=data["status"])
        if data["customer"]:
            payments = payments.filter(customer=data["customer"])
        if data["method"]:
            payments = payments.filter(method=data["method"])
        if data["received_from"]:
            payments = payments.filter(received_on__gte=data["received_from"])
        if data["received_to"]:
            payments = payments.filter(received_on__lte=data["received_to"])
        if data["unapplied_only"]:
            payments = payments.filter(unapplied_amount__gt=0)
        return payments


class PaymentRecordForm(Form):
    customer = CustomerField(
        label=_("Customer"), queryset=Customer.objects.filter(is_archived=False)
    )
    received_on = forms.DateField(label=_("Received on"))
    amount = _money_field(_("Amount"))
    currency = forms.ChoiceField(
        label=_("Currency"),
        required=False,
        choices=[("", _("The customer's currency")), *CURRENCY_CHOICES],
    )
    method = forms.ChoiceField(
        label=_("Method"), choices=Payment.Method.choices, initial=Payment.Method.BANK_TRANSFER
    )
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        required=False,
        help_text=_("The bank's transaction number, cheque number or similar."),
    )
    # Only for bills and e-vouchers; whether they are needed is payment_record's rule, so a
    # number given with a bank transfer is refused there and shown on its field.
    instrument_number = forms.CharField(
        label=_("Bill / voucher number"),
        max_length=40,
        required=False,
        help_text=_("The number printed on the bill (票据号码) or the e-voucher's number."),
    )
    instrument_acceptor = forms.CharField(
        label=_("Acceptor"),
        max_length=200,
        required=False,
        help_text=_("The bank or company that accepted the bill and pays it at maturity."),
    )
    instrument_matures_on = forms.DateField(label=_("Matures on"), required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    # The page shows the instrument's fields only for these methods.
    instrument_methods = INSTRUMENT_METHOD_VALUES

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].user = user


class InstallmentAmountsForm(Form):
    """One amount per open installment, named `amount_<installment id>` so that each row's
    errors show on that row: the allocation screen's rows, and a bank line assigned by hand."""

    def __init__(self, *args, installments, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.installments = list(installments)
        places = CURRENCY_MINOR_UNITS[currency]
        for installment in self.installments:
            self.fields[self.amount_field_name(installment.pk)] = forms.DecimalField(
                label=_("Amount for %(invoice)s") % {"invoice": installment},
                required=False,
                min_value=Decimal(0),
                max_digits=MAX_DIGITS,
                decimal_places=places,
                widget=forms.TextInput(
                    attrs={"inputmode": "decimal", "autocomplete": "off", "class": "text-end"}
                ),
            )

    @staticmethod
    def amount_field_name(installment_id: int) -> str:
        return f"amount_{installment_id}"

    @staticmethod
    def installment_ids_in(data) -> tuple[int, ...]:
        """The installments that submitted `data` gives amounts for."""
        return tuple(int(match[1]) for key in data if (match := re.fullmatch(r"amount_(\d+)", key)))

    def rows(self):
        """(installment, bound amount field) pairs in the screen's order, for the template."""
        return [
            (installment, self[self.amount_field_name(installment.pk)])
            for installment in self.installments
        ]

    def add_service_error(self, error) -> None:
        """Show a service's refusal on the row of the installment it names (`row`); anything
        else where core.forms puts it."""
        row_field = self.amount_field_name(error.row) if error.row is not None else None
        if error.field in ("allocations", "installment", "amount") and row_field in self.fields:
            self.add_error(row_field, str(error.message))
        else:
            add_application_error(self, error)

    def allocations(self) -> list[tuple[int, Decimal]]:
        """(installment id, amount) for every row given an amount above zero."""
        return [
            (installment.pk, amount)
            for installment in self.installments
            if (amount := self.cleaned_data.get(self.amount_field_name(installment.pk)))
        ]


class AllocationForm(InstallmentAmountsForm):
    """The allocation screen: an applied-on date and one amount per open installment."""

    applied_on = forms.DateField(label=_("Applied on"))

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.allocations():
            raise forms.ValidationError(_("Enter an amount for at least one installment."))
        return cleaned


class PaymentReverseForm(Form):
    reversed_on = forms.DateField(label=_("Reversed on"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_(
            "Why the money did not arrive or was recorded by mistake (e.g. bounced cheque)."
        ),
    )


class PaymentRefundForm(Form):
    amount = _money_field(_("Amount"))
    refunded_on = forms.DateField(label=_("Refunded on"))
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
