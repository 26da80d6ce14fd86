"""Forms of the credit change pages: the request and a manager's decision. They only parse what
was typed; customers.services decides what may be asked for and by whom."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.forms import Form
from core.money import DECIMAL_PLACES, MAX_DIGITS
from customers.models import CreditChangeRequest, Customer


class CreditChangeRequestForm(Form):
    """A new credit limit and/or default payment terms for `customer`, with the reason."""

    credit_limit = forms.DecimalField(
        label=_("New credit limit"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES
    )
    default_payment_terms = forms.ModelChoiceField(
        label=_("New default payment terms"), queryset=None, required=False
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the customer's credit should change (rating, sales plan, history)."),
    )

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credit_limit"].help_text = _("In %(currency)s.") % {
            "currency": customer.currency
        }
        # By relation: customers sits below receivables, where payment terms live.
        terms = CreditChangeRequest._meta.get_field("default_payment_terms").related_model
        self.fields["default_payment_terms"].queryset = terms.objects.filter(
            Q(is_active=True) | Q(pk=customer.default_payment_terms_id)
        )

    @staticmethod
    def initial_for(customer: Customer, query) -> dict:
        """The customer's current values, replaced by those a link suggests
        (?credit_limit=...&payment_terms=<pk>, e.g. from the credit rating page); a suggestion
        that is not a number is ignored."""
        initial = {
            "credit_limit": customer.credit_limit,
            "default_payment_terms": customer.default_payment_terms_id,
        }
        try:
            suggested = Decimal(query["credit_limit"])
        except (KeyError, InvalidOperation):
            suggested = None
        if suggested is not None and suggested.is_finite():
            initial["credit_limit"] = suggested
        if query.get("payment_terms", "").isdigit():
            initial["default_payment_terms"] = int(query["payment_terms"])
        return initial


class CreditChangeDecisionForm(Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
