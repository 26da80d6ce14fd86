"""Forms of the alert pages: the list's filters and assigning an alert to someone."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import PersonChoiceField
from accounts.roles import sees_all_customers
from alerts.models import Alert, AlertRule
from alerts.selectors import STATUS_ANY, STATUS_LIVE, users_assignable
from alerts.templatetags.alert_tags import rule_sentence
from core.forms import Form
from customers.selectors import customer_owners


def _rule_choice_label(rule: AlertRule) -> str:
    return f"{rule_sentence(rule)} ({rule.get_severity_display()})"


class AlertFilterForm(Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            (STATUS_LIVE, _("Open or acknowledged")),
            *Alert.Status.choices,
            (STATUS_ANY, _("Any status")),
        ],
    )
    rule = forms.ModelChoiceField(
        label=_("Rule"), required=False, queryset=None, empty_label=_("Any rule")
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        required=False,
        choices=[("", _("Any severity")), *AlertRule.Severity.choices],
    )
    owner = PersonChoiceField(
        label=_("Sales rep"), required=False, queryset=None, empty_label=_("All sales reps")
    )
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["rule"].queryset = AlertRule.objects.order_by("kind", "threshold", "pk")
        self.fields["rule"].label_from_instance = _rule_choice_label
        if sees_all_customers(user):
            self.fields["owner"].queryset = customer_owners(user)
        else:
            # A sales rep sees only their own customers: there is no other rep to choose.
            del self.fields["owner"]

    def selector_filters(self) -> dict:
        """The valid filters as alerts_for_list's keywords (an invalid one is ignored and shown
        with its error); live alerts unless a status is chosen."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "status": data.get("status") or STATUS_LIVE,
            "rule": data.get("rule"),
            "severity": data.get("severity", ""),
            "owner": data.get("owner"),
            "assigned_to": self.user if data.get("mine") else None,
        }


class AlertAssignForm(Form):
    assigned_to = PersonChoiceField(
        label=_("Assign to"), required=False, queryset=None, empty_label=_("Nobody")
    )

    def __init__(self, *args, alert: Alert, **kwargs):
        kwargs.setdefault("initial", {"assigned_to": alert.assigned_to_id})
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = users_assignable(customer=alert.customer)
