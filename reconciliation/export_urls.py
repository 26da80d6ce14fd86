"""Export URL of the bank lines list (CSV and XLSX), taking the list page's query string."""

from reconciliation.views import exports

urlpatterns = exports.urlpatterns
