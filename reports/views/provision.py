"""The bad-debt provision report (坏账准备) as of a date, its XLSX export, and the specific
provisions' pages (create, view with audit trail, end), scoped to what the user may see."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import capability_required, viewer_required
from accounts.roles import Capability
from core.exceptions import ApplicationError
from core.forms import add_application_error
from core.history import readable_history
from reports import services
from reports.exports import provision_xlsx
from reports.forms import ProvisionFilterForm, SpecificProvisionEndForm, SpecificProvisionForm
from reports.provision import (
    provision_report,
    specific_provisions_not_in_force,
    specific_provisions_visible_to,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filter_form(request):
    return ProvisionFilterForm(request.GET, today=timezone.localdate())


@viewer_required
def provision_report_page(request):
    """The provision on a date: per aging bracket, per customer with a specific provision, and
    in total, in the base currency."""
    form = _filter_form(request)
    if not form.is_valid():
        return render(request, "reports/provision/report.html", {"form": form}, status=400)
    as_of = form.cleaned_data["as_of"]
    return render(
        request,
        "reports/provision/report.html",
        {
            "form": form,
            "report": provision_report(user=request.user, as_of=as_of),
            "others": specific_provisions_not_in_force(user=request.user, on_date=as_of),
            "base_currency": settings.BASE_CURRENCY,
        },
    )


@viewer_required
def provision_export(request):
    """The provision report as an XLSX file, for the date `?as_of=` (default today)."""
    form = _filter_form(request)
    if not form.is_valid():
        return render(request, "reports/provision/report.html", {"form": form}, status=400)
    report = provision_report(user=request.user, as_of=form.cleaned_data["as_of"])
    response = HttpResponse(provision_xlsx(report), content_type=XLSX_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="provision-{report.as_of.isoformat()}.xlsx"'
    )
    return response


@capability_required(Capability.MANAGE_CREDIT)
def specific_provision_create(request):
    """Form for a new specific provision (`?customer=<pk>` preselects the customer)."""
    if request.method == "POST":
        form = SpecificProvisionForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                specific = services.specific_provision_create(
                    actor=request.user, **form.cleaned_data
                )
            except ApplicationError as error:
                add_application_error(form, error)
            else:
                return redirect("specific-provision-detail", pk=specific.pk)
        status = 400
    else:
        form = SpecificProvisionForm(
            initial={"effective_on": timezone.localdate()}, user=request.user
        )
        # `?customer=<pk>` (a link from a customer's page) preselects one the user may see.
        preselected = form.fields["customer"].resolve(request.GET.get("customer", ""))
        if preselected is not None:
            form.initial["customer"] = preselected
        status = 200
    return render(request, "reports/provision/specific_form.html", {"form": form}, status=status)


@viewer_required
def specific_provision_detail(request, pk):
    """One specific provision: its terms, whether it is in force, its audit trail, and (for
    Finance and Managers) the form that ends it."""
    specific = get_object_or_404(
        specific_provisions_visible_to(request.user).select_related("customer", "created_by"),
        pk=pk,
    )
    return _render_detail(request, specific, SpecificProvisionEndForm(), status=200)


def _render_detail(request, specific, end_form, *, status):
    return render(
        request,
        "reports/provision/specific_detail.html",
        {
            "specific": specific,
            "end_form": end_form,
            "history": readable_history(specific),
            "base_currency": settings.BASE_CURRENCY,
        },
        status=status,
    )


@capability_required(Capability.MANAGE_CREDIT)
@require_POST
def specific_provision_end(request, pk):
    """End the specific provision from a date (the first day without it)."""
    specific = get_object_or_404(
        specific_provisions_visible_to(request.user).select_related("customer", "created_by"),
        pk=pk,
    )
    form = SpecificProvisionEndForm(request.POST)
    if form.is_valid():
        try:
            services.specific_provision_end(
                actor=request.user,
                specific=specific,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["end_reason"],
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            return redirect("specific-provision-detail", pk=specific.pk)
    return _render_detail(request, specific, form, status=400)


urlpatterns = [
    path("reports/provision/", provision_report_page, name="provision-report"),
    path("reports/provision/export/", provision_export, name="provision-export"),
    path(
        "reports/provision/specific/new/",
        specific_provision_create,
        name="specific-provision-create",
    ),
    path(
        "reports/provision/specific/<int:pk>/",
        specific_provision_detail,
        name="specific-provision-detail",
    ),
    path(
        "reports/provision/specific/<int:pk>/end/",
        specific_provision_end,
        name="specific-provision-end",
    ),
]
