"""Credit note pages: the list, issuing one against an invoice (红冲), and its detail."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import capability_required, viewer_required
from accounts.roles import Capability
from core.exceptions import ApplicationError
from core.forms import add_application_error
from core.history import readable_history
from core.pages import paginate, sort_queryset
from receivables import selectors, services
from receivables.forms.credit_notes import CreditNoteFilterForm, CreditNoteForm

SORT_COLUMNS = {
    "number": "number",
    "customer": "customer__code",
    "invoice": "invoice__number",
    "issue_date": "issue_date",
    "amount": "amount",
}


@viewer_required
def credit_note_list(request):
    filter_form = CreditNoteFilterForm(request.GET or None, user=request.user)
    credit_notes = selectors.credit_notes_for_list(
        user=request.user, **(filter_form.selector_filters() if filter_form.is_bound else {})
    )
    credit_notes, current_sort = sort_queryset(
        request, credit_notes, SORT_COLUMNS, default="-issue_date"
    )
    return render(
        request,
        "receivables/credit_notes/list.html",
        {
            "filter_form": filter_form,
            "page": paginate(request, credit_notes),
            "current_sort": current_sort,
        },
    )


@capability_required(Capability.MANAGE_LEDGER)
def credit_note_create(request, pk):
    """Issue a credit note reducing the invoice `pk` (at most what is still open on it)."""
    invoice = get_object_or_404(
        selectors.with_open_totals(selectors.invoices_visible_to(request.user)).select_related(
            "customer"
        ),
        pk=pk,
    )
    if request.method == "POST":
        form = CreditNoteForm(request.POST)
        if form.is_valid():
            try:
                credit_note = services.credit_note_issue(
                    actor=request.user, invoice=invoice, **form.cleaned_data
                )
            except ApplicationError as error:
                add_application_error(form, error)
            else:
                messages.success(
                    request,
                    _("Credit note %(number)s issued for %(invoice)s.")
                    % {"number": credit_note.number, "invoice": invoice},
                )
                return redirect("credit-note-detail", pk=credit_note.pk)
        status = 400
    else:
        form = CreditNoteForm(initial={"issue_date": timezone.localdate()})
        status = 200
    return render(
        request,
        "receivables/credit_notes/create.html",
        {"form": form, "invoice": invoice},
        status=status,
    )


@viewer_required
def credit_note_detail(request, pk):
    credit_note = get_object_or_404(
        selectors.credit_notes_visible_to(request.user).select_related(
            "invoice", "customer", "created_by"
        ),
        pk=pk,
    )
    return render(
        request,
        "receivables/credit_notes/detail.html",
        {
            "credit_note": credit_note,
            "allocations": credit_note.allocations.select_related("installment").order_by("pk"),
            "history": readable_history(credit_note),
        },
    )


urlpatterns = [
    path("credit-notes/", credit_note_list, name="credit-note-list"),
    path("invoices/<int:pk>/credit-notes/new/", credit_note_create, name="credit-note-create"),
    path("credit-notes/<int:pk>/", credit_note_detail, name="credit-note-detail"),
]
