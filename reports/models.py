"""Tables of the reports app: settings of the reports and figures recorded by scheduled jobs.

Each topic keeps its own section (and its own migration); read receivables through its
selectors, never by adding foreign keys to the ledger here.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.money import DECIMAL_PLACES, MAX_DIGITS

# --- bad-debt provision ------------------------------------------------------------------------


class ProvisionBracket(models.Model):
    """One line of the general provision's aging table (账龄分析法): installments at least
    `from_days` days past due (up to the next bracket's start) are provided for at `percent`."""

    from_days = models.PositiveIntegerField(
        _("from days past due"),
        unique=True,
        help_text=_("The bracket runs up to the day before the next bracket starts."),
    )
    percent = models.DecimalField(_("provision %"), max_digits=5, decimal_places=2)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("provision bracket")
        verbose_name_plural = _("provision brackets")
        ordering = ["from_days"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100),
                name="provision_bracket_percent_range",
                violation_error_message=_("A provision percentage must be between 0 and 100."),
            ),
        ]

    def __str__(self):
        return f"{self.from_days}+: {self.percent}%"


class SpecificProvision(models.Model):
    """A provision for one customer (个别认定), as a percentage of what it owes or as an amount
    in the base currency; in force from `effective_on` until `ended_on`."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="specific_provisions",
    )
    percent = models.DecimalField(
        _("provision %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    amount = models.DecimalField(
        _("provision amount"),
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        null=True,
        blank=True,
        help_text=_("In the base currency."),
    )
    reason = models.CharField(_("reason"), max_length=300)
    effective_on = models.DateField(_("effective from"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("specific provision")
        verbose_name_plural = _("specific provisions")
        ordering = ["-effective_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(percent__isnull=False) & Q(amount__isnull=True))
                | (Q(percent__isnull=True) & Q(amount__isnull=False)),
                name="specific_provision_percent_or_amount",
                violation_error_message=_("Give either a percentage or an amount, not both."),
            ),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gt=0, percent__lte=100),
                name="specific_provision_percent_range",
                violation_error_message=_("The percentage must be above 0 and at most 100."),
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0),
                name="specific_provision_amount_positive",
                violation_error_message=_("The amount must be positive."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gt=F("effective_on")),
                name="specific_provision_ends_after_start",
                violation_error_message=_("A provision must end after the day it takes effect."),
            ),
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(ended_on__isnull=True),
                name="specific_provision_one_open_per_customer",
                violation_error_message=_("This customer already has a specific provision."),
            ),
        ]

    def __str__(self):
        return f"{self.customer_id}: {self.percent or self.amount}"


# --- daily snapshot ----------------------------------------------------------------------------


def _days_field(verbose_name):
    return models.DecimalField(verbose_name, max_digits=8, decimal_places=1, null=True, blank=True)


def _percent_field(verbose_name):
    return models.DecimalField(verbose_name, max_digits=7, decimal_places=1, null=True, blank=True)


class DailySnapshot(models.Model):
    """Aging and KPIs on `on_date`, company-wide (`sales_rep` empty) or for one sales rep's
    customers, as the nightly job (reports.tasks.take_daily_snapshot) computed them: the record
    of trends. Written once per day and scope, in one transaction per day, and never changed
    (docs/kpis.md). Amounts in the base currency; the KPIs are month-to-date (reports.kpis)."""

    on_date = models.DateField(_("date"))
    sales_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sales rep"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    open_amount = models.DecimalField(
        _("open"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES
    )
    overdue_amount = models.DecimalField(
        _("overdue"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES
    )
    # Bucket key (reports.selectors.AGING_BUCKETS) → amount as a decimal string: the buckets of
    # the day are kept whatever the buckets become later.
    aging = models.JSONField(_("aging buckets"), encoder=DjangoJSONEncoder)
    sales = models.DecimalField(
        _("sales, month to date"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES
    )
    cash_received = models.DecimalField(
        _("cash received, month to date"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES
    )
    dso = _days_field(_("DSO"))
    dso_count_back = _days_field(_("count-back DSO"))
    best_dso = _days_field(_("best possible DSO"))
    cei = _percent_field(_("CEI %"))
    collection_rate = _percent_field(_("collection rate %"))
    # Currencies without an exchange rate on the day, left out of every amount above.
    missing_rates = models.JSONField(_("currencies without a rate"), default=list, blank=True)
    taken_at = models.DateTimeField(_("taken at"), auto_now_add=True)

    class Meta:
        verbose_name = _("daily snapshot")
        verbose_name_plural = _("daily snapshots")
        ordering = ["-on_date", "sales_rep_id"]
        constraints = [
            # One row per day and scope: what makes a second run of the job a no-op. Two
            # conditions, because a unique constraint treats empty sales reps as all different.
            models.UniqueConstraint(
                fields=["on_date"],
                condition=Q(sales_rep__isnull=True),
                name="daily_snapshot_one_company_row_a_day",
            ),
            models.UniqueConstraint(
                fields=["on_date", "sales_rep"],
                condition=Q(sales_rep__isnull=False),
                name="daily_snapshot_one_row_a_day_per_rep",
            ),
            models.CheckConstraint(
                condition=Q(overdue_amount__gte=0, overdue_amount__lte=F("open_amount")),
                name="daily_snapshot_overdue_within_open",
            ),
        ]

    def __str__(self):
        return f"{self.on_date} {self.sales_rep_id or 'company'}"


# --- cash forecast -----------------------------------------------------------------------------


class CashForecastSettings(models.Model):
    """How the cash forecast reads payment behaviour (docs/cash-forecast.md). One row (pk 1),
    created by the migration and edited in the admin; the defaults are the documented method."""

    SINGLETON_PK = 1

    min_settled_installments = models.PositiveSmallIntegerField(
        _("minimum settled installments"),
        default=3,
        help_text=_(
            "A median of days late is used only when it rests on at least this many installments "
            "paid in the period; otherwise the forecast falls back to the sales rep's, then the "
            "company's."
        ),
    )
    history_months = models.PositiveSmallIntegerField(
        _("history (months)"),
        default=12,
        help_text=_("Installments paid in this many months before the forecast date count."),
    )
    trend_months = models.PositiveSmallIntegerField(
        _("recent trend (months)"),
        default=3,
        help_text=_(
            "When the median of installments paid in these last months is later than the "
            "median of the whole history, the later one is used."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cash forecast settings")
        verbose_name_plural = _("cash forecast settings")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="cash_forecast_settings_single_row"),
            models.CheckConstraint(
                condition=Q(min_settled_installments__gte=1),
                name="cash_forecast_min_settled_positive",
                violation_error_message=_("At least one settled installment is needed."),
            ),
            models.CheckConstraint(
                condition=Q(trend_months__gte=1, history_months__gt=F("trend_months")),
                name="cash_forecast_trend_within_history",
                violation_error_message=_(
                    "The recent trend must be at least a month and shorter than the history."
                ),
            ),
        ]

    def __str__(self):
        return str(self._meta.verbose_name)


class CashForecastWeek(models.Model):
    """What the forecast made on `made_on` (a Monday) expected to be collected in the week
    starting `week_start`, company-wide, in the base currency. Written once by the weekly job
    (reports.tasks.record_cash_forecast) and never changed: it is the record that later weeks'
    actual receipts are measured against."""

    made_on = models.DateField(_("made on"))
    week_start = models.DateField(_("week starting"))
    expected = models.DecimalField(
        _("expected cash"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("recorded cash forecast week")
        verbose_name_plural = _("recorded cash forecast weeks")
        ordering = ["-made_on", "week_start"]
        constraints = [
            # One forecast per week and horizon: what makes a rerun of the job harmless.
            models.UniqueConstraint(
                fields=["made_on", "week_start"], name="cash_forecast_week_unique"
            ),
            models.CheckConstraint(
                condition=Q(week_start__gte=F("made_on")),
                name="cash_forecast_week_not_before_made",
            ),
            models.CheckConstraint(
                condition=Q(expected__gte=0), name="cash_forecast_expected_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["week_start"], name="cash_forecast_by_week")]

    def __str__(self):
        return f"{self.made_on} → {self.week_start}: {self.expected}"
