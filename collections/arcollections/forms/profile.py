"""The customer's collections profile form: policy override, do-not-contact, legal escalation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from arcollections.models import CollectionProfile, DunningPolicy
from core.forms import Form
from core.money import CURRENCY_CHOICES, DECIMAL_PLACES, MAX_DIGITS


class CollectionProfileForm(Form):
    policy = forms.ModelChoiceField(
        label=_("Dunning policy"),
        required=False,
        queryset=DunningPolicy.objects.none(),
        empty_label=_("Default (by credit rating, tier, else the default policy)"),
    )
    do_not_contact = forms.BooleanField(label=_("Do not contact"), required=False)
    do_not_contact_reason = forms.CharField(label=_("Reason"), required=False, max_length=200)
    legal_stage = forms.ChoiceField(
        label=_("Legal stage"), required=False, choices=CollectionProfile.LegalStage.choices
    )
    legal_since = forms.DateField(label=_("Handed over on"), required=False)
    legal_agent = forms.CharField(label=_("Lawyer or agency"), required=False, max_length=200)
    legal_amount = forms.DecimalField(
        label=_("Amount handed over"),
        required=False,
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        min_value=0,
    )
    legal_currency = forms.ChoiceField(
        label=_("Currency"), required=False, choices=[("", "—"), *CURRENCY_CHOICES]
    )
    legal_notes = forms.CharField(
        label=_("Legal notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = DunningPolicy.objects.filter(is_active=True).order_by(
            "code"
        )

    @classmethod
    def initial_for(cls, profile: CollectionProfile) -> dict:
        initial = {name: getattr(profile, name) for name in cls.base_fields if name != "policy"}
        initial["policy"] = profile.policy_id
        return initial
