"""Collections pages: each concern's URLs live in its own module, included here."""

from django.urls import include, path

urlpatterns = [
    path("", include("arcollections.urls_policies")),
    path("", include("arcollections.urls_worklist")),
    path("", include("arcollections.urls_disputes")),
]
