"""Forms of the report pages. They parse the query string (and the specific-provision form's
POST); what a valid report or provision is, is decided in reports.aging and reports.services."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.forms import PersonChoiceField
from accounts.roles import sees_all_customers
from core.exceptions import ApplicationError
from core.forms import Form
from core.money import CURRENCY_CHOICES
from customers.fields import CustomerField
from customers.models import Customer
from customers.selectors import customer_owners, customer_regions
from reports.aging import AgingGroup, AgingQuery, parse_bucket_bounds, parse_group
from reports.selectors import DEFAULT_BUCKET_BOUNDS, AgingBasis, aging_buckets

# --- aging ---


class AgingFilterForm(Form):
    """The aging report's parameters, from the page's query string or the API's. Absent or
    blank parameters take their defaults (today, by customer, days past due, the default
    buckets); anything else that is not valid is an error on its field."""

    as_of = forms.DateField(label=_("As of"), required=False)
    group_by = forms.ChoiceField(label=_("Group by"), choices=AgingGroup.choices, required=False)
    basis = forms.ChoiceField(label=_("Age by"), choices=AgingBasis.choices, required=False)
    buckets = forms.CharField(
        label=_("Bucket boundaries (days)"),
        required=False,
        help_text=_("Upper bounds, comma-separated, e.g. 30,60,90."),
    )
    owner = PersonChoiceField(
        label=_("Sales rep"), queryset=None, required=False, empty_label=_("All sales reps")
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    tier = forms.ChoiceField(
        label=_("Tier"), required=False, choices=[("", _("All tiers")), *Customer.Tier.choices]
    )
    currency = forms.ChoiceField(
        label=_("Currency"), required=False, choices=[("", _("All currencies")), *CURRENCY_CHOICES]
    )

    def __init__(self, data, *, user, today: date, **kwargs):
        data = data.copy()
        defaults = {
            "as_of": today.isoformat(),
            "group_by": AgingGroup.CUSTOMER,
            "basis": AgingBasis.DAYS_PAST_DUE,
            "buckets": ",".join(str(bound) for bound in DEFAULT_BUCKET_BOUNDS),
        }
        for name, value in defaults.items():
            if not data.get(name, "").strip():
                data[name] = value
        super().__init__(data, **kwargs)
        self.fields["owner"].queryset = customer_owners(user)
        # A sales rep sees only their own customers: choosing a rep would change nothing.
        self.show_owner = sees_all_customers(user)
        self.fields["region"].choices = lambda: [
            ("", _("All regions")),
            *((region, region) for region in customer_regions(user)),
        ]

    def clean_buckets(self) -> tuple[int, ...]:
        try:
            return parse_bucket_bounds(self.cleaned_data["buckets"])
        except ApplicationError as error:
            raise ValidationError(error.message) from None

    def aging_query(self) -> AgingQuery:
        """The report the valid parameters ask for (call after is_valid())."""
        cleaned = self.cleaned_data
        return AgingQuery(
            as_of=cleaned["as_of"],
            group_by=cleaned["group_by"],
            basis=cleaned["basis"],
            bounds=cleaned["buckets"],
            owner=cleaned.get("owner"),
            region=cleaned.get("region") or "",
            tier=cleaned.get("tier") or "",
            currency=cleaned.get("currency") or "",
        )


class AgingExportForm(AgingFilterForm):
    """The report's parameters plus the file format (blank: XLSX)."""

    format = forms.ChoiceField(
        label=_("Format"), choices=[("xlsx", "XLSX"), ("pdf", "PDF")], required=False
    )

    def clean_format(self) -> str:
        return self.cleaned_data["format"] or "xlsx"


class AgingDrilldownForm(AgingFilterForm):
    """The report's parameters plus the cell: `group` (a value of the grouping; present but
    blank for the empty group, e.g. no sales rep) and `bucket` (a bucket key; blank for the
    row's total)."""

    group = forms.CharField(required=False)
    bucket = forms.CharField(required=False)

    def __init__(self, data, **kwargs):
        self.in_group = "group" in data
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if self.in_group and "group_by" in cleaned:
            try:
                cleaned["group"] = parse_group(cleaned["group_by"], cleaned.get("group") or "")
            except ApplicationError as error:
                self.add_error("group", error.message)
        if cleaned.get("bucket") and "buckets" in cleaned and "basis" in cleaned:
            keys = {b.key for b in aging_buckets(cleaned["buckets"], basis=cleaned["basis"])}
            if cleaned["bucket"] not in keys:
                self.add_error("bucket", _("Not one of the report's buckets."))
        return cleaned


# --- bad-debt provision ---


class ProvisionFilterForm(Form):
    """The provision report's date (blank: today)."""

    as_of = forms.DateField(label=_("As of"), required=False)

    def __init__(self, data, *, today: date, **kwargs):
        data = data.copy()
        if not data.get("as_of", "").strip():
            data["as_of"] = today.isoformat()
        super().__init__(data, **kwargs)


class SpecificProvisionForm(Form):
    """A new specific provision: a customer, a percentage or an amount (not both), why, and
    from when."""

    customer = CustomerField(
        label=_("Customer"), queryset=Customer.objects.filter(is_archived=False)
    )
    percent = forms.DecimalField(
        label=_("Provision %"), max_digits=5, decimal_places=2, required=False
    )
    amount = forms.DecimalField(
        label=_("Provision amount"),
        max_digits=20,
        decimal_places=2,
        required=False,
        help_text=_("In the base currency."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)
    effective_on = forms.DateField(label=_("Effective from"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].user = user


class SpecificProvisionEndForm(Form):
    ended_on = forms.DateField(label=_("Ends on"))
    end_reason = forms.CharField(label=_("Reason"), max_length=300)
