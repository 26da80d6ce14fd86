from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.middleware import SESSION_LANGUAGE_KEY


class SignInView(auth_views.LoginView):
    """The standard sign-in, which also restores the language the user chose last time."""

    def form_valid(self, form):
        response = super().form_valid(form)
        language = selectors.user_language(user=form.get_user())
        if language:
            self.request.session[SESSION_LANGUAGE_KEY] = language
        return response


@require_POST
def language_switch(request):
    """Switch the UI language; remembered on the user (and in a cookie for the sign-in page)."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest(_("Unknown language."))
    if request.user.is_authenticated:
        services.user_language_set(user=request.user, language=language)
        request.session[SESSION_LANGUAGE_KEY] = language
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response
