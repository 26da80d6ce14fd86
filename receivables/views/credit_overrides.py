"""Credit control on the invoice pages: why a draft cannot be issued (shown on the invoice page,
where finance asks for an override: views.invoices) and a manager's decision on the override
(from the approvals inbox), which needs APPROVE_CREDIT and someone other than the requester
(receivables.services enforces both; the pages only hide buttons that would be refused)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import capability_required
from accounts.roles import Capability
from core.exceptions import ApplicationError, PermissionDeniedError
from receivables import selectors, services
from receivables.forms.credit_overrides import CreditOverrideDecisionForm, CreditOverrideRequestForm
from receivables.models import CreditOverride, Invoice


def credit_control_context(invoice: Invoice, request_form=None) -> dict:
    """What the invoice page shows of credit control: for a draft, why issuing it would be
    refused now (`refusals`) and whether an override may be asked for; the invoice's overrides,
    newest first."""
    refusals = []
    if invoice.status == Invoice.Status.DRAFT and invoice.total > 0:
        refusals = selectors.credit_refusals(
            customer=invoice.customer,
            amount=invoice.total,
            currency=invoice.currency,
            on_date=invoice.issue_date,
        )
    overrides = list(
        invoice.credit_overrides.select_related("requested_by", "decided_by").order_by(
            "-requested_at", "-pk"
        )
    )
    usable = refusals and selectors.usable_credit_override(
        invoice=invoice, refused_for={refusal.code for refusal in refusals}
    )
    pending = any(override.status == CreditOverride.Status.PENDING for override in overrides)
    return {
        "refusals": refusals,
        "overrides": overrides,
        "usable_override": usable or None,
        "may_request": bool(refusals) and not pending and not usable,
        "request_form": request_form or CreditOverrideRequestForm(),
    }


def _decide(request, pk, service, success_message):
    override = get_object_or_404(selectors.credit_overrides_visible_to(request.user), pk=pk)
    form = CreditOverrideDecisionForm(request.POST)
    form.is_valid()
    try:
        service(actor=request.user, override=override, note=form.cleaned_data.get("note", ""))
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success_message)
    return redirect("approval-inbox")


@capability_required(Capability.APPROVE_CREDIT)
@require_POST
def credit_override_approve(request, pk):
    return _decide(
        request,
        pk,
        services.credit_override_approve,
        _("Override approved: the invoice may be issued once."),
    )


@capability_required(Capability.APPROVE_CREDIT)
@require_POST
def credit_override_reject(request, pk):
    return _decide(request, pk, services.credit_override_reject, _("Override rejected."))


urlpatterns = [
    path(
        "credit-overrides/<int:pk>/approve/",
        credit_override_approve,
        name="credit-override-approve",
    ),
    path(
        "credit-overrides/<int:pk>/reject/", credit_override_reject, name="credit-override-reject"
    ),
]
