"""Forms of credit control: finance's request for an override and a manager's decision."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import Form


class CreditOverrideRequestForm(Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why this invoice should be issued anyway (e.g. payment promised, deposit)."),
    )


class CreditOverrideDecisionForm(Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
