"""Bank account and column mapping pages: lists for every reader, create and edit for
Finance and Admin."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.forms import add_application_error
from reconciliation.forms import BankAccountForm, ColumnMappingForm
from reconciliation.models import BankAccount, ColumnMapping
from reconciliation.selectors.imports import bank_accounts_for_list, column_mappings_for_list
from reconciliation.services import accounts as services
from reconciliation.views.access import reconciler_required, reconciliation_viewer_required

INVALID = 400


@reconciliation_viewer_required
def bank_account_list(request):
    return render(
        request, "reconciliation/accounts/list.html", {"accounts": bank_accounts_for_list()}
    )


def _save_account(request, account: BankAccount | None):
    form = BankAccountForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        try:
            if account is None:
                account = services.bank_account_create(
                    actor=request.user, **form.service_arguments()
                )
            else:
                account = services.bank_account_update(
                    actor=request.user, account=account, **form.service_arguments()
                )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Bank account %(code)s saved.") % {"code": account.code})
            return redirect("bank-account-list")
    return render(
        request,
        "reconciliation/accounts/form.html",
        {"form": form, "account": account},
        status=INVALID if request.method == "POST" else 200,
    )


@reconciler_required
def bank_account_create(request):
    return _save_account(request, None)


@reconciler_required
def bank_account_edit(request, pk):
    return _save_account(request, get_object_or_404(BankAccount, pk=pk))


@reconciliation_viewer_required
def column_mapping_list(request):
    return render(
        request, "reconciliation/mappings/list.html", {"mappings": column_mappings_for_list()}
    )


def _save_mapping(request, mapping: ColumnMapping | None):
    form = ColumnMappingForm(request.POST or None, instance=mapping)
    if request.method == "POST" and form.is_valid():
        try:
            if mapping is None:
                mapping = services.column_mapping_create(
                    actor=request.user, **form.service_arguments()
                )
            else:
                mapping = services.column_mapping_update(
                    actor=request.user, mapping=mapping, **form.service_arguments()
                )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Column mapping %(name)s saved.") % {"name": mapping.name})
            return redirect("bank-mapping-list")
    return render(
        request,
        "reconciliation/mappings/form.html",
        {"form": form, "mapping": mapping},
        status=INVALID if request.method == "POST" else 200,
    )


@reconciler_required
def column_mapping_create(request):
    return _save_mapping(request, None)


@reconciler_required
def column_mapping_edit(request, pk):
    return _save_mapping(request, get_object_or_404(ColumnMapping, pk=pk))
