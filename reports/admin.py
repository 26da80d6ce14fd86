"""Admin of the reports app. Each area keeps its own section."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin
from reports.models import (
    CashForecastSettings,
    CashForecastWeek,
    DailySnapshot,
    ProvisionBracket,
    SpecificProvision,
)

# --- bad-debt provision ---


@admin.register(ProvisionBracket)
class ProvisionBracketAdmin(SimpleHistoryAdmin):
    """The general provision's percentages: finance edits them here (changes are audited)."""

    list_display = ("from_days", "percent")
    list_filter = ("percent",)
    search_fields = ("from_days",)
    ordering = ("from_days",)


@admin.register(SpecificProvision)
class SpecificProvisionAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Read-only: specific provisions are made and ended on the provision pages, through
    reports.services, which refuses overlapping ones."""

    list_display = ("customer", "percent", "amount", "effective_on", "ended_on", "created_by")
    list_filter = ("ended_on",)
    search_fields = ("customer__code", "customer__legal_name", "reason")
    list_select_related = ("customer", "created_by")


# --- cash forecast ---


@admin.register(CashForecastSettings)
class CashForecastSettingsAdmin(SimpleHistoryAdmin):
    """The forecast method's numbers (docs/cash-forecast.md): one row, edited here, audited."""

    list_display = ("__str__", "min_settled_installments", "history_months", "trend_months")
    list_filter = ("history_months", "trend_months")
    search_fields = ("=min_settled_installments",)

    def has_add_permission(self, request):
        return not CashForecastSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CashForecastWeek)
class CashForecastWeekAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: recorded forecasts are written by the weekly job and are the record that
    actual receipts are measured against."""

    list_display = ("made_on", "week_start", "expected", "created_at")
    list_filter = ("made_on",)
    search_fields = ("=made_on", "=week_start")
    date_hierarchy = "made_on"


# --- daily snapshot ---


@admin.register(DailySnapshot)
class DailySnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the nightly job (reports.tasks.take_daily_snapshot) writes these, once a day."""

    list_display = (
        "on_date",
        "sales_rep",
        "open_amount",
        "overdue_amount",
        "dso",
        "best_dso",
        "cei",
        "collection_rate",
    )
    list_filter = ("on_date", ("sales_rep", admin.EmptyFieldListFilter))
    search_fields = ("sales_rep__username", "sales_rep__first_name", "sales_rep__last_name")
    date_hierarchy = "on_date"
    list_select_related = ("sales_rep",)
