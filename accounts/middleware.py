from django.utils import translation

# Session key holding the signed-in user's chosen language (copied from their preference at
# sign-in, so no request pays a query for it).
SESSION_LANGUAGE_KEY = "huikuan_language"


class UserLanguageMiddleware:
    """Use the language the signed-in user chose over the browser's Accept-Language.
    Sits after AuthenticationMiddleware; LocaleMiddleware's guess applies to everyone else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.session.get(SESSION_LANGUAGE_KEY)
        if language and request.user.is_authenticated:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
