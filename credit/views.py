"""Credit rating pages: a customer's current rating with its factor breakdown, suggestions and
history, and recomputing it on demand. Scoped by customers_visible_to (404 outside the user's
scope)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import capability_required, viewer_required
from accounts.roles import Capability, has_capability
from core.exceptions import ApplicationError
from core.pages import paginate
from credit import selectors, services
from customers.selectors import customers_visible_to


def _suggested_change(customer, rating) -> dict:
    """What the rating suggests that differs from the customer's current limit and terms, as
    the credit change request's query parameters (empty: nothing to change)."""
    change = {}
    if rating is None:
        return change
    limit = rating.suggested_credit_limit
    if (
        limit is not None
        and rating.currency == customer.currency
        and limit != customer.credit_limit
    ):
        change["credit_limit"] = limit
    terms_id = rating.suggested_payment_terms_id
    if terms_id is not None and terms_id != customer.default_payment_terms_id:
        change["payment_terms"] = terms_id
    return change


@viewer_required
def rating_detail(request, pk):
    customer = get_object_or_404(
        customers_visible_to(request.user).select_related("default_payment_terms"), pk=pk
    )
    rating = selectors.customer_latest_rating(customer=customer)
    change = _suggested_change(customer, rating)
    request_url = ""
    if change and has_capability(request.user, Capability.MANAGE_CREDIT):
        request_url = f"{reverse('credit-request-create', args=[customer.pk])}?{urlencode(change)}"
    context = {
        "customer": customer,
        "rating": rating,
        "breakdown": selectors.rating_breakdown(rating) if rating else [],
        "suggested_change": change,
        "request_url": request_url,
        "page": paginate(request, selectors.customer_rating_history(customer=customer)),
    }
    return render(request, "credit/rating_detail.html", context)


@capability_required(Capability.MANAGE_CREDIT)
@require_POST
def rate_now(request, pk):
    customer = get_object_or_404(customers_visible_to(request.user), pk=pk)
    try:
        rating = services.customer_rate(
            actor=request.user, customer=customer, on_date=timezone.localdate()
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Rated %(grade)s (score %(score)s).")
            % {"grade": rating.grade, "score": rating.score},
        )
    return redirect("credit-rating-detail", pk=customer.pk)


urlpatterns = [
    path("customers/<int:pk>/rating/", rating_detail, name="credit-rating-detail"),
    path("customers/<int:pk>/rate/", rate_now, name="credit-rate-now"),
]
