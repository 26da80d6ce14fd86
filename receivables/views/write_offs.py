"""Write-off pages and the managers' approvals inbox. Requesting needs REQUEST_WRITE_OFF,
deciding needs APPROVE_WRITE_OFF and someone other than the requester (the services enforce the
four-eyes rule; the pages only hide buttons that would be refused)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import capability_required, viewer_required
from accounts.roles import Capability, has_capability
from core.exceptions import ApplicationError, PermissionDeniedError
from core.forms import add_application_error
from core.history import readable_history
from core.pages import paginate
from customers.selectors import credit_changes_pending_approval
from receivables import selectors, services
from receivables.forms.write_offs import (
    WriteOffDecisionForm,
    WriteOffFilterForm,
    WriteOffRequestForm,
)

INVALID = 400


def _write_offs(user):
    return selectors.write_offs_visible_to(user).select_related(
        "customer", "installment__invoice", "requested_by", "decided_by"
    )


@viewer_required
def write_off_list(request):
    filters = WriteOffFilterForm(request.GET or None, user=request.user)
    write_offs = filters.filter(_write_offs(request.user)).order_by("-requested_at", "-pk")
    return render(
        request,
        "receivables/write_offs/list.html",
        {"filters": filters, "page": paginate(request, write_offs)},
    )


@capability_required(Capability.REQUEST_WRITE_OFF)
def write_off_create(request, pk):
    installment = get_object_or_404(
        selectors.installments_visible_to(request.user).select_related("invoice", "customer"),
        pk=pk,
    )
    if request.method == "POST":
        form = WriteOffRequestForm(request.POST)
        if form.is_valid():
            try:
                write_off = services.write_off_request(
                    actor=request.user, installment=installment, **form.cleaned_data
                )
            except ApplicationError as error:
                add_application_error(form, error)
            else:
                messages.success(request, _("Write-off requested; a manager will decide it."))
                return redirect("write-off-detail", pk=write_off.pk)
        context = {"installment": installment, "form": form}
        return render(request, "receivables/write_offs/create.html", context, status=INVALID)
    form = WriteOffRequestForm(initial={"amount": installment.open_amount})
    return render(
        request, "receivables/write_offs/create.html", {"installment": installment, "form": form}
    )


def _detail_context(request, write_off, decision_form=None):
    return {
        "write_off": write_off,
        "allocations": write_off.allocations.select_related("installment__invoice").order_by(
            "applied_on", "pk"
        ),
        "may_decide": write_off.status == write_off.Status.PENDING
        and write_off.requested_by_id != request.user.pk,
        "decision_form": decision_form or WriteOffDecisionForm(),
        "history": readable_history(write_off),
    }


@viewer_required
def write_off_detail(request, pk):
    write_off = get_object_or_404(_write_offs(request.user), pk=pk)
    return render(
        request, "receivables/write_offs/detail.html", _detail_context(request, write_off)
    )


def _decide(request, pk, service, success_message):
    write_off = get_object_or_404(_write_offs(request.user), pk=pk)
    form = WriteOffDecisionForm(request.POST)
    if form.is_valid():
        try:
            service(actor=request.user, write_off=write_off, note=form.cleaned_data["note"])
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, success_message)
            return redirect("approval-inbox")
    return render(
        request,
        "receivables/write_offs/detail.html",
        _detail_context(request, write_off, decision_form=form),
        status=INVALID,
    )


@capability_required(Capability.APPROVE_WRITE_OFF)
@require_POST
def write_off_approve(request, pk):
    return _decide(request, pk, services.write_off_approve, _("Write-off approved and posted."))


@capability_required(Capability.APPROVE_WRITE_OFF)
@require_POST
def write_off_reject(request, pk):
    return _decide(request, pk, services.write_off_reject, _("Write-off rejected."))


def _write_off_section(user):
    now = timezone.now()
    requests = list(selectors.write_offs_pending_approval(user=user))
    return {
        "kind": "write_off",
        "title": _("Write-offs"),
        "template": "receivables/approvals/write_offs.html",
        "rows": [
            {
                "write_off": write_off,
                "age_days": (now - write_off.requested_at).days,
                "is_own": write_off.requested_by_id == user.pk,
            }
            for write_off in requests
        ],
    }


def _credit_change_section(user):
    now = timezone.now()
    return {
        "kind": "credit_change",
        "title": _("Credit limit and terms changes"),
        "template": "receivables/approvals/credit_changes.html",
        "rows": [
            {
                "change": change,
                "age_days": (now - change.requested_at).days,
                "is_own": change.requested_by_id == user.pk,
            }
            for change in credit_changes_pending_approval(user=user)
        ],
    }


def _credit_override_section(user):
    now = timezone.now()
    return {
        "kind": "credit_override",
        "title": _("Credit overrides"),
        "template": "receivables/approvals/credit_overrides.html",
        "rows": [
            {
                "override": override,
                "age_days": (now - override.requested_at).days,
                "is_own": override.requested_by_id == user.pk,
            }
            for override in selectors.credit_overrides_pending_approval(user=user)
        ],
    }


@capability_required(Capability.APPROVE_WRITE_OFF, Capability.APPROVE_CREDIT)
def approval_inbox(request):
    # One section per kind of request; each renders its own rows with its own template, so a new
    # kind is one more entry here and one more template. A section shows only to those who may
    # decide its kind.
    sections = []
    if has_capability(request.user, Capability.APPROVE_WRITE_OFF):
        sections.append(_write_off_section(request.user))
    if has_capability(request.user, Capability.APPROVE_CREDIT):
        sections += [
            _credit_change_section(request.user),
            _credit_override_section(request.user),
        ]
    return render(request, "receivables/approvals/inbox.html", {"sections": sections})


urlpatterns = [
    path("write-offs/", write_off_list, name="write-off-list"),
    path("write-offs/<int:pk>/", write_off_detail, name="write-off-detail"),
    path("write-offs/<int:pk>/approve/", write_off_approve, name="write-off-approve"),
    path("write-offs/<int:pk>/reject/", write_off_reject, name="write-off-reject"),
    path("installments/<int:pk>/write-off/", write_off_create, name="write-off-create"),
    path("approvals/", approval_inbox, name="approval-inbox"),
]
