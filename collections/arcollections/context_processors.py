from arcollections.selectors.policies import can_approve_dunning, dunning_approvals_count


def collections(request):
    """The navigation's dunning-approvals link and badge, for users who may approve only. The
    count is a callable, so its one query runs only on pages whose template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not can_approve_dunning(user):
        return {}
    return {
        "can_approve_dunning": True,
        "dunning_approvals": lambda: dunning_approvals_count(user),
    }
