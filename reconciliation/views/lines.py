"""Bank line pages: the review queue (suggested and unmatched credits, keyboard-friendly), the
list of all lines, a line's page with its suggestions and history, and the decisions: accept
or reject a suggestion, assign by hand, ignore, undo, accept in bulk. Every decision is one
service call; the services lock the line, so two people (or a person and the engine) cannot
apply it twice."""

from dataclasses import replace

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from core.forms import add_application_error
from core.history import readable_history
from core.pages import paginate
from receivables.selectors import oldest_due_first_plan
from reconciliation.forms import (
    AssignForm,
    BulkAcceptForm,
    CustomerChoiceForm,
    IgnoreForm,
    LineFilterForm,
    SuggestionForm,
    UndoForm,
)
from reconciliation.models import BankLine, MatchSuggestion
from reconciliation.selectors.lines import (
    assignable_installments,
    bank_line_for_detail,
    bank_lines_for_list,
    evidence_label,
    lines_to_accept_in_bulk,
)
from reconciliation.selectors.lines import (
    review_queue as review_queue_lines,
)
from reconciliation.services import lines as services
from reconciliation.views.access import reconciler_required, reconciliation_viewer_required

INVALID = 400
# How many of the lines a bulk accept would take its confirmation page lists.
BULK_PREVIEW_LINES = 50


def _with_evidence(suggestions) -> None:
    for suggestion in suggestions:
        suggestion.evidence_rows = [
            {
                "kind": item.get("kind", ""),
                "label": evidence_label(item.get("kind", "")),
                "detail": item.get("detail", ""),
                "points": item.get("points"),
            }
            for item in suggestion.evidence or []
        ]


def _with_top_suggestions(lines) -> list[BankLine]:
    lines = list(lines)
    for line in lines:
        line.top = line.open_suggestions[0] if line.open_suggestions else None
        _with_evidence(line.open_suggestions)
    return lines


def _next_url(request, default: str) -> str:
    """Where to go after a decision: the page it was taken on (the queue with its filters),
    if that is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _bulk_query(request) -> str:
    """The queue's filters for the bulk accept page, less its own confidence threshold and the
    page number, plus the way back."""
    query = request.GET.copy()
    for name in ("min_confidence", "page"):
        query.pop(name, None)
    query["next"] = request.get_full_path()
    return query.urlencode()


@reconciliation_viewer_required
def review_queue(request):
    filters = LineFilterForm(request.GET, review=True)
    line_filters = filters.line_filters()
    page = paginate(request, review_queue_lines(line_filters))
    page.object_list = _with_top_suggestions(page.object_list)
    threshold = settings.RECONCILIATION_BULK_ACCEPT_CONFIDENCE
    return render(
        request,
        "reconciliation/lines/review.html",
        {
            "filters": filters,
            "page": page,
            "bulk_threshold": threshold,
            "bulk_count": lines_to_accept_in_bulk(line_filters, min_confidence=threshold).count(),
            "bulk_query": _bulk_query(request),
        },
    )


@reconciler_required
def lines_accept_bulk(request):
    """GET: what "accept all" would take under the queue's filters (the confirmation); POST:
    accept them."""
    data = request.POST if request.method == "POST" else request.GET
    filters = LineFilterForm(data, review=True)
    # The threshold is the bulk form's; the queue's own confidence filter does not narrow it.
    line_filters = replace(filters.line_filters(), min_confidence=None)
    form = BulkAcceptForm(data if "min_confidence" in data else None)
    if request.method == "POST" and form.is_valid():
        line_ids = list(
            lines_to_accept_in_bulk(
                line_filters, min_confidence=form.cleaned_data["min_confidence"]
            ).values_list("pk", flat=True)
        )
        result = services.bank_lines_accept_bulk(
            actor=request.user,
            line_ids=line_ids,
            min_confidence=form.cleaned_data["min_confidence"],
        )
        messages.success(
            request,
            _("%(accepted)s suggestions accepted; %(skipped)s lines left for review.")
            % {"accepted": result.accepted, "skipped": len(result.skipped)},
        )
        for line_id, reason in result.skipped:
            messages.warning(
                request, _("Line %(line)s: %(reason)s") % {"line": line_id, "reason": reason}
            )
        return redirect(_next_url(request, reverse("bank-review")))
    threshold = (
        form.cleaned_data["min_confidence"]
        if form.is_bound and form.is_valid()
        else settings.RECONCILIATION_BULK_ACCEPT_CONFIDENCE
    )
    lines = lines_to_accept_in_bulk(line_filters, min_confidence=threshold)
    return render(
        request,
        "reconciliation/lines/accept_bulk.html",
        {
            "form": form,
            "filters": filters,
            "count": lines.count(),
            "lines": _with_top_suggestions(lines[:BULK_PREVIEW_LINES]),
            "next": _next_url(request, reverse("bank-review")),
        },
        status=INVALID if request.method == "POST" or (form.is_bound and form.errors) else 200,
    )


@reconciler_required
@require_POST
def lines_rematch(request):
    services.bank_lines_rematch(actor=request.user)
    messages.success(
        request,
        _("The matching engine is looking at the open lines again; reload in a moment."),
    )
    return redirect(_next_url(request, reverse("bank-review")))


@reconciliation_viewer_required
def line_list(request):
    filters = LineFilterForm(request.GET, review=False)
    page = paginate(request, bank_lines_for_list(filters.line_filters()))
    page.object_list = _with_top_suggestions(page.object_list)
    return render(request, "reconciliation/lines/list.html", {"filters": filters, "page": page})


def _line(pk) -> BankLine:
    try:
        return bank_line_for_detail(pk=pk)
    except BankLine.DoesNotExist:
        raise Http404 from None


def _detail(request, line, *, ignore_form=None, undo_form=None, error="", status=200):
    _with_evidence(line.all_suggestions)
    return render(
        request,
        "reconciliation/lines/detail.html",
        {
            "line": line,
            "ignore_form": ignore_form or IgnoreForm(),
            "undo_form": undo_form or UndoForm(),
            "action_error": error,
            "history": readable_history(line),
            "open_status": MatchSuggestion.Status.OPEN,
        },
        status=status,
    )


@reconciliation_viewer_required
def line_detail(request, pk):
    return _detail(request, _line(pk))


def _decide_on_suggestion(request, pk, decide, success_message):
    line = _line(pk)
    form = SuggestionForm(request.POST, line=line)
    if not form.is_valid():
        return _detail(
            request, line, error=_("Choose one of this line's suggestions."), status=INVALID
        )
    try:
        decide(line, form.cleaned_data["suggestion"])
    except ApplicationError as error:
        return _detail(request, _line(pk), error=str(error.message), status=INVALID)
    messages.success(request, success_message % {"line": line.pk})
    return redirect(_next_url(request, reverse("bank-line-detail", args=[line.pk])))


@reconciler_required
@require_POST
def line_accept(request, pk):
    return _decide_on_suggestion(
        request,
        pk,
        lambda line, suggestion: services.bank_line_accept(
            actor=request.user, line=line, suggestion=suggestion
        ),
        _("Bank line %(line)s applied as suggested."),
    )


@reconciler_required
@require_POST
def line_reject(request, pk):
    return _decide_on_suggestion(
        request,
        pk,
        lambda line, suggestion: services.bank_line_reject(
            actor=request.user, suggestion=suggestion
        ),
        _("Suggestion for bank line %(line)s rejected."),
    )


@reconciler_required
@require_POST
def line_ignore(request, pk):
    line = _line(pk)
    form = IgnoreForm(request.POST)
    if form.is_valid():
        try:
            services.bank_line_ignore(
                actor=request.user, line=line, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Bank line %(line)s ignored.") % {"line": line.pk})
            return redirect(_next_url(request, reverse("bank-line-detail", args=[line.pk])))
    return _detail(request, line, ignore_form=form, status=INVALID)


@reconciler_required
@require_POST
def line_unignore(request, pk):
    line = _line(pk)
    try:
        services.bank_line_unignore(actor=request.user, line=line)
    except ApplicationError as error:
        return _detail(request, line, error=str(error.message), status=INVALID)
    messages.success(
        request, _("Bank line %(line)s is back in the review queue.") % {"line": line.pk}
    )
    return redirect("bank-line-detail", pk=line.pk)


@reconciler_required
@require_POST
def line_undo(request, pk):
    line = _line(pk)
    form = UndoForm(request.POST)
    if form.is_valid():
        try:
            services.bank_line_undo(
                actor=request.user, line=line, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(
                request,
                _("Bank line %(line)s un-applied: its payment was reversed.") % {"line": line.pk},
            )
            return redirect("bank-line-detail", pk=line.pk)
    return _detail(request, line, undo_form=form, status=INVALID)


def _initial_amounts(line: BankLine, customer, installments) -> dict:
    """The amounts the assignment screen starts with: the engine's suggestion for this
    customer if it made one, else the line spread oldest due first."""
    suggestion = next(
        (s for s in line.all_suggestions if s.customer_id == customer.pk and s.status == "open"),
        None,
    )
    if suggestion is not None:
        amounts = {item.installment_id: item.amount for item in suggestion.items.all()}
        fee = suggestion.fee_amount or None
    else:
        amounts = oldest_due_first_plan(
            installments=installments, amount=line.amount, applied_on=line.booked_on
        )
        fee = None
    return {"fee": fee, **{AssignForm.amount_field_name(pk): a for pk, a in amounts.items()}}


@reconciler_required
def line_assign(request, pk):
    """Step one (no customer yet): choose whose money it is. Step two: the customer's open
    installments with amounts, and the bank charge; nothing entered leaves the line as the
    customer's unapplied credit."""
    line = _line(pk)
    if not line.can_apply():
        messages.info(
            request,
            _("Bank line %(line)s is %(status)s: nothing to assign.")
            % {"line": line.pk, "status": line.get_status_display()},
        )
        return redirect("bank-line-detail", pk=line.pk)
    typed = request.POST.get("customer") or request.GET.get("customer")
    if typed is None:
        default = line.customer_id or next(
            (s.customer_id for s in line.all_suggestions if s.status == "open"), None
        )
        typed = str(default) if default else ""
    chooser = CustomerChoiceForm({"customer": typed} if typed else None, user=request.user)
    if not chooser.is_valid():
        return render(
            request,
            "reconciliation/lines/assign.html",
            {"line": line, "chooser": chooser, "next": _next_url(request, "")},
            status=INVALID if request.method == "POST" else 200,
        )
    customer = chooser.cleaned_data["customer"]
    status = 200
    if request.method == "POST":
        installments = assignable_installments(
            line=line, customer=customer, including=AssignForm.installment_ids_in(request.POST)
        )
        form = AssignForm(request.POST, installments=installments, line=line)
        if form.is_valid():
            try:
                payment = services.bank_line_apply(
                    actor=request.user,
                    line=line,
                    customer=customer,
                    allocations=form.allocations(),
                    fee=form.cleaned_data["fee"] or 0,
                )
            except ApplicationError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request,
                    _("Bank line %(line)s recorded as payment %(payment)s.")
                    % {"line": line.pk, "payment": payment.number},
                )
                return redirect(_next_url(request, reverse("bank-line-detail", args=[line.pk])))
        status = INVALID
    else:
        installments = list(assignable_installments(line=line, customer=customer))
        form = AssignForm(
            initial={"customer": customer.code, **_initial_amounts(line, customer, installments)},
            installments=installments,
            line=line,
        )
    return render(
        request,
        "reconciliation/lines/assign.html",
        {
            "line": line,
            "chooser": chooser,
            "customer": customer,
            "form": form,
            "next": _next_url(request, ""),
        },
        status=status,
    )
