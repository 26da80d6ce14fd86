"""Export URLs of the ledger's lists (CSV and XLSX): /<list>/export.<csv|xlsx>, taking the list
page's query string."""

from receivables.views import exports

urlpatterns = exports.urlpatterns
