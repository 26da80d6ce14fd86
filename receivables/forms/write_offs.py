"""Forms of the write-off pages: the request, the list filters and a manager's decision."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import Form
from core.money import DECIMAL_PLACES, MAX_DIGITS
from customers.fields import CustomerField
from receivables.models import WriteOff


class WriteOffRequestForm(Form):
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the debt cannot be collected (e.g. the customer is insolvent)."),
    )


class WriteOffFilterForm(Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *WriteOff.Status.choices]
    )
    customer = CustomerField(label=_("Customer"), required=False, suggest_archived=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].user = user

    def filter(self, write_offs):
        """`write_offs` narrowed by the valid filters."""
        if not self.is_valid():
            return write_offs
        if self.cleaned_data["status"]:
            write_offs = write_offs.filter(status=self.cleaned_data["status"])
        if self.cleaned_data["customer"]:
            write_offs = write_offs.filter(customer=self.cleaned_data["customer"])
        return write_offs


class WriteOffDecisionForm(Form):
    note = forms.CharField(
        label=_("Note"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
