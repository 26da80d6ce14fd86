from django.urls import include, path

from accounts.views import SignInView, language_switch

urlpatterns = [
    path("login/", SignInView.as_view(), name="login"),
    path("language/", language_switch, name="language-switch"),
    path("", include("django.contrib.auth.urls")),
]
