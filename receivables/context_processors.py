from receivables.selectors import pending_approvals_count


def pending_approvals(request):
    """The navigation's approvals badge. A callable, so the count is queried only on pages whose
    template shows the badge (users who may approve)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"pending_approvals": lambda: pending_approvals_count(user)}
