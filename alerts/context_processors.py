from alerts.selectors import open_alerts_count


def open_alerts(request):
    """The navigation's alerts badge. A callable, so the count is queried only on pages whose
    template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"open_alerts": lambda: open_alerts_count(user)}
