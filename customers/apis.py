from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.roles import Capability
from core.history import HistoryMixin
from customers import services
from customers.filters import ContactFilter, CustomerFilter
from customers.selectors import contacts_visible_to, customers_visible_to
from customers.serializers import ContactSerializer, CustomerSerializer


class CustomerViewSet(HistoryMixin, viewsets.ModelViewSet):
    """Customer archive. Sales reps see only the customers they own."""

    serializer_class = CustomerSerializer
    write_capability = Capability.MANAGE_CUSTOMERS
    # Managers may edit the credit fields only; the service refuses the rest.
    capability_by_action = {
        "update": (Capability.MANAGE_CUSTOMERS, Capability.MANAGE_CREDIT),
        "partial_update": (Capability.MANAGE_CUSTOMERS, Capability.MANAGE_CREDIT),
    }
    filterset_class = CustomerFilter
    search_fields = ("code", "legal_name", "short_name", "uscc", "name_initials")
    ordering_fields = ("code", "legal_name", "credit_limit", "created_at", "tier")
    ordering = ("code",)

    def get_queryset(self):
        return customers_visible_to(self.request.user).select_related("owner")

    def perform_create(self, serializer):
        serializer.instance = services.customer_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.customer_update(
            actor=self.request.user, customer=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.customer_delete(actor=self.request.user, customer=instance)

    @extend_schema(request=None, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        customer = services.customer_archive(actor=request.user, customer=self.get_object())
        return Response(CustomerSerializer(customer).data, status=status.HTTP_200_OK)


class ContactViewSet(HistoryMixin, viewsets.ModelViewSet):
    """Contact persons; a sales rep maintains those of their own customers."""

    serializer_class = ContactSerializer
    write_capability = Capability.MANAGE_CONTACTS
    filterset_class = ContactFilter
    search_fields = ("name", "email", "phone", "customer__code")
    ordering_fields = ("name", "customer")
    ordering = ("customer", "name")

    def get_queryset(self):
        return contacts_visible_to(self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        customer = data.pop("customer")
        serializer.instance = services.contact_create(
            actor=self.request.user, customer=customer, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if data.get("customer") == serializer.instance.customer:
            del data["customer"]
        serializer.instance = services.contact_update(
            actor=self.request.user, contact=serializer.instance, **data
        )

    def perform_destroy(self, instance):
        services.contact_delete(actor=self.request.user, contact=instance)
