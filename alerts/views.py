"""Alert pages: the list (filters, sort, pages), one alert with its measure and audit trail,
and acknowledging or assigning it (HANDLE_ALERTS; a sales rep sees, and so handles, only their
own customers' alerts: anyone else's is a 404)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import capability_required, viewer_required
from accounts.roles import Capability, sees_all_customers
from alerts import selectors, services
from alerts.forms import AlertAssignForm, AlertFilterForm
from core.exceptions import ApplicationError, PermissionDeniedError
from core.forms import add_application_error
from core.history import readable_history
from core.pages import paginate, sort_queryset

INVALID = 400

LIST_SORT_COLUMNS = {
    "opened": "opened_at",
    "customer": "customer__code",
    "rule": "rule__kind",
    "severity": "severity_rank",
    "value": "measured_value",
    "status": "status",
}


@viewer_required
def alert_list(request):
    filters = AlertFilterForm(request.GET, user=request.user)
    alerts, current_sort = sort_queryset(
        request,
        selectors.alerts_for_list(user=request.user, **filters.selector_filters()),
        LIST_SORT_COLUMNS,
        default="-opened",
    )
    return render(
        request,
        "alerts/list.html",
        {
            "filters": filters,
            "page": paginate(request, alerts),
            "current_sort": current_sort,
            "show_owner": sees_all_customers(request.user),
        },
    )


def _alert(request, pk):
    return get_object_or_404(
        selectors.alerts_visible_to(request.user).select_related(
            "customer", "customer__owner", "rule", "assigned_to", "acknowledged_by"
        ),
        pk=pk,
    )


def _detail(request, alert, *, assign_form=None, error=None, status=200):
    return render(
        request,
        "alerts/detail.html",
        {
            "alert": alert,
            "assign_form": assign_form or AlertAssignForm(alert=alert),
            "error": error,
            "history": readable_history(alert),
        },
        status=status,
    )


@viewer_required
def alert_detail(request, pk):
    return _detail(request, _alert(request, pk))


def _back(request, alert):
    """Where to go after a change: the page it was made from (the list keeps its filters)."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("alert-detail", pk=alert.pk)


@capability_required(Capability.HANDLE_ALERTS)
@require_POST
def alert_acknowledge(request, pk):
    alert = _alert(request, pk)
    try:
        services.alert_acknowledge(actor=request.user, alert=alert)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error
    except ApplicationError as error:
        return _detail(request, alert, error=error.message, status=INVALID)
    messages.success(
        request, _("Alert acknowledged for %(customer)s.") % {"customer": alert.customer}
    )
    return _back(request, alert)


@capability_required(Capability.HANDLE_ALERTS)
@require_POST
def alert_assign(request, pk):
    alert = _alert(request, pk)
    form = AlertAssignForm(request.POST, alert=alert)
    if form.is_valid():
        try:
            services.alert_assign(
                actor=request.user, alert=alert, assignee=form.cleaned_data["assigned_to"]
            )
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Alert assignment saved."))
            return redirect("alert-detail", pk=alert.pk)
    return _detail(request, alert, assign_form=form, status=INVALID)
