"""Page URLs of the dashboards, customer account pages and reports."""

from reports.views import aging, customer_accounts, dashboard, forecast, kpis, provision

urlpatterns = [
    *dashboard.urlpatterns,
    *customer_accounts.urlpatterns,
    *aging.urlpatterns,
    *kpis.urlpatterns,
    *provision.urlpatterns,
    *forecast.urlpatterns,
]
