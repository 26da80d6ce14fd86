"""Invoice pages: the list, the draft editor with its live preview, issuing and cancelling,
and the detail page with the schedule, what settled it, delivery facts and disputes."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import capability_required, viewer_required
from accounts.roles import Capability
from core.exceptions import ApplicationError
from core.forms import add_application_error
from core.history import readable_history
from core.pages import paginate, sort_queryset
from customers.selectors import customers_visible_to
from receivables import selectors, services
from receivables.forms.credit_overrides import CreditOverrideRequestForm
from receivables.forms.invoices import (
    LINES_PREFIX,
    InvoiceDeliveryForm,
    InvoiceDisputeForm,
    InvoiceDraftForm,
    InvoiceFilterForm,
    InvoiceLineForm,
    InvoiceLineFormSet,
)
from receivables.models import Invoice
from receivables.views.credit_overrides import credit_control_context

manage_ledger_required = capability_required(Capability.MANAGE_LEDGER)

SORT_COLUMNS = {
    "number": "number",
    "customer": "customer__code",
    "issue_date": "issue_date",
    "total": "total",
    "open": "open_total",
    "next_due": "next_due_date",
}


@viewer_required
def invoice_list(request):
    filter_form = InvoiceFilterForm(request.GET or None, user=request.user)
    invoices = selectors.invoices_for_list(
        user=request.user,
        on_date=timezone.localdate(),
        **(filter_form.selector_filters() if filter_form.is_bound else {}),
    )
    invoices, current_sort = sort_queryset(request, invoices, SORT_COLUMNS, default="-issue_date")
    return render(
        request,
        "receivables/invoices/list.html",
        {
            "filter_form": filter_form,
            "page": paginate(request, invoices),
            "current_sort": current_sort,
            "today": timezone.localdate(),
        },
    )


def _draft_fields(form: InvoiceDraftForm, lines: InvoiceLineFormSet) -> dict:
    """The validated header and lines as invoice_create_draft / invoice_update_draft take them."""
    header = form.cleaned_data
    payment_terms, currency = services.invoice_header_defaults(
        customer=header["customer"],
        contract=header["contract"],
        payment_terms=header["payment_terms"],
        currency=header["currency"],
    )
    return {
        "customer": header["customer"],
        "issue_date": header["issue_date"],
        "payment_terms": payment_terms,
        "contract": header["contract"],
        "currency": currency,
        "fapiao_number": header["fapiao_number"],
        "notes": header["notes"],
        "lines": lines.service_lines(),
    }


def _render_editor(request, form, lines, *, invoice=None, status=200):
    return render(
        request,
        "receivables/invoices/editor.html",
        {"form": form, "lines": lines, "invoice": invoice},
        status=status,
    )


def _save_draft(request, form, lines, *, invoice: Invoice | None):
    """Create or update the draft (and issue it when asked) in one transaction: a refusal
    leaves nothing saved. Returns the response: the detail page, or the editor with errors."""
    # Both validated, so that header and line errors show together.
    header_valid = form.is_valid()
    lines_valid = lines.is_valid()
    if header_valid and lines_valid:
        try:
            with transaction.atomic():
                fields = _draft_fields(form, lines)
                if invoice is None:
                    invoice = services.invoice_create_draft(actor=request.user, **fields)
                else:
                    invoice = services.invoice_update_draft(
                        actor=request.user, invoice=invoice, **fields
                    )
                if "issue" in request.POST:
                    invoice = services.invoice_issue(actor=request.user, invoice=invoice)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            if invoice.is_posted:
                messages.success(request, _("Invoice %(number)s issued.") % {"number": invoice})
            else:
                messages.success(request, _("Draft saved."))
            return redirect("invoice-detail", pk=invoice.pk)
    return _render_editor(request, form, lines, invoice=invoice, status=400)


@manage_ledger_required
def invoice_create(request):
    if request.method == "POST":
        form = InvoiceDraftForm(request.POST, user=request.user)
        lines = InvoiceLineFormSet(request.POST, prefix=LINES_PREFIX)
        return _save_draft(request, form, lines, invoice=None)
    initial = {"issue_date": timezone.localdate()}
    customer = (
        customers_visible_to(request.user)
        .filter(pk=request.GET.get("customer"), is_archived=False)
        .first()
        if request.GET.get("customer", "").isdigit()
        else None
    )
    if customer:
        initial.update(customer=customer, currency=customer.currency)
    form = InvoiceDraftForm(initial=initial, user=request.user)
    return _render_editor(request, form, InvoiceLineFormSet(prefix=LINES_PREFIX))


@manage_ledger_required
def invoice_edit(request, pk):
    invoice = get_object_or_404(selectors.invoices_visible_to(request.user), pk=pk)
    if not invoice.can_edit():
        # Posted documents never change; the way to correct one is a credit note.
        messages.warning(
            request,
            _("Only a draft can be edited; correct invoice %(number)s with a credit note.")
            % {"number": invoice},
        )
        return redirect("invoice-detail", pk=invoice.pk)
    if request.method == "POST":
        form = InvoiceDraftForm(request.POST, user=request.user, invoice=invoice)
        lines = InvoiceLineFormSet(request.POST, prefix=LINES_PREFIX)
        return _save_draft(request, form, lines, invoice=invoice)
    form = InvoiceDraftForm(
        initial=InvoiceDraftForm.initial_for(invoice), user=request.user, invoice=invoice
    )
    lines = InvoiceLineFormSet(
        initial=[InvoiceLineForm.initial_for(line) for line in invoice.lines.all()],
        prefix=LINES_PREFIX,
    )
    return _render_editor(request, form, lines, invoice=invoice)


@manage_ledger_required
@require_POST
def invoice_preview(request):
    """The editor's live totals and schedule (an htmx partial); saves nothing."""
    form = InvoiceDraftForm(request.POST, user=request.user)
    lines = InvoiceLineFormSet(request.POST, prefix=LINES_PREFIX)
    form.is_valid()
    lines.is_valid()
    header = form.cleaned_data
    context = {
        "left_out": [number for number, line in enumerate(lines.forms, start=1) if line.errors],
        "preview": None,
        "problem": "",
    }
    service_lines = lines.service_lines()
    if not header.get("customer"):
        context["problem"] = _("Choose a customer to see the totals.")
    elif not service_lines:
        context["problem"] = _("Add a line to see the totals.")
    else:
        try:
            context["preview"] = services.invoice_preview(
                customer=header["customer"],
                lines=service_lines,
                issue_date=header.get("issue_date"),
                payment_terms=header.get("payment_terms"),
                contract=header.get("contract"),
                currency=header.get("currency"),
            )
        except ApplicationError as error:
            context["problem"] = error.message
        else:
            # What the customer would owe against its limit once this invoice is issued.
            context["credit"] = selectors.customer_credit_position(
                customer=header["customer"],
                on_date=header.get("issue_date") or timezone.localdate(),
                adding=context["preview"].total,
                adding_currency=context["preview"].currency,
            )
    return render(request, "receivables/invoices/_preview.html", context)


@manage_ledger_required
@require_GET
def invoice_contract_choices(request):
    """The editor's contract field for the customer being typed (an htmx partial): that
    customer's contracts only, keeping ?contract= chosen if it is one of them."""
    form = InvoiceDraftForm(
        initial={
            "customer": request.GET.get("customer", ""),
            "contract": request.GET.get("contract", ""),
        },
        user=request.user,
    )
    return render(request, "receivables/invoices/_contract_field.html", {"form": form})


@manage_ledger_required
@require_POST
def invoice_issue(request, pk):
    invoice = get_object_or_404(selectors.invoices_visible_to(request.user), pk=pk)
    try:
        invoice = services.invoice_issue(actor=request.user, invoice=invoice)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Invoice %(number)s issued.") % {"number": invoice})
    return redirect("invoice-detail", pk=pk)


@manage_ledger_required
@require_POST
def invoice_cancel(request, pk):
    invoice = get_object_or_404(selectors.invoices_visible_to(request.user), pk=pk)
    try:
        services.invoice_cancel_draft(actor=request.user, invoice=invoice)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The draft was cancelled."))
    return redirect("invoice-detail", pk=pk)


def _visible_invoice_with_totals(user, pk) -> Invoice:
    invoices = selectors.with_open_totals(selectors.invoices_visible_to(user)).select_related(
        "customer", "customer__owner", "payment_terms", "contract", "created_by", "issued_by"
    )
    return get_object_or_404(invoices, pk=pk)


def _render_detail(
    request, invoice: Invoice, *, delivery_form=None, credit_override_form=None, status=200
):
    today = timezone.localdate()
    if delivery_form is None:
        delivery_form = InvoiceDeliveryForm(
            initial={
                "fapiao_number": invoice.fapiao_number,
                "sent_on": invoice.sent_on,
                "receipt_confirmed_on": invoice.receipt_confirmed_on,
            }
        )
    return render(
        request,
        "receivables/invoices/detail.html",
        {
            "invoice": invoice,
            # Each line with its numbers as they were typed (2.5, not 2.5000).
            "lines": [(line, InvoiceLineForm.initial_for(line)) for line in invoice.lines.all()],
            "installments": selectors.invoice_installments(invoice=invoice, on_date=today),
            "allocations": selectors.invoice_allocations(invoice=invoice),
            "credit_notes": invoice.credit_notes.order_by("issue_date", "pk"),
            "history": readable_history(invoice),
            "delivery_form": delivery_form,
            "credit": credit_control_context(invoice, request_form=credit_override_form),
        },
        status=status,
    )


@viewer_required
def invoice_detail(request, pk):
    return _render_detail(request, _visible_invoice_with_totals(request.user, pk))


@manage_ledger_required
@require_POST
def invoice_credit_override(request, pk):
    """Ask a manager to let this draft be issued although credit control refuses it."""
    invoice = _visible_invoice_with_totals(request.user, pk)
    form = CreditOverrideRequestForm(request.POST)
    if form.is_valid():
        try:
            services.credit_override_request(
                actor=request.user, invoice=invoice, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Override requested; a manager will decide it."))
            return redirect("invoice-detail", pk=pk)
    return _render_detail(request, invoice, credit_override_form=form, status=400)


@manage_ledger_required
@require_POST
def invoice_delivery(request, pk):
    """Record when the invoice was sent, its fapiao number and the customer's receipt."""
    invoice = _visible_invoice_with_totals(request.user, pk)
    form = InvoiceDeliveryForm(request.POST)
    if form.is_valid():
        try:
            services.invoice_update_delivery(
                actor=request.user, invoice=invoice, **form.cleaned_data
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Delivery details saved."))
            return redirect("invoice-detail", pk=pk)
    return _render_detail(request, invoice, delivery_form=form, status=400)


@manage_ledger_required
@require_POST
def invoice_dispute(request, pk):
    """Flag or clear the customer's dispute (collections pause while it is open)."""
    invoice = get_object_or_404(selectors.invoices_visible_to(request.user), pk=pk)
    form = InvoiceDisputeForm(request.POST)
    form.is_valid()
    disputed = form.cleaned_data.get("disputed", False)
    try:
        services.invoice_set_disputed(actor=request.user, invoice=invoice, disputed=disputed)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The invoice is marked as disputed.")
            if disputed
            else _("The dispute on this invoice is cleared."),
        )
    return redirect("invoice-detail", pk=pk)


urlpatterns = [
    path("invoices/", invoice_list, name="invoice-list"),
    path("invoices/new/", invoice_create, name="invoice-create"),
    path("invoices/preview/", invoice_preview, name="invoice-preview"),
    path("invoices/contract-choices/", invoice_contract_choices, name="invoice-contract-choices"),
    path("invoices/<int:pk>/", invoice_detail, name="invoice-detail"),
    path("invoices/<int:pk>/edit/", invoice_edit, name="invoice-edit"),
    path("invoices/<int:pk>/issue/", invoice_issue, name="invoice-issue"),
    path("invoices/<int:pk>/cancel/", invoice_cancel, name="invoice-cancel"),
    path("invoices/<int:pk>/delivery/", invoice_delivery, name="invoice-delivery"),
    path("invoices/<int:pk>/dispute/", invoice_dispute, name="invoice-dispute"),
    path(
        "invoices/<int:pk>/credit-override/",
        invoice_credit_override,
        name="invoice-credit-override",
    ),
]
