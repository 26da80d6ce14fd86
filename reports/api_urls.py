"""API URLs of the reports (under /api/v1/reports/)."""

from django.urls import path

from reports import apis

urlpatterns = [
    path("aging/", apis.AgingReportApi.as_view(), name="reports-aging"),
]
