from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    """Early warning (预警): configurable rules evaluated over every customer, alerts raised once
    while a condition holds and closed when it clears, notified by e-mail and in the app."""

    name = "alerts"
    verbose_name = _("Early warning")
