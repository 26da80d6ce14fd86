"""Export URLs of the customer list and the reports (CSV and XLSX), taking the page's query
string."""

from reports.views import exports

urlpatterns = exports.urlpatterns
