"""Admin for reconciliation. Bank lines, imports and suggestions are read-only here: what the
bank said is never edited, and decisions go through the services (they post payments). A
wrongly learned payer link may be deleted."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin
from reconciliation.models import (
    BankAccount,
    BankLine,
    BankStatementImport,
    ColumnMapping,
    MatchSuggestion,
    MatchSuggestionItem,
    PayerLink,
)


@admin.register(ColumnMapping)
class ColumnMappingAdmin(SimpleHistoryAdmin):
    list_display = ("name", "booked_on_column", "credit_column", "debit_column", "amount_column")
    list_filter = ("accounts",)
    search_fields = ("name",)


@admin.register(BankAccount)
class BankAccountAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "bank_name", "account_number", "currency", "is_active")
    list_filter = ("currency", "is_active")
    search_fields = ("code", "name", "account_number")


@admin.register(BankStatementImport)
class BankStatementImportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "imported_at",
        "account",
        "file_name",
        "format",
        "new_line_count",
        "duplicate_line_count",
        "match_status",
    )
    list_filter = ("account", "format", "match_status")
    list_select_related = ("account",)
    search_fields = ("file_name", "file_sha256")


class MatchSuggestionItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = MatchSuggestionItem
    extra = 0


@admin.register(MatchSuggestion)
class MatchSuggestionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("line", "customer", "rank", "confidence", "fee_amount", "status")
    list_filter = ("status",)
    list_select_related = ("customer",)
    search_fields = ("customer__code", "customer__legal_name", "line__counterparty_name")
    raw_id_fields = ("line",)
    inlines = [MatchSuggestionItemInline]


@admin.register(BankLine)
class BankLineAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "booked_on",
        "account",
        "direction",
        "amount",
        "currency",
        "counterparty_name",
        "status",
        "customer",
        "confidence",
    )
    list_filter = ("status", "direction", "account")
    list_select_related = ("account", "customer")
    search_fields = ("counterparty_name", "remittance", "bank_reference")
    date_hierarchy = "booked_on"


@admin.register(PayerLink)
class PayerLinkAdmin(SimpleHistoryAdmin):
    list_display = ("payer_name", "account_number", "customer", "times_confirmed")
    search_fields = ("payer_name", "account_number", "name_key", "customer__code")
    list_filter = ("last_confirmed_at",)
    list_select_related = ("customer",)
    raw_id_fields = ("customer",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
