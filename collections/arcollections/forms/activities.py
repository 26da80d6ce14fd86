"""Forms of the collector's pages: logging an activity (with a promise to pay made during it),
completing a dunning task, recording or cancelling a promise, and the worklist's filter."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from arcollections.models import Activity
from arcollections.selectors.activities import customer_contacts_for_collections
from arcollections.services.activities import PromiseTerms
from core.forms import Form
from core.money import CURRENCY_CHOICES
from customers.models import Customer
from receivables.models import Installment


class _DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def _installment_label(installment: Installment) -> str:
    return (
        f"{installment.invoice.number}/{installment.sequence} · "
        f"{installment.due_date:%Y-%m-%d} · {installment.open_amount:,.2f} {installment.currency}"
    )


def _contact_label(contact) -> str:
    return f"{contact.name} · {contact.title}" if contact.title else contact.name


def _open_installments(customer: Customer):
    return (
        Installment.objects.filter(customer=customer, open_amount__gt=0)
        .select_related("invoice")
        .order_by("due_date", "pk")
    )


class _PromiseFieldsMixin:
    """The promise fields: amount, currency, date, installments covered (optional: none means
    everything the customer owes)."""

    def _set_up_promise_fields(self, customer: Customer, *, required: bool):
        self.fields["promise_amount"] = forms.DecimalField(
            label=_("Promised amount"),
            required=required,
            min_value=0,
            max_digits=20,
            decimal_places=2,
        )
        self.fields["promise_currency"] = forms.ChoiceField(
            label=_("Currency"), choices=CURRENCY_CHOICES, initial=customer.currency
        )
        self.fields["promise_date"] = forms.DateField(
            label=_("Promised payment date"), required=required, widget=forms.DateInput
        )
        installments = forms.ModelMultipleChoiceField(
            label=_("Installments covered"),
            required=False,
            queryset=_open_installments(customer),
            widget=forms.CheckboxSelectMultiple,
            help_text=_("None ticked: the promise covers everything the customer owes."),
        )
        installments.label_from_instance = _installment_label
        self.fields["promise_installments"] = installments
        # Re-apply the Bootstrap classes to the fields added after the mixin's __init__.
        for name in ("promise_amount", "promise_currency", "promise_date"):
            widget = self.fields[name].widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = css
        self.fields["promise_date"].widget.input_type = "date"
        self.fields["promise_date"].widget.format = "%Y-%m-%d"
        self.fields["promise_amount"].widget.attrs["inputmode"] = "decimal"

    def promise_terms(self) -> PromiseTerms | None:
        data = self.cleaned_data
        if data.get("promise_amount") is None and data.get("promise_date") is None:
            return None
        return PromiseTerms(
            amount=data.get("promise_amount"),
            currency=data["promise_currency"],
            promised_date=data.get("promise_date"),
            installments=tuple(data.get("promise_installments") or ()),
        )

    def _clean_promise(self, cleaned):
        amount, promised = cleaned.get("promise_amount"), cleaned.get("promise_date")
        if amount is not None and promised is None:
            self.add_error("promise_date", _("Give the date payment was promised for."))
        if promised is not None and amount is None:
            self.add_error("promise_amount", _("Give the promised amount."))
        return cleaned


class ActivityForm(_PromiseFieldsMixin, Form):
    """A contact with the customer; the promise fields are filled only when it promised to pay.
    `task=True`: completing a dunning task, whose kind is the task's (no kind field)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices)
    occurred_at = forms.DateTimeField(label=_("When"), widget=_DateTimeLocalInput)
    contact = forms.ModelChoiceField(
        label=_("Contact"), required=False, queryset=None, empty_label=_("— nobody in particular —")
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=Activity.Outcome.choices
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_follow_up_on = forms.DateField(
        label=_("Next follow-up"), required=False, widget=forms.DateInput
    )

    def __init__(self, *args, customer: Customer, task: bool = False, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
                "kind": Activity.Kind.CALL,
            },
        )
        super().__init__(*args, **kwargs)
        if task:
            del self.fields["kind"]
        self.fields["contact"].queryset = customer_contacts_for_collections(customer=customer)
        self.fields["contact"].label_from_instance = _contact_label
        # "Sent" is what the dunning run records for an e-mail, not a person's outcome.
        self.fields["outcome"].choices = [
            choice for choice in Activity.Outcome.choices if choice[0] != Activity.Outcome.SENT
        ]
        self._set_up_promise_fields(customer, required=False)

    def clean(self):
        return self._clean_promise(super().clean())

    def activity_fields(self) -> dict:
        data = self.cleaned_data
        fields = {
            "occurred_at": data["occurred_at"],
            "contact": data.get("contact"),
            "outcome": data.get("outcome") or "",
            "note": data.get("note") or "",
            "next_follow_up_on": data.get("next_follow_up_on"),
        }
        if "kind" in self.fields:
            fields["kind"] = data["kind"]
        return fields


class PromiseForm(_PromiseFieldsMixin, Form):
    """A promise to pay recorded on its own (not during a logged call)."""

    contact = forms.ModelChoiceField(
        label=_("Contact"), required=False, queryset=None, empty_label=_("— nobody in particular —")
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = customer_contacts_for_collections(customer=customer)
        self.fields["contact"].label_from_instance = _contact_label
        self._set_up_promise_fields(customer, required=True)
        self.order_fields(
            ["promise_amount", "promise_currency", "promise_date", "promise_installments"]
        )

    def promise_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "amount": data["promise_amount"],
            "currency": data["promise_currency"],
            "promised_date": data["promise_date"],
            "installments": list(data.get("promise_installments") or ()),
            "contact": data.get("contact"),
            "note": data.get("note") or "",
        }


class PromiseCancelForm(Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)


class WorklistFilterForm(Form):
    mine = forms.BooleanField(label=_("Only my customers and tasks"), required=False)
