"""Forms of the contract pages: the list's filters and a contract with its signed copy."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.forms import Form, ModelForm
from core.money import CURRENCY_CHOICES
from customers.fields import CustomerField
from customers.models import Customer
from receivables.models import Contract, PaymentTerms
from receivables.services import SIGNED_FILE_EXTENSIONS


class ContractFilterForm(Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Number or title")}),
    )
    customer = CustomerField(label=_("Customer"), required=False, suggest_archived=True)
    currency = forms.ChoiceField(
        label=_("Currency"), required=False, choices=[("", _("Any currency")), *CURRENCY_CHOICES]
    )
    active = forms.BooleanField(label=_("In force today"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].user = user

    def selector_filters(self) -> dict:
        """The valid filters as contracts_for_list's keywords (an invalid one is ignored and
        shown with its error)."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "search": data.get("q", "").strip(),
            "customer": data.get("customer"),
            "currency": data.get("currency", ""),
            "active_only": data.get("active", False),
        }


class ContractForm(ModelForm):
    customer = CustomerField(label=_("Customer"))
    # The model's constraint says the same, but only above the form, not on the field.
    amount = forms.DecimalField(label=_("Amount"), max_digits=20, decimal_places=2, min_value=0)

    class Meta:
        model = Contract
        fields = (
            "customer",
            "number",
            "title",
            "signed_on",
            "amount",
            "currency",
            "payment_terms",
            "starts_on",
            "ends_on",
            "signed_file",
            "notes",
        )
        widgets = {
            # No "clear" box: the signed copy is evidence; a wrong one is replaced, not removed.
            # `accept` only steers the browser's picker; contract_create/_update check the file.
            "signed_file": forms.FileInput(
                attrs={"accept": ",".join(f".{extension}" for extension in SIGNED_FILE_EXTENSIONS)}
            ),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"signed_file": _("PDF or image, at most 20 MB.")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance
        # An archived customer's contract stays editable; new contracts need a trading customer.
        self.fields["customer"].user = user
        self.fields["customer"].queryset = Customer.objects.filter(
            Q(is_archived=False) | Q(pk=current.customer_id)
        )
        self.fields["payment_terms"].queryset = PaymentTerms.objects.filter(
            Q(is_active=True) | Q(pk=current.payment_terms_id)
        )

    def _get_validation_exclusions(self):
        # The term is contract_create/_update's to check: they name ends_on, where the model's
        # constraint, checked here first, would report it above the form.
        return super()._get_validation_exclusions() | {"ends_on"}

    def service_fields(self) -> dict:
        """The cleaned fields as contract_create / contract_update take them; the signed copy
        only when a new file was uploaded."""
        fields = dict(self.cleaned_data)
        if "signed_file" not in self.changed_data:
            fields.pop("signed_file")
        return fields
