from accounts.roles import Capability, has_capability, user_roles


def capabilities(request):
    """`can.<capability>` and `roles` for templates, so a page shows only the buttons its user may
    press (the views refuse the rest anyway)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can": {}, "roles": frozenset()}
    return {
        "can": {capability.value: has_capability(user, capability) for capability in Capability},
        "roles": {role.name.lower() for role in user_roles(user)},
    }
