from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Read-side pages over the whole ledger: dashboards and the customer 360 page. Sits above
    customers, receivables, collections and reconciliation and may read from all of them."""

    name = "reports"
    verbose_name = _("Reports")
