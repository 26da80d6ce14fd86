"""Contract pages: the list, create and edit with the signed copy, the detail with the
contract's invoices, and the signed copy's download (never a public media URL)."""

from pathlib import PurePath

from django.contrib import messages
from django.http import FileResponse, Http404
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
from receivables.forms.contracts import ContractFilterForm, ContractForm
from receivables.models import Contract

manage_ledger_required = capability_required(Capability.MANAGE_LEDGER)

SORT_COLUMNS = {
    "number": "number",
    "customer": "customer__code",
    "signed_on": "signed_on",
    "ends_on": "ends_on",
    "amount": "amount",
}


@viewer_required
def contract_list(request):
    filter_form = ContractFilterForm(request.GET or None, user=request.user)
    contracts = selectors.contracts_for_list(
        user=request.user,
        on_date=timezone.localdate(),
        **(filter_form.selector_filters() if filter_form.is_bound else {}),
    )
    contracts, current_sort = sort_queryset(request, contracts, SORT_COLUMNS, default="-signed_on")
    return render(
        request,
        "receivables/contracts/list.html",
        {
            "filter_form": filter_form,
            "page": paginate(request, contracts),
            "current_sort": current_sort,
        },
    )


def _save_contract(request, form: ContractForm, contract: Contract | None):
    """Create or update through the service; the editor again (400) when refused."""
    if form.is_valid():
        fields = form.service_fields()
        try:
            if contract is None:
                contract = services.contract_create(actor=request.user, **fields)
            else:
                contract = services.contract_update(actor=request.user, contract=contract, **fields)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Contract %(number)s saved.") % {"number": contract})
            return redirect("contract-detail", pk=contract.pk)
    return render(
        request,
        "receivables/contracts/form.html",
        {"form": form, "contract": contract},
        status=400,
    )


@manage_ledger_required
def contract_create(request):
    if request.method == "POST":
        form = ContractForm(request.POST, request.FILES, user=request.user)
        return _save_contract(request, form, None)
    form = ContractForm(user=request.user, initial={"signed_on": timezone.localdate()})
    return render(request, "receivables/contracts/form.html", {"form": form, "contract": None})


@manage_ledger_required
def contract_edit(request, pk):
    contract = get_object_or_404(selectors.contracts_visible_to(request.user), pk=pk)
    if request.method == "POST":
        # The form gets its own copy: validation writes into its instance, the service reads
        # the stored contract.
        form = ContractForm(
            request.POST,
            request.FILES,
            instance=Contract.objects.get(pk=contract.pk),
            user=request.user,
        )
        return _save_contract(request, form, contract)
    form = ContractForm(instance=contract, user=request.user)
    return render(request, "receivables/contracts/form.html", {"form": form, "contract": contract})


@viewer_required
def contract_detail(request, pk):
    contract = get_object_or_404(
        selectors.contracts_visible_to(request.user).select_related("customer", "payment_terms"),
        pk=pk,
    )
    invoices = selectors.with_open_totals(contract.invoices.order_by("-issue_date", "-pk"))
    return render(
        request,
        "receivables/contracts/detail.html",
        {
            "contract": contract,
            "invoices": invoices,
            "history": readable_history(contract),
            "today": timezone.localdate(),
        },
    )


@viewer_required
def contract_file(request, pk):
    """The signed copy, to those who may see the contract: media files are not served publicly,
    so this scoped view is the only way to them."""
    contract = get_object_or_404(selectors.contracts_visible_to(request.user), pk=pk)
    if not contract.signed_file:
        raise Http404
    try:
        signed_file = contract.signed_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        signed_file, as_attachment=True, filename=PurePath(contract.signed_file.name).name
    )


urlpatterns = [
    path("contracts/", contract_list, name="contract-list"),
    path("contracts/new/", contract_create, name="contract-create"),
    path("contracts/<int:pk>/", contract_detail, name="contract-detail"),
    path("contracts/<int:pk>/edit/", contract_edit, name="contract-edit"),
    path("contracts/<int:pk>/file/", contract_file, name="contract-file"),
]
