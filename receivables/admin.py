"""Admin for the ledger. Posted documents are read-only here: money moves only through the
services (API and product pages), so the admin cannot bypass the ledger's invariants."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin
from receivables.models import (
    Allocation,
    Contract,
    CreditControlPolicy,
    CreditNote,
    CreditOverride,
    DocumentSequence,
    ExchangeRate,
    Installment,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentTerms,
    PaymentTermsInstallment,
    Refund,
    WriteOff,
)


class PaymentTermsInstallmentInline(admin.TabularInline):
    model = PaymentTermsInstallment
    extra = 0


@admin.register(PaymentTerms)
class PaymentTermsAdmin(SimpleHistoryAdmin):
    list_display = (
        "code",
        "name",
        "basis",
        "net_days",
        "discount_percent",
        "late_interest_daily_rate",
        "is_active",
    )
    list_filter = ("basis", "is_active")
    search_fields = ("code", "name")
    inlines = [PaymentTermsInstallmentInline]


@admin.register(Contract)
class ContractAdmin(SimpleHistoryAdmin):
    list_display = ("number", "customer", "signed_on", "amount", "currency")
    list_filter = ("currency", "signed_on")
    search_fields = ("number", "title", "customer__code", "customer__legal_name")
    list_select_related = ("customer",)


class InvoiceLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InvoiceLine
    extra = 0


class InstallmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Installment
    extra = 0
    fields = ("sequence", "due_date", "amount", "open_amount", "settled_on")


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "number",
        "customer",
        "issue_date",
        "total",
        "currency",
        "status",
        "is_disputed",
    )
    list_filter = ("status", "is_disputed", "currency", "issue_date")
    search_fields = ("number", "fapiao_number", "customer__code", "customer__legal_name")
    list_select_related = ("customer",)
    inlines = [InvoiceLineInline, InstallmentInline]


@admin.register(Installment)
class InstallmentAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("__str__", "customer", "due_date", "amount", "open_amount", "currency")
    list_filter = ("currency", "due_date")
    search_fields = ("invoice__number", "customer__code")
    list_select_related = ("invoice", "customer")


class AllocationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Allocation
    fk_name = "payment"
    extra = 0
    fields = ("installment", "amount", "applied_on", "reverses")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "number",
        "customer",
        "received_on",
        "amount",
        "unapplied_amount",
        "currency",
        "method",
        "status",
    )
    list_filter = ("status", "method", "currency", "received_on")
    search_fields = ("number", "reference", "customer__code", "customer__legal_name")
    list_select_related = ("customer",)
    inlines = [AllocationInline]


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("id", "kind", "installment", "payment", "amount", "applied_on", "reverses")
    list_filter = ("kind", "applied_on")
    search_fields = ("installment__invoice__number", "payment__number", "customer__code")
    list_select_related = ("installment__invoice", "payment")


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("number", "invoice", "customer", "issue_date", "amount", "currency")
    list_filter = ("currency", "issue_date")
    search_fields = ("number", "invoice__number", "customer__code")
    list_select_related = ("invoice", "customer")


@admin.register(WriteOff)
class WriteOffAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "id",
        "installment",
        "customer",
        "amount",
        "status",
        "requested_by",
        "decided_by",
    )
    list_filter = ("status",)
    search_fields = ("installment__invoice__number", "customer__code", "reason")
    list_select_related = ("installment__invoice", "customer", "requested_by", "decided_by")


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("id", "payment", "customer", "amount", "refunded_on")
    search_fields = ("payment__number", "customer__code", "reference")
    list_filter = ("refunded_on",)
    list_select_related = ("payment", "customer")


@admin.register(ExchangeRate)
class ExchangeRateAdmin(SimpleHistoryAdmin):
    list_display = ("currency", "rate_date", "rate_to_base")
    list_filter = ("currency",)
    search_fields = ("currency",)


@admin.register(DocumentSequence)
class DocumentSequenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("prefix", "year", "last_value")
    list_filter = ("prefix", "year")
    search_fields = ("prefix",)


@admin.register(CreditControlPolicy)
class CreditControlPolicyAdmin(SimpleHistoryAdmin):
    """The one credit control policy (docs/credit_control.md): edited, never added or removed."""

    list_display = ("__str__", "max_days_overdue", "zero_limit_is_no_credit")
    list_filter = ("zero_limit_is_no_credit",)
    search_fields = ("max_days_overdue",)

    def has_add_permission(self, request):
        return not CreditControlPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CreditOverride)
class CreditOverrideAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Read-only: overrides are asked for and decided on the pages (four eyes)."""

    list_display = ("invoice", "customer", "invoice_total", "currency", "status", "used_at")
    list_filter = ("status", "currency")
    search_fields = ("invoice__number", "customer__code", "customer__legal_name", "reason")
    list_select_related = ("invoice", "customer")
