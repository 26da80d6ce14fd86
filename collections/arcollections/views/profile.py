"""A customer's collections profile page (/customers/<pk>/collections/): the policy it follows
(override or default), do-not-contact and legal escalation, and its latest dunning messages.
Anyone who may see the customer may read it (a sales rep: own customers; anyone else's is a
404); Finance, Manager and Admin change it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import capability_required, viewer_required
from accounts.roles import has_capability
from arcollections.forms.profile import CollectionProfileForm
from arcollections.selectors import policies as selectors
from arcollections.selectors.policies import MANAGE_COLLECTION_PROFILE
from arcollections.services.policies import collection_profile_update
from core.exceptions import ApplicationError, PermissionDeniedError
from core.forms import add_application_error
from core.history import readable_history
from customers.selectors import customers_visible_to

INVALID = 400
RECENT_MESSAGES = 10


def _page(request, customer, *, form=None, status=200):
    profile = selectors.collection_profile_of(customer)
    if form is None and has_capability(request.user, MANAGE_COLLECTION_PROFILE):
        form = CollectionProfileForm(initial=CollectionProfileForm.initial_for(profile))
    return render(
        request,
        "collections/profile/detail.html",
        {
            "customer": customer,
            "profile": profile,
            "policy_in_force": selectors.policy_in_force(customer, profile=profile),
            "form": form,
            "recent_messages": selectors.dunning_messages_for_list(
                user=request.user, customer=customer
            ).order_by("-run_date", "-pk")[:RECENT_MESSAGES],
            "history": readable_history(profile) if profile.pk else [],
        },
        status=status,
    )


@viewer_required
def collection_profile(request, pk):
    customer = get_object_or_404(customers_visible_to(request.user), pk=pk)
    return _page(request, customer)


@capability_required(MANAGE_COLLECTION_PROFILE)
@require_POST
def collection_profile_edit(request, pk):
    customer = get_object_or_404(customers_visible_to(request.user), pk=pk)
    form = CollectionProfileForm(request.POST)
    if form.is_valid():
        try:
            collection_profile_update(actor=request.user, customer=customer, **form.cleaned_data)
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(
                request, _("Collections profile of %(code)s saved.") % {"code": customer.code}
            )
            return redirect("customer-collections-profile", pk=customer.pk)
    return _page(request, customer, form=form, status=INVALID)
