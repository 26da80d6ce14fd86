"""Statement import pages: the list of imported files, the upload form (the whole file or
nothing: a broken one is refused naming its line and field) and each import's lines."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.pages import paginate
from reconciliation.forms import StatementUploadForm
from reconciliation.models import BankAccount, BankStatementImport
from reconciliation.selectors.imports import (
    statement_import_for_detail,
    statement_imports_for_list,
)
from reconciliation.selectors.lines import LineFilters, bank_lines_for_list
from reconciliation.services.imports import bank_statement_import
from reconciliation.views.access import reconciler_required, reconciliation_viewer_required

INVALID = 400


@reconciliation_viewer_required
def import_list(request):
    accounts = BankAccount.objects.order_by("code")
    account = request.GET.get("account", "")
    account_id = int(account) if account.isdigit() else None
    return render(
        request,
        "reconciliation/imports/list.html",
        {
            "page": paginate(request, statement_imports_for_list(account=account_id)),
            "accounts": accounts,
            "account_id": account_id,
        },
    )


def _error_message(error: ApplicationError) -> str:
    # The parsers name the line in the message; the row is repeated for files whose error
    # message does not.
    message = str(error.message)
    if error.row and str(error.row) not in message:
        return _("Line %(line)s: %(message)s") % {"line": error.row, "message": message}
    return message


@reconciler_required
def import_create(request):
    form = StatementUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = bank_statement_import(
                actor=request.user,
                account=form.cleaned_data["account"],
                file_name=upload.name,
                content=upload.read(),
                format=form.cleaned_data["format"],
            )
        except ApplicationError as error:
            field = error.field if error.field in form.fields else "file"
            form.add_error(field, _error_message(error))
        else:
            statement_import = result.statement_import
            if result.already_imported:
                messages.info(
                    request,
                    _("This file was already imported on %(date)s: nothing was added.")
                    % {"date": statement_import.imported_at.strftime("%Y-%m-%d")},
                )
            else:
                messages.success(
                    request,
                    _(
                        "Imported %(new)s new lines; %(duplicates)s were already imported. "
                        "Matching runs in the background."
                    )
                    % {"new": result.new_lines, "duplicates": result.duplicate_lines},
                )
            return redirect("bank-import-detail", pk=statement_import.pk)
    return render(
        request,
        "reconciliation/imports/create.html",
        {"form": form},
        status=INVALID if request.method == "POST" else 200,
    )


@reconciliation_viewer_required
def import_detail(request, pk):
    try:
        statement_import = statement_import_for_detail(pk=pk)
    except BankStatementImport.DoesNotExist:
        raise Http404 from None
    lines = bank_lines_for_list(LineFilters(statement_import=statement_import.pk))
    return render(
        request,
        "reconciliation/imports/detail.html",
        {"statement_import": statement_import, "page": paginate(request, lines)},
    )
