"""Form plumbing shared by every page: Bootstrap styling, and business-rule errors from services
shown on the field they name."""

from django import forms
from django.forms.renderers import TemplatesSetting

from core.exceptions import ApplicationError


class BootstrapFormRenderer(TemplatesSetting):
    """Renders every form with templates/forms/ (labels, field-level errors, help texts)."""

    form_template_name = "forms/div.html"
    field_template_name = "forms/field.html"


_CHECKBOX_WIDGETS = (forms.CheckboxInput,)
_SELECT_WIDGETS = (forms.Select, forms.SelectMultiple)


class BootstrapFormMixin:
    """Gives widgets Bootstrap's classes; dates get the browser's date picker."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, _CHECKBOX_WIDGETS):
                css_class = "form-check-input"
            elif isinstance(widget, _SELECT_WIDGETS):
                css_class = "form-select"
            else:
                css_class = "form-control"
            if isinstance(widget, forms.DateInput) and not isinstance(widget, forms.DateTimeInput):
                widget.input_type = "date"
                widget.format = "%Y-%m-%d"
            if isinstance(field, forms.DecimalField):
                widget.attrs.setdefault("inputmode", "decimal")
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css_class}".strip()


class Form(BootstrapFormMixin, forms.Form):
    pass


class ModelForm(BootstrapFormMixin, forms.ModelForm):
    pass


def add_application_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """Show a service's refusal on the field it names when the form has that field, otherwise
    above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))
