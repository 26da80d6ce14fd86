"""Dispute pages (list with filters and time to resolve, detail, open, assign, resolve) and the
fee invoice page (draft invoice charging late interest not invoiced before). Scoped: a sales rep
reaches only their own customers' disputes (another's is a 404)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import capability_required, viewer_required
from accounts.roles import Capability
from arcollections.forms.disputes import (
    DisputeAssignForm,
    DisputeFilterForm,
    DisputeOpenForm,
    DisputeResolveForm,
    FeeInvoiceForm,
)
from arcollections.selectors.disputes import dispute_for_detail, dispute_summary, disputes_for_list
from arcollections.selectors.fees import fee_lines_due
from arcollections.services.fees import fee_invoice_create
from core.exceptions import ApplicationError, PermissionDeniedError
from core.forms import add_application_error
from core.history import readable_history
from core.pages import paginate, sort_queryset
from customers.fields import CustomerField
from receivables import services
from receivables.models import Dispute
from receivables.services import DISPUTE_CAPABILITIES

INVALID = 400

LIST_SORT_COLUMNS = {
    "opened": "opened_on",
    "customer": "customer__code",
    "reason": "reason",
    "age": "age_days",
    "amount": "contested_open_amount",
    "status": "status",
}


@viewer_required
def dispute_list(request):
    filters = DisputeFilterForm(request.GET, user=request.user)
    disputes = disputes_for_list(
        user=request.user, on_date=timezone.localdate(), **filters.selector_filters()
    )
    ordered, current_sort = sort_queryset(request, disputes, LIST_SORT_COLUMNS, default="-opened")
    return render(
        request,
        "collections/disputes/list.html",
        {
            "filters": filters,
            "page": paginate(request, ordered),
            "current_sort": current_sort,
            "summary": dispute_summary(disputes),
        },
    )


def _dispute(request, pk) -> Dispute:
    try:
        return dispute_for_detail(user=request.user, pk=pk, on_date=timezone.localdate())
    except Dispute.DoesNotExist:
        raise Http404 from None


def _detail(request, dispute, *, assign_form=None, resolve_form=None, status=200):
    return render(
        request,
        "collections/disputes/detail.html",
        {
            "dispute": dispute,
            "assign_form": assign_form or DisputeAssignForm(dispute=dispute),
            "resolve_form": resolve_form or DisputeResolveForm(dispute=dispute),
            "history": readable_history(dispute),
        },
        status=status,
    )


@viewer_required
def dispute_detail(request, pk):
    return _detail(request, _dispute(request, pk))


@capability_required(*DISPUTE_CAPABILITIES)
def dispute_create(request):
    """Step 1 (no ?customer=): choose the customer. Step 2: its open items and the details."""
    picker = CustomerField(user=request.user, required=False)
    customer = picker.resolve(request.GET.get("customer") or request.POST.get("customer"))
    if customer is None:
        return render(
            request,
            "collections/disputes/create.html",
            {"customer": None, "typed": request.GET.get("customer", "")},
        )
    form = DisputeOpenForm(request.POST or None, user=request.user, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            dispute = services.dispute_open(actor=request.user, **form.service_arguments())
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Dispute #%(number)s opened.") % {"number": dispute.pk})
            return redirect("dispute-detail", pk=dispute.pk)
    return render(
        request,
        "collections/disputes/create.html",
        {"customer": customer, "form": form},
        status=INVALID if request.method == "POST" else 200,
    )


@capability_required(*DISPUTE_CAPABILITIES)
@require_POST
def dispute_assign(request, pk):
    dispute = _dispute(request, pk)
    form = DisputeAssignForm(request.POST, dispute=dispute)
    if form.is_valid():
        try:
            services.dispute_assign(
                actor=request.user, dispute=dispute, owner=form.cleaned_data["owner"]
            )
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Dispute owner saved."))
            return redirect("dispute-detail", pk=dispute.pk)
    return _detail(request, dispute, assign_form=form, status=INVALID)


@capability_required(Capability.MANAGE_LEDGER)
@require_POST
def dispute_resolve(request, pk):
    dispute = _dispute(request, pk)
    form = DisputeResolveForm(request.POST, dispute=dispute)
    if form.is_valid():
        try:
            services.dispute_resolve(
                actor=request.user, dispute=dispute, **form.service_arguments()
            )
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Dispute #%(number)s resolved.") % {"number": dispute.pk})
            return redirect("dispute-detail", pk=dispute.pk)
    return _detail(request, dispute, resolve_form=form, status=INVALID)


@capability_required(Capability.MANAGE_LEDGER)
def fee_invoice_new(request):
    """Preview the late interest not invoiced yet for a customer up to a date, then raise it
    as a draft invoice (Finance reviews and issues it on the invoice page)."""
    picker = CustomerField(user=request.user, required=False)
    customer = picker.resolve(request.GET.get("customer") or request.POST.get("customer"))
    if customer is None:
        return render(
            request,
            "collections/disputes/fee_new.html",
            {"customer": None, "typed": request.GET.get("customer", "")},
        )
    if request.method == "POST":
        data = request.POST
    else:
        data = request.GET if "as_of" in request.GET else None  # a preview was asked for
    form = FeeInvoiceForm(data, customer=customer)
    lines = []
    status = 200
    if form.is_bound and form.is_valid():
        as_of, currency = form.cleaned_data["as_of"], form.cleaned_data["currency"]
        if request.method == "POST":
            try:
                invoice = fee_invoice_create(
                    actor=request.user, customer=customer, as_of=as_of, currency=currency
                )
            except PermissionDeniedError as error:
                raise PermissionDenied(error.message) from error
            except ApplicationError as error:
                add_application_error(form, error)
                status = INVALID
            else:
                messages.success(request, _("Draft fee invoice created: review it, then issue it."))
                return redirect("invoice-detail", pk=invoice.pk)
        lines = fee_lines_due(customer=customer, as_of=as_of, currency=currency)
    elif form.is_bound:
        status = INVALID
    return render(
        request,
        "collections/disputes/fee_new.html",
        {
            "customer": customer,
            "form": form,
            "lines": lines,
            "total": sum((line.amount for line in lines), 0),
        },
        status=status,
    )
