"""Forms of the dispute pages (list filters, open, assign, resolve) and of the fee invoice page."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms import PersonChoiceField
from accounts.names import person_name
from arcollections.selectors.disputes import OWNER_NOBODY, dispute_owner_choices
from core.forms import Form
from core.money import CURRENCY_CHOICES
from customers.fields import CustomerField
from receivables.models import Dispute, Installment, Invoice
from receivables.selectors import installments_open


class DisputeFilterForm(Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Dispute.Status.choices],
    )
    reason = forms.ChoiceField(
        label=_("Reason"), required=False, choices=[("", _("Any reason")), *Dispute.Reason.choices]
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    customer = CustomerField(label=_("Customer"), required=False, suggest_archived=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["customer"].user = user
        self._owners = {str(person.pk): person for person in dispute_owner_choices()}
        self.fields["owner"].choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            (OWNER_NOBODY, _("Nobody yet")),
            *[(pk, person_name(person)) for pk, person in self._owners.items()],
        ]

    def selector_filters(self) -> dict:
        """The valid filters as disputes_for_list's keywords (an invalid one is ignored)."""
        self.is_valid()
        data = self.cleaned_data
        owner = data.get("owner", "")
        if owner == "me":
            owner = self.user
        elif owner == OWNER_NOBODY:
            pass
        else:
            owner = self._owners.get(owner)
        return {
            "status": data.get("status", ""),
            "reason": data.get("reason", ""),
            "owner": owner,
            "customer": data.get("customer"),
        }


class _InstallmentChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, installment):
        return (
            f"{installment.invoice.number}/{installment.sequence} · {installment.due_date} · "
            f"{installment.open_as_of} {installment.currency}"
        )


class DisputeOpenForm(Form):
    """Opening a dispute for one customer (chosen first: its open items are then listed)."""

    installments = _InstallmentChoice(
        label=_("Contested items"),
        required=False,
        queryset=Installment.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=Dispute.Reason.choices)
    source = forms.ChoiceField(
        label=_("Raised by"),
        choices=[
            (Dispute.Source.CUSTOMER_CONTACT, Dispute.Source.CUSTOMER_CONTACT.label),
            (Dispute.Source.INTERNAL, Dispute.Source.INTERNAL.label),
        ],
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}))
    amount_claimed = forms.DecimalField(
        label=_("Amount the customer claims"),
        required=False,
        max_digits=20,
        decimal_places=2,
        help_text=_("What the customer says it owes, if it named an amount."),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)
    owner = PersonChoiceField(
        label=_("Owner"), required=False, queryset=None, empty_label=_("Nobody yet")
    )
    opened_on = forms.DateField(label=_("Raised on"))

    def __init__(self, *args, user, customer, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "currency": customer.currency,
                "opened_on": timezone.localdate(),
                "source": Dispute.Source.CUSTOMER_CONTACT,
            },
        )
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.fields["installments"].queryset = (
            installments_open(user=user)
            .filter(customer=customer)
            .select_related("invoice")
            .order_by("due_date", "pk")
        )
        self.fields["owner"].queryset = dispute_owner_choices(customer=customer)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "customer": self.customer,
            "installments": list(data["installments"]),
            "reason": data["reason"],
            "source": data["source"],
            "description": data["description"],
            "amount_claimed": data.get("amount_claimed"),
            "currency": data["currency"],
            "owner": data.get("owner"),
            "opened_on": data["opened_on"],
        }


class DisputeAssignForm(Form):
    owner = PersonChoiceField(
        label=_("Owner"), required=False, queryset=None, empty_label=_("Nobody yet")
    )

    def __init__(self, *args, dispute: Dispute, **kwargs):
        kwargs.setdefault("initial", {"owner": dispute.owner_id})
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = dispute_owner_choices(customer=dispute.customer)


class DisputeResolveForm(Form):
    resolution_kind = forms.ChoiceField(label=_("Outcome"), choices=Dispute.Resolution.choices)
    resolution = forms.CharField(
        label=_("What was agreed"), widget=forms.Textarea(attrs={"rows": 3})
    )
    credit_note_invoice = forms.ModelChoiceField(
        label=_("Credit note on invoice"),
        required=False,
        queryset=Invoice.objects.none(),
        empty_label=_("No credit note now"),
        help_text=_("With the outcome “credit note issued”: issue it here, in the same step."),
    )
    credit_note_amount = forms.DecimalField(
        label=_("Credit note amount"), required=False, max_digits=20, decimal_places=2
    )
    credit_note_date = forms.DateField(label=_("Credit note date"), required=False)

    def __init__(self, *args, dispute: Dispute, **kwargs):
        kwargs.setdefault("initial", {"credit_note_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["credit_note_invoice"].queryset = Invoice.objects.filter(
            pk__in=dispute.installments.values("invoice")
        ).order_by("number")

    def clean(self):
        data = super().clean()
        invoice, amount = data.get("credit_note_invoice"), data.get("credit_note_amount")
        if invoice is not None and amount is None:
            self.add_error("credit_note_amount", _("Give the credit note's amount."))
        if amount is not None and invoice is None:
            self.add_error("credit_note_invoice", _("Choose the invoice to credit."))
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        credit_notes = []
        if data.get("credit_note_invoice") is not None:
            credit_notes = [(data["credit_note_invoice"], data["credit_note_amount"])]
        return {
            "resolution_kind": data["resolution_kind"],
            "resolution": data["resolution"],
            "credit_notes": credit_notes,
            "credit_note_date": data.get("credit_note_date"),
        }


class FeeInvoiceForm(Form):
    as_of = forms.DateField(label=_("Interest up to"))
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)

    def __init__(self, *args, customer, **kwargs):
        kwargs.setdefault("initial", {"as_of": timezone.localdate(), "currency": customer.currency})
        super().__init__(*args, **kwargs)
