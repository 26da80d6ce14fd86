"""Page URLs of the dashboards and customer account pages."""

from reports.views import customer_accounts, dashboard

urlpatterns = [*dashboard.urlpatterns, *customer_accounts.urlpatterns]
