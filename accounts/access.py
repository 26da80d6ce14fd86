"""Access rules for HTML pages, the same as the API's: one capability table (accounts.roles).

A page that only reads needs VIEW; a page or POST endpoint that changes something names the
capability it needs. Refusals are 403s; a record outside the user's scope is a 404, decided by
the selectors' scoping (customers.selectors.scope_to_user), not here.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.views.decorators.http import require_safe

from accounts.roles import Capability, has_capability


def capability_required(*capabilities: Capability):
    """Page decorator: sign-in first (redirect), then any one of `capabilities` or a 403."""

    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not any(has_capability(request.user, capability) for capability in capabilities):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(guarded)

    return decorator


def viewer_required(view):
    """Page decorator for pages that only read: sign-in and VIEW; GET and HEAD only (405
    otherwise), so that a read page can never be made to change anything."""
    return capability_required(Capability.VIEW)(require_safe(view))
