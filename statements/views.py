"""Statement pages for Finance: generate one for a customer now (optionally e-mailing it),
download a stored PDF, and resend one. Scoped like everything else: another rep's customer or
statement is a 404."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import capability_required, viewer_required
from accounts.roles import Capability
from core.exceptions import ApplicationError, PermissionDeniedError
from core.forms import add_application_error
from customers.selectors import customers_visible_to
from statements import services
from statements.forms import StatementRequestForm
from statements.models import Statement
from statements.selectors import statements_visible_to

INVALID = 400

# Finance (and Admin) keep the ledger; generating and sending statements is part of it.
GENERATE_CAPABILITY = Capability.MANAGE_LEDGER


def _statement(request, pk) -> Statement:
    return get_object_or_404(statements_visible_to(request.user).select_related("customer"), pk=pk)


def _report_email(request, statement: Statement) -> None:
    if statement.email_failure:
        messages.error(
            request,
            _("The statement was not e-mailed: %(reason)s") % {"reason": statement.email_failure},
        )
    elif statement.emailed_at:
        messages.success(
            request,
            _("The statement was e-mailed to %(recipients)s.")
            % {"recipients": statement.emailed_to},
        )


@capability_required(GENERATE_CAPABILITY)
def statement_generate(request, pk):
    """GET: the form on its own page; POST (from it or the customer page): generate now."""
    customer = get_object_or_404(customers_visible_to(request.user), pk=pk)
    if request.method != "POST":
        form = StatementRequestForm()
        return render(
            request, "statements/generate_form.html", {"customer": customer, "form": form}
        )
    form = StatementRequestForm(request.POST)
    if form.is_valid():
        try:
            statement = services.statement_generate(
                actor=request.user,
                customer=customer,
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                source=Statement.Source.ON_DEMAND,
            )
            if form.cleaned_data["send"] and statement.status == Statement.Status.READY:
                # Sent now rather than after the commit, so the page can say how it went.
                statement = services.statement_send(actor=request.user, statement=statement)
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            if statement.status == Statement.Status.FAILED:
                messages.error(
                    request,
                    _("The statement could not be generated: %(reason)s")
                    % {"reason": statement.failure},
                )
            else:
                messages.success(request, _("The statement is ready."))
                _report_email(request, statement)
            return redirect("statement-detail", pk=statement.pk)
    return render(
        request,
        "statements/generate_form.html",
        {"customer": customer, "form": form},
        status=INVALID,
    )


@viewer_required
def statement_pdf_download(request, pk):
    """The stored PDF, byte for byte what the customer was sent."""
    statement = _statement(request, pk)
    if statement.status != Statement.Status.READY:
        raise Http404(_("This statement has no PDF yet."))
    return FileResponse(
        statement.pdf.open("rb"),
        as_attachment=True,
        filename=services.statement_attachment_name(statement),
        content_type="application/pdf",
    )


@capability_required(GENERATE_CAPABILITY)
@require_POST
def statement_send(request, pk):
    """E-mail the statement again now (a deliberate resend, recorded on the statement)."""
    statement = _statement(request, pk)
    try:
        statement = services.statement_send(actor=request.user, statement=statement)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        _report_email(request, statement)
    return redirect("statement-detail", pk=statement.pk)
