from django.conf import settings

from core.models import CompanyProfile


def company_profile() -> CompanyProfile:
    """The letterhead: the saved profile, or (before anyone saved one) an unsaved one built from
    the COMPANY_* settings, so documents never go out without a sender."""
    saved = CompanyProfile.objects.order_by("pk").first()
    if saved is not None:
        return saved
    return CompanyProfile(**settings.COMPANY_PROFILE_DEFAULTS)
