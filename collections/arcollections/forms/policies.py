"""Forms of the dunning configuration pages (policies, steps, a step's template with its
preview) and of the dunning messages list's filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from arcollections.models import DunningMessage, DunningPolicy, DunningStep
from core.forms import Form
from customers.fields import CustomerField


class PolicyForm(Form):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    for_tiers = forms.CharField(
        label=_("Default for tiers"),
        required=False,
        max_length=20,
        help_text=_("Comma-separated, e.g. “A”."),
    )
    for_ratings = forms.CharField(
        label=_("Default for credit ratings"),
        required=False,
        max_length=60,
        help_text=_("Comma-separated, e.g. “C, CC, CCC”. A rating wins over a tier."),
    )
    is_default = forms.BooleanField(
        label=_("Default policy (for customers no other policy matches)"), required=False
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    @classmethod
    def initial_for(cls, policy: DunningPolicy) -> dict:
        return {name: getattr(policy, name) for name in cls.base_fields}


class StepForm(Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    offset_days = forms.IntegerField(
        label=_("Days after due date"),
        help_text=_("Negative for a reminder before the due date (−3: three days before)."),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=DunningStep.Channel.choices)
    attachment = forms.ChoiceField(
        label=_("Attachment"), required=False, choices=DunningStep.Attachment.choices
    )
    requires_approval = forms.BooleanField(
        label=_("A manager approves before it is sent"), required=False
    )
    escalates_to_legal = forms.BooleanField(
        label=_("Escalates to legal (the customer leaves the cadence once approved)"),
        required=False,
    )

    @classmethod
    def initial_for(cls, step: DunningStep) -> dict:
        return {name: getattr(step, name) for name in cls.base_fields}


class TemplateForm(Form):
    """A step's subject and body in one language, and the sample customer its preview renders
    for (sample data when none is chosen). Nothing is saved by a preview."""

    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace", "spellcheck": "false"}),
    )
    sample_customer = CustomerField(
        label=_("Preview for customer"),
        required=False,
        help_text=_("Leave empty to preview with sample data."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sample_customer"].user = user
        # Django would otherwise strip the body's trailing lines, which a letter may want.
        self.fields["body"].strip = False


class MessageFilterForm(Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *DunningMessage.Status.choices],
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("Any channel")), *DunningStep.Channel.choices],
    )
    date_from = forms.DateField(label=_("Run from"), required=False)
    date_to = forms.DateField(label=_("Run to"), required=False)
    customer = CustomerField(label=_("Customer"), required=False, suggest_archived=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].user = user

    def selector_filters(self) -> dict:
        """The valid filters as dunning_messages_for_list's keywords (an invalid one is ignored
        and shown with its error)."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "status": data.get("status", ""),
            "channel": data.get("channel", ""),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "customer": data.get("customer"),
        }
