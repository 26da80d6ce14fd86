from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin
from customers import services
from customers.models import Contact, CreditChangeRequest, Customer
from customers.services import CREDIT_FIELDS, CUSTOMER_FIELDS


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = (
        "name",
        "title",
        "email",
        "phone",
        "is_primary",
        "receives_statements",
        "receives_reminders",
        "receives_invoices",
    )


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = (
        "code",
        "legal_name",
        "short_name",
        "tier",
        "status",
        "owner",
        "currency",
        "credit_limit",
        "is_archived",
    )
    list_filter = ("tier", "status", "is_archived", "country", "region", "currency", "owner")
    search_fields = ("code", "legal_name", "short_name", "uscc", "name_initials")
    list_select_related = ("owner",)
    inlines = [ContactInline]

    def get_readonly_fields(self, request, obj=None):
        # Once the customer exists, its credit terms change only by an approved request.
        return CREDIT_FIELDS if obj is not None else ()

    def save_model(self, request, obj, form, change):
        # Admin edits go through the same service as the API: validation and audit included.
        fields = {
            name: form.cleaned_data[name] for name in CUSTOMER_FIELDS if name in form.cleaned_data
        }
        if change:
            saved = services.customer_update(actor=request.user, customer=obj, **fields)
        else:
            saved = services.customer_create(actor=request.user, **fields)
        obj.pk = saved.pk


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    list_display = ("name", "customer", "email", "phone", "is_primary")
    list_filter = ("is_primary", "receives_statements", "receives_reminders", "receives_invoices")
    search_fields = ("name", "email", "phone", "customer__code", "customer__legal_name")
    list_select_related = ("customer",)


@admin.register(CreditChangeRequest)
class CreditChangeRequestAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Read-only: requests are made and decided on the pages and the API (four eyes)."""

    list_display = ("customer", "credit_limit", "default_payment_terms", "status", "requested_by")
    list_filter = ("status",)
    search_fields = ("customer__code", "customer__legal_name")
    list_select_related = ("customer", "default_payment_terms", "requested_by")
