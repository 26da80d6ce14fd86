"""Admin: finance edits the rules (kind, threshold, severity, active) here. Alerts are read-only:
they open and close by evaluation and are handled on the alert pages."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from alerts.models import Alert, AlertRule
from core.admin import ReadOnlyAdminMixin


@admin.register(AlertRule)
class AlertRuleAdmin(SimpleHistoryAdmin):
    list_display = ("kind", "threshold", "severity", "is_active")
    list_filter = ("kind", "severity", "is_active")
    list_editable = ("threshold", "severity", "is_active")
    search_fields = ("kind",)

    def has_delete_permission(self, request, obj=None):
        # A rule with alerts is their explanation; deactivate it instead.
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("customer", "rule", "status", "measured_value", "opened_at", "closed_at")
    list_filter = ("status", "rule__kind", "rule__severity")
    search_fields = ("customer__code", "customer__legal_name", "customer__short_name")
    list_select_related = ("customer", "rule")
