"""Early-warning rules and the alerts they raise (预警).

A rule measures one thing about every customer (days past due of the oldest open item, the
overdue amount, credit utilisation, a rating downgrade, the trend of days late) and raises an
alert when the measure is above its threshold. While the condition holds the customer has one
live (open or acknowledged) alert per rule; when it clears the alert closes, and if it comes back
later a new alert opens. See docs/early-warning.md.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from core.money import DECIMAL_PLACES, MAX_DIGITS
from customers.models import Customer

# Best first. The nine grades of 三等九级; the default five-grade scale (AAA, AA, A, B, C) keeps
# the same order inside it. A rating outside this list is never compared.
RATING_GRADES_BEST_FIRST = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C")


class AlertRule(models.Model):
    class Kind(models.TextChoices):
        OVERDUE_DAYS = "overdue_days", _("Oldest open item overdue by more than (days)")
        OVERDUE_AMOUNT = "overdue_amount", _("Overdue amount above (base currency)")
        CREDIT_UTILISATION = "credit_utilisation", _("Credit utilisation above (%)")
        RATING_DOWNGRADE = "rating_downgrade", _("Credit rating downgraded by more than (grades)")
        PAYMENT_WORSENING = "payment_worsening", _("Days late worsened by more than (days)")
        # 诉讼时效: measured as the days left, so this one alerts at or below its threshold.
        LIMITATION_NEAR = (
            "limitation_near",
            _("An open item's limitation period ends within (days)"),
        )
        # Measured as the days since the promise was broken: alerts at or below its threshold.
        PROMISE_BROKEN = "promise_broken", _("A promise to pay was broken within (days)")

    class Severity(models.TextChoices):
        INFO = "info", _("Info")
        WARNING = "warning", _("Warning")
        CRITICAL = "critical", _("Critical")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    threshold = models.DecimalField(
        _("threshold"),
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        help_text=_(
            "An alert opens when the measured value is above this; equal does not count. "
            "Limitation and broken-promise rules are the exception: they alert when the days "
            "counted are at most this."
        ),
    )
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, default=Severity.WARNING
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("An inactive rule raises nothing; its alerts close at the next evaluation."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["kind", "threshold", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__gte=0),
                name="alert_rule_threshold_not_negative",
                violation_error_message=_("A threshold cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.threshold}"

    # Kinds that count days towards or since an event: "within N days" includes N.
    WITHIN_KINDS = (Kind.LIMITATION_NEAR, Kind.PROMISE_BROKEN)

    def is_met_by(self, value) -> bool:
        """Whether a measured value raises (or keeps) an alert of this rule."""
        if self.kind in self.WITHIN_KINDS:
            # Days left until the earliest limitation date, or days since a promise was broken.
            return value <= self.threshold
        return value > self.threshold


class Alert(models.Model):
    class Status(models.TextChoices):
        # With a context: the ledger's "Open" (未结) means money still owed.
        OPEN = "open", pgettext_lazy("alert status", "Open")
        ACKNOWLEDGED = "acknowledged", pgettext_lazy("alert status", "Acknowledged")
        CLOSED = "closed", pgettext_lazy("alert status", "Closed")

    # While the condition holds: someone acknowledging an alert does not end it.
    LIVE_STATUSES = (Status.OPEN, Status.ACKNOWLEDGED)

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="alerts"
    )
    rule = models.ForeignKey(
        AlertRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="alerts"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    opened_at = models.DateTimeField(_("opened at"))
    # The evaluation date the measured value belongs to (the last one while the alert is live).
    measured_on = models.DateField(_("measured on"))
    measured_value = models.DecimalField(
        _("measured value"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES
    )
    # Facts behind the value in no particular language (dates, codes, amounts, "AA → B"); the
    # sentence around them is translated when shown.
    message = models.CharField(_("details"), max_length=300, blank=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_alerts",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-opened_at", "-id"]
        constraints = [
            # No duplicate while a condition persists: a re-evaluation updates the live alert.
            models.UniqueConstraint(
                fields=["customer", "rule"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="alert_one_live_per_customer_and_rule",
                violation_error_message=_("This customer already has a live alert for this rule."),
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False)
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="alert_closed_has_closed_at",
            ),
            models.CheckConstraint(
                condition=~Q(status="acknowledged")
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="alert_acknowledgement_recorded",
            ),
        ]
        indexes = [
            # The nav badge and the list's default filter read live alerts.
            models.Index(
                fields=["status", "customer"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="alert_live_by_customer",
            ),
        ]

    def __str__(self):
        return f"{self.customer.code}: {self.rule}"

    @property
    def is_live(self):
        return self.status in self.LIVE_STATUSES

    def can_acknowledge(self):
        return self.status == self.Status.OPEN

    def can_assign(self):
        return self.is_live
