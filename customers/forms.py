"""Forms of the customer pages. They only parse what was typed: customers.services decides what
is valid (USCC check digit, phone numbers, who may change the credit limit), and its refusals
are shown on the field they name."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from accounts.forms import PersonChoiceField
from core.exceptions import ApplicationError
from core.forms import Form, add_application_error
from customers.models import Contact, Customer
from customers.selectors import (
    CUSTOMER_ARCHIVED,
    customer_owners,
    customer_regions,
    sales_reps_assignable,
)
from customers.services import CONTACT_FIELDS


class _ModelFieldsForm(Form):
    """A plain form with some of `model`'s fields (labels, widgets and choices from the model).
    Not a ModelForm: the service the form feeds validates the model, so validating here as well
    would report the same mistake twice."""

    model = None
    widgets = {}
    field_classes = {}

    def __init__(self, *args, field_names, **kwargs):
        # Per instance: which fields a form has depends on who fills it in.
        self.base_fields = fields_for_model(
            self.model, fields=field_names, widgets=self.widgets, field_classes=self.field_classes
        )
        super().__init__(*args, **kwargs)


class CustomerForm(_ModelFieldsForm):
    """The archive fields the user may change (customers.selectors.customer_fields_editable_by);
    `customer` is the one being edited, if any, whose current choices stay selectable."""

    model = Customer
    field_classes = {"owner": PersonChoiceField}
    widgets = {
        "address": forms.Textarea(attrs={"rows": 2}),
        "notes": forms.Textarea(attrs={"rows": 3}),
    }

    def __init__(self, *args, customer: Customer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            self.fields["owner"].queryset = sales_reps_assignable(
                including_pk=customer.owner_id if customer else None
            )

        if "default_payment_terms" in self.fields:
            terms = self.fields["default_payment_terms"]
            current_terms = customer.default_payment_terms_id if customer else None
            terms.queryset = terms.queryset.filter(Q(is_active=True) | Q(pk=current_terms))


class ContactForm(_ModelFieldsForm):
    model = Contact

    def __init__(self, *args, **kwargs):
        super().__init__(*args, field_names=CONTACT_FIELDS, **kwargs)


def add_service_error(form: forms.BaseForm, error: ApplicationError | ValidationError) -> None:
    """Show a service's refusal on the form: an ApplicationError on the field it names, a
    ValidationError (the model's own checks) on each field it names; what names no field of
    this form goes above it."""
    if isinstance(error, ApplicationError):
        add_application_error(form, error)
    elif hasattr(error, "error_dict"):
        for field, messages in error.error_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error)


class CustomerListFilterForm(Form):
    """The customer list's search box and filters (GET). A value that is not among the choices
    is ignored rather than reported: the list still shows, filtered by the rest."""

    q = forms.CharField(label=_("Search"), required=False)
    owner = PersonChoiceField(
        label=_("Sales rep"), queryset=None, required=False, empty_label=_("All sales reps")
    )
    tier = forms.ChoiceField(
        label=_("Tier"),
        required=False,
        choices=[("", _("All tiers")), *Customer.Tier.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Not archived")),
            *Customer.Status.choices,
            (CUSTOMER_ARCHIVED, _("Archived")),
        ],
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, user, show_owner: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs.update(
            {
                "placeholder": _("Code, name, USCC or pinyin initials"),
                "autocomplete": "off",
            }
        )
        if show_owner:
            self.fields["owner"].queryset = customer_owners(user)
        else:
            del self.fields["owner"]
        self.fields["region"].choices = [
            ("", _("All regions")),
            *((region, region) for region in customer_regions(user)),
        ]

    def filters(self) -> dict:
        """The valid filters, as keyword arguments of receivables.selectors.customers_for_list."""
        self.is_valid()
        cleaned = self.cleaned_data
        return {
            "search": cleaned.get("q") or "",
            "owner": cleaned.get("owner"),
            "tier": cleaned.get("tier") or "",
            "status": cleaned.get("status") or "",
            "region": cleaned.get("region") or "",
            "overdue_only": bool(cleaned.get("overdue")),
        }
