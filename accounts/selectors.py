from accounts.models import UserPreference


def user_language(*, user) -> str | None:
    """The UI language the user chose, or None to follow the browser."""
    return UserPreference.objects.filter(user=user).values_list("language", flat=True).first()
