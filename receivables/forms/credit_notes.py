"""Forms of the credit note pages: the list's filters and a new credit note."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import Form
from customers.fields import CustomerField


class CreditNoteFilterForm(Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, invoice or customer")}
        ),
    )
    customer = CustomerField(label=_("Customer"), required=False, suggest_archived=True)
    issued_from = forms.DateField(label=_("Issued from"), required=False)
    issued_to = forms.DateField(label=_("Issued to"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].user = user

    def selector_filters(self) -> dict:
        """The valid filters as credit_notes_for_list's keywords (an invalid one is ignored and
        shown with its error)."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "search": data.get("q", "").strip(),
            "customer": data.get("customer"),
            "issued_from": data.get("issued_from"),
            "issued_to": data.get("issued_to"),
        }


class CreditNoteForm(Form):
    amount = forms.DecimalField(label=_("Amount"), max_digits=20, decimal_places=2)
    reason = forms.CharField(label=_("Reason"), max_length=300)
    issue_date = forms.DateField(label=_("Issue date"))
