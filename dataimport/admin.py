"""Import jobs in the admin: to look at, never to change (they are the record of what was
imported, by whom, and what the check found)."""

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin
from dataimport.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "file_name",
        "status",
        "total_rows",
        "new_rows",
        "updated_rows",
        "error_rows",
        "created_by",
    )
    list_filter = ("kind", "status")
    search_fields = ("file_name", "file_sha256")
    list_select_related = ("created_by",)
