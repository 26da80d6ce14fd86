"""Forms of the invoice pages: the list's filters, a draft's header and lines, delivery facts."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.forms import PersonChoiceField
from accounts.roles import sees_all_customers
from core.forms import Form
from core.money import CURRENCY_CHOICES
from customers.fields import CustomerField
from customers.models import Customer
from receivables.models import Contract, Invoice, PaymentTerms
from receivables.selectors import contracts_visible_to

# Enough for any real invoice; a bigger POST is a mistake or an attack, not a document.
MAX_LINES = 200


class InvoiceFilterForm(Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, customer code or name")}
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Invoice.Status.choices]
    )
    customer = CustomerField(label=_("Customer"), required=False, suggest_archived=True)
    owner = PersonChoiceField(
        label=_("Sales rep"), required=False, queryset=None, empty_label=_("All sales reps")
    )
    currency = forms.ChoiceField(
        label=_("Currency"), required=False, choices=[("", _("Any currency")), *CURRENCY_CHOICES]
    )
    due_from = forms.DateField(label=_("Installment due from"), required=False)
    due_to = forms.DateField(label=_("Installment due to"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    disputed = forms.BooleanField(label=_("Disputed only"), required=False)
    unsent = forms.BooleanField(label=_("Not yet sent"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].user = user
        if sees_all_customers(user):
            self.fields["owner"].queryset = (
                get_user_model()
                .objects.filter(owned_customers__isnull=False)
                .distinct()
                .order_by("username")
            )
        else:
            # A sales rep sees only their own customers: there is no other rep to choose.
            del self.fields["owner"]

    def selector_filters(self) -> dict:
        """The valid filters as invoices_for_list's keywords (an invalid one is ignored and
        shown with its error)."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "search": data.get("q", "").strip(),
            "status": data.get("status", ""),
            "customer": data.get("customer"),
            "owner": data.get("owner"),
            "currency": data.get("currency", ""),
            "due_from": data.get("due_from"),
            "due_to": data.get("due_to"),
            "overdue_only": data.get("overdue", False),
            "disputed_only": data.get("disputed", False),
            "unsent_only": data.get("unsent", False),
        }


class InvoiceDraftForm(Form):
    """The header of a draft; the lines are InvoiceLineFormSet."""

    customer = CustomerField(
        label=_("Customer"), queryset=Customer.objects.filter(is_archived=False)
    )
    issue_date = forms.DateField(label=_("Issue date"))
    payment_terms = forms.ModelChoiceField(
        label=_("Payment terms"),
        queryset=None,
        required=False,
        empty_label=_("Customer's default terms"),
    )
    contract = forms.ModelChoiceField(
        label=_("Contract"), queryset=None, required=False, empty_label=_("No contract")
    )
    currency = forms.ChoiceField(
        label=_("Currency"),
        required=False,
        choices=[("", _("Contract's or customer's currency")), *CURRENCY_CHOICES],
    )
    fapiao_number = forms.CharField(label=_("Fapiao number"), max_length=32, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, invoice: Invoice | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].user = user
        # A draft keeps terms that were retired after it was written.
        current_terms = invoice.payment_terms_id if invoice else None
        self.fields["payment_terms"].queryset = PaymentTerms.objects.filter(
            Q(is_active=True) | Q(pk=current_terms)
        )
        # A draft's contract must be its customer's (the services refuse another's): offering only
        # that customer's contracts keeps every choice valid and the list short.
        customer = self.chosen_customer()
        self.fields["contract"].queryset = (
            contracts_visible_to(user).filter(customer=customer)
            if customer
            else Contract.objects.none()
        )
        self.fields["contract"].label_from_instance = lambda contract: " ".join(
            part for part in (contract.number, contract.title) if part
        )

    def chosen_customer(self) -> Customer | None:
        """The customer the form holds (as submitted, else as initially given), if it names one
        the user may choose."""
        field = self.fields["customer"]
        if self.is_bound:
            value = self["customer"].data
        else:
            value = self.get_initial_for_field(field, "customer")
        return value if isinstance(value, Customer) else field.resolve(value)

    @staticmethod
    def initial_for(invoice: Invoice) -> dict:
        return {
            "customer": invoice.customer,
            "issue_date": invoice.issue_date,
            "payment_terms": invoice.payment_terms_id,
            "contract": invoice.contract_id,
            "currency": invoice.currency,
            "fapiao_number": invoice.fapiao_number,
            "notes": invoice.notes,
        }


def _plain(number: Decimal) -> str:
    """2.5000 → "2.5" and 10.0000 → "10" for the inputs (normalize() alone gives "1E+1")."""
    return format(number.normalize(), "f")


class InvoiceLineForm(Form):
    # The services' own checks, repeated here so that each refusal shows on its row and field.
    description = forms.CharField(label=_("Description"), max_length=300)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=18, decimal_places=4)
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=22, decimal_places=4)
    tax_percent = forms.DecimalField(
        label=_("Tax %"), max_digits=4, decimal_places=2, required=False
    )

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if quantity <= 0:
            raise forms.ValidationError(_("Quantity must be positive."))
        return quantity

    def clean_unit_price(self):
        unit_price = self.cleaned_data["unit_price"]
        if unit_price < 0:
            raise forms.ValidationError(_("Unit price cannot be negative."))
        return unit_price

    def clean_tax_percent(self):
        tax_percent = self.cleaned_data["tax_percent"] or Decimal(0)
        if not (0 <= tax_percent < 100):
            raise forms.ValidationError(_("The tax rate is a percentage from 0 to 99.99."))
        return tax_percent

    def as_service_line(self) -> dict:
        data = self.cleaned_data
        return {
            "description": data["description"],
            "quantity": data["quantity"],
            "unit_price": data["unit_price"],
            # The ledger stores the rate as a fraction (0.13); people type 13.
            "tax_rate": data["tax_percent"] / 100,
        }

    @staticmethod
    def initial_for(line) -> dict:
        return {
            "description": line.description,
            "quantity": _plain(line.quantity),
            "unit_price": _plain(line.unit_price),
            "tax_percent": _plain(line.tax_rate * 100),
        }


class BaseInvoiceLineFormSet(forms.BaseFormSet):
    def filled_forms(self) -> list[InvoiceLineForm]:
        """The rows the user wrote something in; rows added and left blank do not count."""
        return [form for form in self.forms if form.has_changed() or form.errors]

    def service_lines(self) -> list[dict]:
        """Valid filled rows, in order, as the services take lines (call after is_valid)."""
        return [
            form.as_service_line()
            for form in self.filled_forms()
            if form.is_valid() and form.cleaned_data
        ]

    def row_errors(self) -> list[dict]:
        """Each error of each row, named by its line number and field, for the summary."""
        rows = []
        for number, form in enumerate(self.forms, start=1):
            for name, messages in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                rows += [{"line": number, "field": label, "message": m} for m in messages]
        return rows


InvoiceLineFormSet = forms.formset_factory(
    InvoiceLineForm,
    formset=BaseInvoiceLineFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=MAX_LINES,
    validate_max=True,
)
LINES_PREFIX = "lines"


class InvoiceDeliveryForm(Form):
    fapiao_number = forms.CharField(label=_("Fapiao number"), max_length=32, required=False)
    sent_on = forms.DateField(label=_("Sent on"), required=False)
    receipt_confirmed_on = forms.DateField(label=_("Receipt confirmed on"), required=False)


class InvoiceDisputeForm(Form):
    disputed = forms.BooleanField(required=False)
