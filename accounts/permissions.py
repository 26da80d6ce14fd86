from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.roles import Capability, has_capability


class RolePermission(BasePermission):
    """Reads need any role; writes need the capability the view names for the action
    (`capability_by_action`, falling back to `write_capability`; a tuple means any of them).
    Which rows a user reaches is decided by the view's scoped queryset, so another rep's
    customer is a 404."""

    def has_permission(self, request, view):
        if not has_capability(request.user, Capability.VIEW):
            return False
        action = getattr(view, "action", None)
        capability = getattr(view, "capability_by_action", {}).get(action)
        if capability is None:
            if request.method in SAFE_METHODS:
                return True
            capability = getattr(view, "write_capability", None)
        if capability is None:
            return False
        if isinstance(capability, tuple):
            return any(has_capability(request.user, c) for c in capability)
        return has_capability(request.user, capability)
