from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    """Credit scoring and ratings from each customer's payment behaviour. Reads the ledger
    (receivables) and writes ratings to the customer archive through customers' services."""

    name = "credit"
    verbose_name = _("Credit scoring")
