from django.contrib.auth import get_user_model
from rest_framework import serializers

from customers.models import Contact, CreditChangeRequest, Customer
from customers.selectors import customers_visible_to
from customers.services import CUSTOMER_FIELDS


class CustomerSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), allow_null=True, required=False
    )
    owner_username = serializers.CharField(source="owner.username", read_only=True, default=None)

    class Meta:
        model = Customer
        fields = (
            "id",
            *CUSTOMER_FIELDS,
            "owner_username",
            "name_initials",
            "credit_rating",
            "is_archived",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("credit_rating", "is_archived", "name_initials")
        extra_kwargs = {"currency": {"required": False}}


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = (
            "id",
            "customer",
            "name",
            "title",
            "email",
            "phone",
            "is_primary",
            "receives_statements",
            "receives_reminders",
            "receives_invoices",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A contact can only be attached to a customer the user can see.
        request = self.context.get("request")
        if request is not None:
            self.fields["customer"].queryset = customers_visible_to(request.user)


class CreditChangeRequestSerializer(serializers.ModelSerializer):
    """A request for a new credit limit (in the customer's `currency`) and/or default payment
    terms; null means "unchanged". The `*_before` values are those the approval replaced."""

    currency = serializers.CharField(source="customer.currency", read_only=True)

    class Meta:
        model = CreditChangeRequest
        fields = (
            "id",
            "customer",
            "currency",
            "credit_limit",
            "default_payment_terms",
            "credit_limit_before",
            "default_payment_terms_before",
            "reason",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
        )
        read_only_fields = (
            "id",
            "credit_limit_before",
            "default_payment_terms_before",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
        )
        # The model's constraints are checked by the service, which names the field at fault.
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A request can only be made for a customer the user can see.
        request = self.context.get("request")
        if request is not None:
            self.fields["customer"].queryset = customers_visible_to(request.user)


class CreditChangeDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
