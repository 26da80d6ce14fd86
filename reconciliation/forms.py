"""Forms of the reconciliation pages: bank accounts and column mappings, statement upload, the
line lists' filters, and the decisions on a line (accept or reject a suggestion, assign by
hand, ignore, undo, accept in bulk). They parse input; the services decide."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.validators import MinValueValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from core.forms import Form, ModelForm
from core.money import DECIMAL_PLACES, MAX_DIGITS
from customers.fields import CustomerField
from receivables.forms.payments import InstallmentAmountsForm
from reconciliation.models import BankAccount, BankLine, ColumnMapping, StatementFormat
from reconciliation.selectors.imports import bank_accounts_active
from reconciliation.selectors.lines import REVIEW_STATUSES, LineFilters
from reconciliation.services.accounts import BANK_ACCOUNT_FIELDS, COLUMN_MAPPING_FIELDS

AUTO_FORMAT = "auto"
FORMAT_CHOICES = [(AUTO_FORMAT, _("Recognise automatically")), *StatementFormat.choices]


class BankAccountForm(ModelForm):
    class Meta:
        model = BankAccount
        fields = BANK_ACCOUNT_FIELDS

    def service_arguments(self) -> dict:
        return {name: self.cleaned_data[name] for name in BANK_ACCOUNT_FIELDS}


class ColumnMappingForm(ModelForm):
    class Meta:
        model = ColumnMapping
        fields = ("name", *COLUMN_MAPPING_FIELDS)

    def service_arguments(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class StatementUploadForm(Form):
    account = forms.ModelChoiceField(
        label=_("Bank account"), queryset=BankAccount.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label=_("Statement file"),
        help_text=_(
            "MT940, CAMT.053 (XML), OFX, CSV, or Excel (.xlsx/.xls) as the bank exports it."
        ),
    )
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, initial=AUTO_FORMAT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = bank_accounts_active()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Refused before reading it into memory; the import service enforces the same limit.
        if upload.size > settings.RECONCILIATION_MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s.")
                % {"limit": filesizeformat(settings.RECONCILIATION_MAX_FILE_BYTES)}
            )
        return upload


class LineFilterForm(Form):
    """Filters of the review queue (`review=True`: suggested and unmatched credits) and of the
    list of all lines."""

    account = forms.ModelChoiceField(
        label=_("Bank account"),
        required=False,
        queryset=BankAccount.objects.none(),
        empty_label=_("All accounts"),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    direction = forms.ChoiceField(
        label=_("Direction"),
        required=False,
        choices=[("", _("In and out")), *BankLine.Direction.choices],
    )
    booked_from = forms.DateField(label=_("From"), required=False)
    booked_to = forms.DateField(label=_("To"), required=False)
    min_confidence = forms.IntegerField(
        label=_("Confidence at least"), required=False, min_value=0, max_value=100
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Payer, account, text, reference")}),
    )

    def __init__(self, *args, review: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = BankAccount.objects.order_by("code")
        statuses = [
            (value, label)
            for value, label in BankLine.Status.choices
            if not review or value in REVIEW_STATUSES
        ]
        self.fields["status"].choices = [("", _("Any status")), *statuses]
        if review:
            del self.fields["direction"]

    def line_filters(self) -> LineFilters:
        """The valid filters (an invalid one filters nothing)."""
        self.is_valid()
        data = self.cleaned_data
        account = data.get("account")
        status = data.get("status")
        return LineFilters(
            account=account.pk if account else None,
            statuses=(status,) if status else (),
            direction=data.get("direction", ""),
            booked_from=data.get("booked_from"),
            booked_to=data.get("booked_to"),
            min_confidence=data.get("min_confidence"),
            text=data.get("q", ""),
        )


class SuggestionForm(Form):
    """Accepting or rejecting one of a line's open suggestions."""

    suggestion = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)

    def __init__(self, *args, line: BankLine, **kwargs):
        super().__init__(*args, **kwargs)
        # Any of the line's suggestions: the service says so if it was decided meanwhile.
        self.fields["suggestion"].queryset = line.suggestions.all()


class ReasonForm(Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class IgnoreForm(ReasonForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. interest, supplier refund")}),
    )


class UndoForm(ReasonForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("The payment is reversed today and the line returns to the review queue."),
    )


class BulkAcceptForm(Form):
    min_confidence = forms.IntegerField(label=_("Confidence at least"), max_value=100)

    def __init__(self, *args, **kwargs):
        threshold = settings.RECONCILIATION_BULK_ACCEPT_CONFIDENCE
        kwargs.setdefault("initial", {"min_confidence": threshold})
        super().__init__(*args, **kwargs)
        # Below the threshold a person looks at each line.
        field = self.fields["min_confidence"]
        field.validators.append(MinValueValidator(threshold))
        field.widget.attrs["min"] = threshold


class CustomerChoiceForm(Form):
    """Step one of assigning a line by hand: whose money it is."""

    customer = CustomerField(label=_("Customer"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].user = user


class AssignForm(InstallmentAmountsForm):
    """Step two: an amount per open installment of the customer and the bank charge; no
    amounts at all leaves the whole line as the customer's unapplied credit."""

    customer = forms.CharField(widget=forms.HiddenInput)
    fee = forms.DecimalField(
        label=_("Bank charges"),
        required=False,
        min_value=Decimal(0),
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
    )

    def __init__(self, *args, installments, line: BankLine, **kwargs):
        super().__init__(*args, installments=installments, currency=line.currency, **kwargs)
        self.fields["fee"].help_text = _(
            "What the payer's bank kept (at most %(tolerance)s %(currency)s): the installments "
            "are settled in full and the difference is booked as a bank charge."
        ) % {"tolerance": settings.RECONCILIATION_FEE_TOLERANCE, "currency": line.currency}
