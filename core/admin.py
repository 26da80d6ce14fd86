from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.models import CompanyProfile, WorkerHeartbeat


class ReadOnlyAdminMixin:
    """For records written only by the application (ledger documents, ratings, alerts, bank
    lines): the admin may look, never add, edit or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("hostname", "beat_at")
    search_fields = ("hostname",)
    list_filter = ("beat_at",)


@admin.register(CompanyProfile)
class CompanyProfileAdmin(SimpleHistoryAdmin):
    """The letterhead on every PDF and e-mail. One row (core.selectors.company_profile reads the
    first); documents already generated keep the letterhead they were printed with."""

    list_display = ("name", "name_en", "phone", "email")
    search_fields = ("name", "name_en")
    # One row: nothing to filter.
    list_filter = ()
    fieldsets = (
        (_("Company"), {"fields": ("name", "name_en", "uscc", "logo")}),
        (_("Contact"), {"fields": ("address", "address_en", "phone", "email")}),
        (
            _("Bank account (how to pay)"),
            {"fields": ("bank_name", "bank_account_name", "bank_account_number", "swift_code")},
        ),
    )

    def has_add_permission(self, request):
        # A second row would never be printed (the first one wins): edit the one there is.
        return super().has_add_permission(request) and not CompanyProfile.objects.exists()

    def has_delete_permission(self, request, obj=None):
        # Without a row documents fall back to the settings' letterhead; keep it explicit.
        return False
