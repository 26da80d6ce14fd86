"""Who reaches the reconciliation pages: bank lines name every customer's payers, so reading
them needs a role that sees all customers (a sales rep gets a 403); changing anything needs
Capability.RECONCILE."""

from functools import wraps

from django.core.exceptions import PermissionDenied

from accounts.access import capability_required, viewer_required
from accounts.roles import Capability
from reconciliation.selectors.lines import reconciliation_readable_by

reconciler_required = capability_required(Capability.RECONCILE)


def reconciliation_viewer_required(view):
    """Read pages: sign-in, VIEW, GET/HEAD only (viewer_required), and all customers in sight."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not reconciliation_readable_by(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return viewer_required(guarded)
