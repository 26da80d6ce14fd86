from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.roles import Capability
from core.history import HistoryMixin
from customers import services
from customers.filters import ContactFilter, CustomerFilter
from customers.selectors import (
    contacts_visible_to,
    credit_change_requests_visible_to,
    customers_visible_to,
)
from customers.serializers import (
    ContactSerializer,
    CreditChangeDecisionSerializer,
    CreditChangeRequestSerializer,
    CustomerSerializer,
)


class CustomerViewSet(HistoryMixin, viewsets.ModelViewSet):
    """Customer archive. Sales reps see only the customers they own."""

    serializer_class = CustomerSerializer
    # The credit limit and default payment terms change through /credit-requests/ (the service
    # refuses them here).
    write_capability = Capability.MANAGE_CUSTOMERS
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


class CreditChangeRequestViewSet(
    HistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Credit limit / default payment terms changes: requested by finance or a manager, applied
    when a manager other than the requester approves (the customer's history then shows the
    change, by the approver). Scoped like the customers."""

    serializer_class = CreditChangeRequestSerializer
    capability_by_action = {
        "create": Capability.MANAGE_CREDIT,
        "withdraw": Capability.MANAGE_CREDIT,
        "approve": Capability.APPROVE_CREDIT,
        "reject": Capability.APPROVE_CREDIT,
    }
    filterset_fields = ("customer", "status")
    ordering_fields = ("requested_at",)
    ordering = ("-requested_at",)

    def get_queryset(self):
        return credit_change_requests_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.credit_change_request(
            actor=self.request.user, **serializer.validated_data
        )

    def _respond(self, change):
        return Response(self.get_serializer(change).data)

    @extend_schema(request=CreditChangeDecisionSerializer, responses=CreditChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        decision = CreditChangeDecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        return self._respond(
            services.credit_change_approve(
                actor=request.user, change=self.get_object(), **decision.validated_data
            )
        )

    @extend_schema(request=CreditChangeDecisionSerializer, responses=CreditChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        decision = CreditChangeDecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        return self._respond(
            services.credit_change_reject(
                actor=request.user, change=self.get_object(), **decision.validated_data
            )
        )

    @extend_schema(request=None, responses=CreditChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._respond(
            services.credit_change_withdraw(actor=request.user, change=self.get_object())
        )
