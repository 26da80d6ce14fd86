"""Pages that edit the customer archive: customer and contact forms. Each POST makes one service
call; a refusal is shown on the field it names and the form comes back with status 400. Also the
customer picker's suggestions (customers.fields.CustomerPicker)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import capability_required, viewer_required
from accounts.roles import Capability
from core.exceptions import ApplicationError
from customers import services
from customers.forms import ContactForm, CustomerForm, add_service_error
from customers.models import Customer
from customers.selectors import (
    contacts_visible_to,
    customer_fields_editable_by,
    customer_fields_on_create,
    customer_suggestions,
    customers_visible_to,
)


def _contacts_tab(customer_pk: int) -> str:
    return f"{reverse('customer-detail', args=[customer_pk])}?tab=contacts"


@capability_required(Capability.MANAGE_CUSTOMERS)
def customer_create(request):
    field_names = customer_fields_on_create(request.user)
    form = CustomerForm(request.POST or None, field_names=field_names)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(actor=request.user, **form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Customer %(code)s created.") % {"code": customer.code})
            return redirect("customer-detail", pk=customer.pk)
    return render(
        request,
        "customers/customer_form.html",
        {"form": form, "customer": None},
        status=400 if form.errors else 200,
    )


@capability_required(Capability.MANAGE_CUSTOMERS, Capability.MANAGE_CREDIT)
def customer_edit(request, pk):
    customer = get_object_or_404(customers_visible_to(request.user), pk=pk)
    field_names = customer_fields_editable_by(request.user)
    if not field_names:
        # A Manager edits nothing but credit terms, and those change through a request.
        return redirect("credit-request-create", pk=customer.pk)
    form = CustomerForm(
        request.POST or None,
        field_names=field_names,
        customer=customer,
        initial=model_to_dict(customer, fields=field_names),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(actor=request.user, customer=customer, **form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Customer %(code)s saved.") % {"code": customer.code})
            return redirect("customer-detail", pk=customer.pk)
    return render(
        request,
        "customers/customer_form.html",
        {"form": form, "customer": customer},
        status=400 if form.errors else 200,
    )


@capability_required(Capability.MANAGE_CONTACTS)
def contact_create(request, pk):
    customer = get_object_or_404(customers_visible_to(request.user), pk=pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(
                actor=request.user, customer=customer, **form.cleaned_data
            )
        except (ApplicationError, ValidationError) as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Contact %(name)s added.") % {"name": contact.name})
            return redirect(_contacts_tab(customer.pk))
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "customer": customer, "contact": None},
        status=400 if form.errors else 200,
    )


@capability_required(Capability.MANAGE_CONTACTS)
def contact_edit(request, pk):
    contact = get_object_or_404(contacts_visible_to(request.user).select_related("customer"), pk=pk)
    form = ContactForm(request.POST or None, initial=model_to_dict(contact))
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(actor=request.user, contact=contact, **form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Contact %(name)s saved.") % {"name": contact.name})
            return redirect(_contacts_tab(contact.customer_id))
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "customer": contact.customer, "contact": contact},
        status=400 if form.errors else 200,
    )


@capability_required(Capability.MANAGE_CONTACTS)
@require_POST
def contact_delete(request, pk):
    contact = get_object_or_404(contacts_visible_to(request.user), pk=pk)
    customer_pk, name = contact.customer_id, contact.name
    services.contact_delete(actor=request.user, contact=contact)
    messages.success(request, _("Contact %(name)s deleted.") % {"name": name})
    return redirect(_contacts_tab(customer_pk))


def _suggestion_label(customer: Customer, text: str) -> str:
    """The option's label, "CODE · short name · legal name", plus what matched when that does
    not show it: browsers offer a <datalist> option only if the typed text is part of its value
    or label (Chromium, Firefox), so a customer found by pinyin initials or USCC must carry
    them."""
    label = " · ".join(
        part for part in (customer.code, customer.short_name, customer.legal_name) if part
    )
    typed = text.strip().upper()
    if typed in label.upper():
        return label
    if typed.replace(" ", "") in customer.uscc.upper():
        return f"{label} · {customer.uscc}"
    initials = [word for word in customer.name_initials.split() if word.startswith(typed)]
    return f"{label} · {min(initials, key=len)}" if initials else label


@viewer_required
def customer_lookup(request):
    """The picker's suggestions for ?q= (an htmx partial): <option>s for its <datalist>;
    archived customers too with ?archived=1 (list filters may look for them)."""
    text = request.GET.get("q", "")
    customers = customer_suggestions(
        user=request.user, text=text, include_archived=request.GET.get("archived") == "1"
    )
    suggestions = [(customer.code, _suggestion_label(customer, text)) for customer in customers]
    return render(request, "customers/lookup_options.html", {"suggestions": suggestions})


urlpatterns = [
    path("customers/lookup/", customer_lookup, name="customer-lookup"),
    path("customers/new/", customer_create, name="customer-create"),
    path("customers/<int:pk>/edit/", customer_edit, name="customer-edit"),
    path("customers/<int:pk>/contacts/new/", contact_create, name="contact-create"),
    path("contacts/<int:pk>/edit/", contact_edit, name="contact-edit"),
    path("contacts/<int:pk>/delete/", contact_delete, name="contact-delete"),
]
