"""Statement forms: Finance's request for one statement (customer page), the customer's reply on
the signed-link page (rendered in the statement's language) and the filters of Finance's list."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import Form
from statements.models import ConfirmationReply
from statements.periods import last_complete_month
from statements.selectors import ConfirmationStatus, StatementOfAccount


class StatementReplyForm(Form):
    outcome = forms.ChoiceField(
        label=_("Your answer"),
        widget=forms.RadioSelect,
        choices=[
            (ConfirmationReply.Outcome.CONFIRMED, _("The balance agrees (信息证明无误)")),
            (
                ConfirmationReply.Outcome.DISPUTED,
                _("The balance does not agree: the differences are listed below (信息不符)"),
            ),
        ],
    )
    currency = forms.ChoiceField(label=_("Currency"), required=False)
    amount_believed = forms.DecimalField(
        label=_("Balance you believe you owe"),
        required=False,
        min_value=0,
        max_digits=20,
        decimal_places=2,
    )
    contested_items = forms.TypedMultipleChoiceField(
        label=_("Items you contest"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label=_("Differences and comments"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    respondent_name = forms.CharField(label=_("Your name"), max_length=100)
    respondent_title = forms.CharField(label=_("Position"), max_length=100, required=False)
    respondent_email = forms.EmailField(label=_("E-mail"), required=False)

    def __init__(self, *args, statement_of_account: StatementOfAccount, **kwargs):
        super().__init__(*args, **kwargs)
        # Choice lists render as Bootstrap check boxes and radios, not as one text input.
        for name in ("outcome", "contested_items"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        currencies = [section.currency for section in statement_of_account.sections]
        self.fields["currency"].choices = [(currency, currency) for currency in currencies]
        if len(currencies) == 1:
            self.fields["currency"].initial = currencies[0]
            self.fields["currency"].widget = forms.HiddenInput()
        self.fields["contested_items"].choices = [
            (
                item.installment_id,
                f"{item.reference} · {item.due_date:%Y-%m-%d} · {item.currency} "
                f"{item.open_amount:,.2f}",
            )
            for section in statement_of_account.sections
            for item in section.open_items
        ]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        disputed = data["outcome"] == ConfirmationReply.Outcome.DISPUTED
        return {
            "outcome": data["outcome"],
            "respondent_name": data["respondent_name"],
            "respondent_title": data["respondent_title"],
            "respondent_email": data["respondent_email"],
            "comment": data["comment"],
            # What a confirmation carries is only the answer; the rest belongs to a disagreement.
            "currency": data["currency"] if disputed else "",
            "amount_believed": data["amount_believed"] if disputed else None,
            "contested_item_ids": data["contested_items"] if disputed else [],
        }


class StatementListFilterForm(Form):
    confirmation_status = forms.ChoiceField(
        label=_("Confirmation"),
        required=False,
        choices=[("", _("Any")), *ConfirmationStatus.choices],
    )
    customer = forms.CharField(label=_("Customer"), required=False)
    period_end_from = forms.DateField(label=_("Period ending from"), required=False)
    period_end_to = forms.DateField(label=_("Period ending to"), required=False)

    def selector_filters(self) -> dict:
        """The valid filters as statements_for_list's keywords (an invalid one is ignored and
        shown with its error)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "confirmation_status": data.get("confirmation_status", ""),
            "customer_text": data.get("customer", ""),
            "period_end_from": data.get("period_end_from"),
            "period_end_to": data.get("period_end_to"),
        }


# The form Finance uses on the customer page to generate (and optionally e-mail) one statement.


class StatementRequestForm(Form):
    """Period (default: the last complete calendar month) and whether to e-mail the statement
    to the customer's statement contacts once generated. Posts to customer-statement-generate."""

    period_start = forms.DateField(label=_("Period from"))
    period_end = forms.DateField(label=_("Period to"))
    send = forms.BooleanField(
        label=_("E-mail it to the customer's statement contacts"), required=False
    )

    def __init__(self, *args, on_date=None, **kwargs):
        super().__init__(*args, **kwargs)
        start, end = last_complete_month(on_date or timezone.localdate())
        self.fields["period_start"].initial = start
        self.fields["period_end"].initial = end

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("The period must not end before it starts."))
        return cleaned
