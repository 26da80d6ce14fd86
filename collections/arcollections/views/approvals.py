"""Dunning messages pages: the list (filters by status, channel, run date and customer; scoped
to the customers the user may see), one message with the installments it covers, the managers'
approvals queue (approve or reject a message a step holds for approval), and Finance's "run
dunning now"."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import capability_required, viewer_required
from accounts.roles import has_capability, sees_all_customers
from arcollections.forms.policies import MessageFilterForm
from arcollections.models import DunningMessage, DunningStep
from arcollections.selectors import policies as selectors
from arcollections.selectors.policies import APPROVE_DUNNING, MANAGE_DUNNING
from arcollections.services.policies import dunning_run_now
from core.exceptions import ApplicationError, PermissionDeniedError
from core.history import readable_history
from core.pages import paginate, sort_queryset
from core.pdf import pdf_response

LIST_SORT_COLUMNS = {
    "run": "run_date",
    "customer": "customer__code",
    "step": "step__offset_days",
    "status": "status",
    "sent": "sent_at",
}


@viewer_required
def message_list(request):
    filters = MessageFilterForm(request.GET, user=request.user)
    dunning_messages, current_sort = sort_queryset(
        request,
        selectors.dunning_messages_for_list(user=request.user, **filters.selector_filters()),
        LIST_SORT_COLUMNS,
        default="-run",
    )
    return render(
        request,
        "collections/approvals/message_list.html",
        {
            "filters": filters,
            "page": paginate(request, dunning_messages),
            "current_sort": current_sort,
            "show_owner": sees_all_customers(request.user),
            "can_run": has_capability(request.user, MANAGE_DUNNING),
        },
    )


def _message(request, pk) -> DunningMessage:
    try:
        return selectors.dunning_message_detail(user=request.user, pk=pk)
    except DunningMessage.DoesNotExist as missing:
        raise Http404 from missing


def _attachment_labels(message: DunningMessage, notices) -> list[str]:
    """The labels of the PDFs a message carries, in message_attachments' order (the download
    links' indexes), without rendering them."""
    kind = message.step.attachment
    if not kind:
        return []
    if kind == DunningStep.Attachment.INVOICES:
        return sorted({notice.installment.invoice.number for notice in notices})
    return [message.step.get_attachment_display()]


@viewer_required
def message_detail(request, pk):
    message = _message(request, pk)
    notices = list(message.notices.all())
    return render(
        request,
        "collections/approvals/message_detail.html",
        {
            "message": message,
            "notices": notices,
            "attachments": _attachment_labels(message, notices),
            "history": readable_history(message),
            "can_approve": message.status == DunningMessage.Status.PENDING_APPROVAL
            and selectors.can_approve_dunning(request.user),
        },
    )


@capability_required(APPROVE_DUNNING)
def approval_list(request):
    page = paginate(request, selectors.dunning_messages_pending_approval(user=request.user))
    for message in page:
        message.notice_list = list(message.notices.all())
        message.attachment_labels = _attachment_labels(message, message.notice_list)
    return render(request, "collections/approvals/list.html", {"page": page})


def _back(request):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("dunning-approval-list")


def _decide(request, pk, *, decision, done_message):
    message = _message(request, pk)
    try:
        decision(message)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done_message % {"customer": message.customer.code})
    return _back(request)


@capability_required(APPROVE_DUNNING)
@require_POST
def message_approve(request, pk):
    from arcollections.services.dunning import dunning_message_approve

    return _decide(
        request,
        pk,
        decision=lambda message: dunning_message_approve(actor=request.user, message=message),
        done_message=_("Message to %(customer)s approved."),
    )


@capability_required(APPROVE_DUNNING)
@require_POST
def message_reject(request, pk):
    from arcollections.services.dunning import dunning_message_reject

    reason = request.POST.get("reason", "").strip()
    return _decide(
        request,
        pk,
        decision=lambda message: dunning_message_reject(
            actor=request.user, message=message, reason=reason
        ),
        done_message=_("Message to %(customer)s rejected."),
    )


@capability_required(MANAGE_DUNNING)
@require_POST
def run_now(request):
    """Today's dunning run and sending, synchronously: the run is idempotent, so a second press
    (or the nightly job afterwards) adds nothing."""
    try:
        summary = dunning_run_now(actor=request.user, run_date=timezone.localdate())
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        run = summary["run"]
        if not run.business_day:
            messages.info(
                request,
                _(
                    "%(day)s is not a working day: nothing was sent. The next working day's run "
                    "sends what came due meanwhile."
                )
                % {"day": run.run_date.isoformat()},
            )
        else:
            messages.success(
                request,
                _(
                    "Dunning run of %(day)s: %(messages)s new messages for %(customers)s "
                    "customers; %(sent)s e-mails sent."
                )
                % {
                    "day": run.run_date.isoformat(),
                    "messages": run.messages,
                    "customers": run.customers,
                    "sent": summary["sent"],
                },
            )
        if run.failed_customers:
            messages.error(
                request,
                _("%(count)s customers failed and will be retried by the next run; see the log.")
                % {"count": len(run.failed_customers)},
            )
    return redirect("dunning-message-list")


@viewer_required
def message_attachment(request, pk, index):
    """One PDF a message carries (what its e-mail attaches), rendered as the sender would."""
    from arcollections.services.dunning import message_attachments

    message = _message(request, pk)
    attachments = message_attachments(message)
    if not 0 <= index < len(attachments):
        raise Http404
    name, content = attachments[index]
    return pdf_response(content, filename=name)
