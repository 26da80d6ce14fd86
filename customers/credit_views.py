"""Credit change pages: asking for a new credit limit or default payment terms, and the request
with its decision. Asking needs MANAGE_CREDIT, deciding APPROVE_CREDIT and someone other than
the requester (customers.services enforces both; the pages only hide buttons that would be
refused). The managers' approvals inbox lists pending requests (receivables.views.write_offs)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import capability_required, viewer_required
from accounts.roles import Capability
from core.exceptions import ApplicationError, PermissionDeniedError
from core.forms import add_application_error
from core.history import readable_history
from customers import services
from customers.credit_forms import CreditChangeDecisionForm, CreditChangeRequestForm
from customers.models import CreditChangeRequest
from customers.selectors import credit_change_requests_visible_to, customers_visible_to

INVALID = 400


@capability_required(Capability.MANAGE_CREDIT)
def credit_request_create(request, pk):
    customer = get_object_or_404(
        customers_visible_to(request.user).select_related("default_payment_terms"), pk=pk
    )
    if request.method == "POST":
        form = CreditChangeRequestForm(request.POST, customer=customer)
        if form.is_valid():
            try:
                change = services.credit_change_request(
                    actor=request.user, customer=customer, **form.cleaned_data
                )
            except ApplicationError as error:
                add_application_error(form, error)
            else:
                messages.success(request, _("Credit change requested; a manager will decide it."))
                return redirect("credit-request-detail", pk=change.pk)
    else:
        form = CreditChangeRequestForm(
            initial=CreditChangeRequestForm.initial_for(customer, request.GET), customer=customer
        )
    pending = customer.credit_change_requests.filter(
        status=CreditChangeRequest.Status.PENDING
    ).first()
    return render(
        request,
        "customers/credit_requests/form.html",
        {"customer": customer, "form": form, "pending": pending},
        status=INVALID if form.errors else 200,
    )


def _visible_requests(user):
    return credit_change_requests_visible_to(user).select_related(
        "customer",
        "default_payment_terms",
        "default_payment_terms_before",
        "requested_by",
        "decided_by",
    )


def _render_detail(request, change, decision_form=None, status=200):
    return render(
        request,
        "customers/credit_requests/detail.html",
        {
            "change": change,
            "may_decide": change.can_decide(request.user),
            "may_withdraw": change.status == CreditChangeRequest.Status.PENDING
            and change.requested_by_id == request.user.pk,
            "decision_form": decision_form or CreditChangeDecisionForm(),
            "history": readable_history(change),
        },
        status=status,
    )


@viewer_required
def credit_request_detail(request, pk):
    return _render_detail(request, get_object_or_404(_visible_requests(request.user), pk=pk))


def _decide(request, pk, service, success_message):
    change = get_object_or_404(_visible_requests(request.user), pk=pk)
    form = CreditChangeDecisionForm(request.POST)
    if form.is_valid():
        try:
            service(actor=request.user, change=change, note=form.cleaned_data["note"])
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, success_message)
            return redirect("approval-inbox")
    return _render_detail(request, change, decision_form=form, status=INVALID)


@capability_required(Capability.APPROVE_CREDIT)
@require_POST
def credit_request_approve(request, pk):
    return _decide(
        request, pk, services.credit_change_approve, _("Credit change approved and applied.")
    )


@capability_required(Capability.APPROVE_CREDIT)
@require_POST
def credit_request_reject(request, pk):
    return _decide(request, pk, services.credit_change_reject, _("Credit change rejected."))


@capability_required(Capability.MANAGE_CREDIT)
@require_POST
def credit_request_withdraw(request, pk):
    change = get_object_or_404(_visible_requests(request.user), pk=pk)
    try:
        services.credit_change_withdraw(actor=request.user, change=change)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Credit change withdrawn."))
    return redirect("credit-request-detail", pk=pk)


urlpatterns = [
    path("customers/<int:pk>/credit-request/", credit_request_create, name="credit-request-create"),
    path("credit-requests/<int:pk>/", credit_request_detail, name="credit-request-detail"),
    path(
        "credit-requests/<int:pk>/approve/", credit_request_approve, name="credit-request-approve"
    ),
    path("credit-requests/<int:pk>/reject/", credit_request_reject, name="credit-request-reject"),
    path(
        "credit-requests/<int:pk>/withdraw/",
        credit_request_withdraw,
        name="credit-request-withdraw",
    ),
]
