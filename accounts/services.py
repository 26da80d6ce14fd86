from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import UserPreference
from core.exceptions import ApplicationError


@transaction.atomic
def user_language_set(*, user, language: str) -> UserPreference:
    """Remember the UI language a user chose, for every browser they sign in from."""
    if language not in dict(settings.LANGUAGES):
        raise ApplicationError(_("Unknown language."), field="language")
    preference, _created = UserPreference.objects.update_or_create(
        user=user, defaults={"language": language}
    )
    return preference
