from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import Form
from dataimport.models import ImportJob


class ImportUploadForm(Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportJob.Kind.choices)
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    go_live_on = forms.DateField(
        label=_("Go-live date"),
        required=False,
        help_text=_("Opening balances only: the day the open items are as of."),
    )
