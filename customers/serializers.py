from django.contrib.auth import get_user_model
from rest_framework import serializers

from customers.models import Contact, Customer
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
