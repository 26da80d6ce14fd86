from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.apis import TokenObtainApi

api_v1 = [
    path("auth/token/", TokenObtainApi.as_view(), name="api-token"),
    path("", include("customers.urls")),
    path("", include("receivables.urls")),
    path("reports/", include("reports.api_urls")),
    path("", include("statements.api_urls")),
    path("", include("arcollections.api_urls")),
    path("", include("reconciliation.api_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Sign-in for every role (the admin's own login admits staff only).
    path("accounts/", include("accounts.urls")),
    # The product's pages: reports (dashboard, customer 360) first, then the archive and ledger.
    path("", include("reports.urls")),
    path("", include("customers.page_urls")),
    path("", include("receivables.page_urls")),
    path("", include("credit.urls")),
    path("", include("alerts.urls")),
    path("", include("statements.urls")),
    path("", include("arcollections.urls")),
    path("", include("reconciliation.urls")),
    # CSV/XLSX exports of the lists and reports, each honouring its page's filters and scope.
    path("", include("receivables.export_urls")),
    path("", include("reports.export_urls")),
    path("", include("reconciliation.export_urls")),
    path("", include("dataimport.urls")),
    # Signed links for customers: the only product pages without sign-in.
    path("", include("statements.public_urls")),
    # Namespaced, because DRF's router names ("invoice-list") are also the pages' names.
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The API's shape is not public: the docs page sends visitors to the login page first.
    path(
        "api/docs/",
        login_required(SpectacularSwaggerView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]
