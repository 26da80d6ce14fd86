"""Pages that record collection work: log an activity (with a promise to pay), complete a call
or visit task of the dunning run, record or cancel a promise. Finance, Managers, Admins and the
customer's own sales rep (COLLECT_CAPABILITY); a customer or task outside the user's scope is a
404. Each form page renders whole, or as a fragment when htmx asks (the worklist loads it under
the customer's row)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import capability_required
from arcollections.forms.activities import ActivityForm, PromiseCancelForm, PromiseForm
from arcollections.models import DunningMessage, PromiseToPay
from arcollections.selectors.activities import (
    COLLECT_CAPABILITY,
    open_task_for_completion,
    promise_for_user,
)
from arcollections.services.activities import activity_log, dunning_task_complete
from arcollections.services.promises import promise_cancel, promise_create
from core.exceptions import ApplicationError, PermissionDeniedError
from core.forms import add_application_error
from customers.selectors import customers_visible_to

INVALID = 400


def _customer(request, pk):
    return get_object_or_404(customers_visible_to(request.user), pk=pk)


def _timeline_url(customer_id) -> str:
    return f"{reverse('customer-detail', args=[customer_id])}?tab=collections"


def _next_url(request, default: str) -> str:
    """Where to go after saving: the page the form came from (the worklist keeps its filters),
    else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _form_page(request, template, context, *, status=200):
    """The form whole, or only its fragment for htmx."""
    context["next"] = _next_url(request, context["default_next"])
    context["fragment"] = bool(request.headers.get("HX-Request"))
    return render(request, template, context, status=status)


def _handle_form(request, *, form, customer, save, success, template, action, **context):
    """Shared by the three forms: on a valid POST call `save()` (a service), report `success`
    and go back where the form came from; else show the form with the errors on their fields
    (400), or blank on GET."""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                save()
            except PermissionDeniedError as error:
                raise PermissionDenied(error.message) from error
            except ApplicationError as error:
                add_application_error(form, _promise_field(error))
            else:
                messages.success(request, success)
                return redirect(_next_url(request, _timeline_url(customer.pk)))
        status = INVALID
    return _form_page(
        request,
        template,
        {
            "customer": customer,
            "form": form,
            "action": action,
            "default_next": _timeline_url(customer.pk),
            **context,
        },
        status=status,
    )


@capability_required(COLLECT_CAPABILITY)
def activity_create(request, pk):
    customer = _customer(request, pk)
    form = ActivityForm(request.POST or None, customer=customer)
    return _handle_form(
        request,
        form=form,
        customer=customer,
        save=lambda: activity_log(
            actor=request.user,
            customer=customer,
            promise=form.promise_terms(),
            **form.activity_fields(),
        ),
        success=_("Activity logged for %(customer)s.") % {"customer": customer},
        template="collections/activities/activity_form.html",
        action=reverse("activity-create", args=[customer.pk]),
    )


# The services name the promise's fields as promise_create's arguments; the activity form
# prefixes them.
_PROMISE_FIELDS = {
    "amount": "promise_amount",
    "currency": "promise_currency",
    "promised_date": "promise_date",
    "installments": "promise_installments",
}


def _promise_field(error: ApplicationError) -> ApplicationError:
    if error.field in _PROMISE_FIELDS:
        error.field = _PROMISE_FIELDS[error.field]
    return error


@capability_required(COLLECT_CAPABILITY)
def task_complete(request, pk):
    try:
        task = open_task_for_completion(user=request.user, pk=pk)
    except DunningMessage.DoesNotExist:
        raise Http404 from None
    form = ActivityForm(request.POST or None, customer=task.customer, task=True)
    return _handle_form(
        request,
        form=form,
        customer=task.customer,
        save=lambda: dunning_task_complete(
            actor=request.user,
            message=task,
            promise=form.promise_terms(),
            **form.activity_fields(),
        ),
        success=_("Task done: the activity is logged."),
        template="collections/activities/activity_form.html",
        action=reverse("dunning-task-complete", args=[task.pk]),
        task=task,
    )


@capability_required(COLLECT_CAPABILITY)
def promise_create_view(request, pk):
    customer = _customer(request, pk)
    form = PromiseForm(request.POST or None, customer=customer)
    return _handle_form(
        request,
        form=form,
        customer=customer,
        save=lambda: promise_create(actor=request.user, customer=customer, **form.promise_fields()),
        success=_("Promise to pay recorded for %(customer)s.") % {"customer": customer},
        template="collections/activities/promise_form.html",
        action=reverse("promise-create", args=[customer.pk]),
    )


@capability_required(COLLECT_CAPABILITY)
@require_POST
def promise_cancel_view(request, pk):
    try:
        promise = promise_for_user(user=request.user, pk=pk)
    except PromiseToPay.DoesNotExist:
        raise Http404 from None
    form = PromiseCancelForm(request.POST)
    form.is_valid()
    try:
        promise_cancel(
            actor=request.user, promise=promise, reason=form.cleaned_data.get("reason", "")
        )
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Promise cancelled."))
    return redirect(_next_url(request, _timeline_url(promise.customer_id)))
