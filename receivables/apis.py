"""REST endpoints of the ledger: parse input, call one service or selector, shape the output."""

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accounts.roles import Capability
from core.history import HistoryMixin
from core.pdf import PDFRenderer
from receivables import selectors, services
from receivables.models import Allocation, Installment, Invoice, Payment
from receivables.serializers import (
    AllocationReverseSerializer,
    AllocationSerializer,
    AppliedOnSerializer,
    ContractSerializer,
    CreditNoteSerializer,
    ExchangeRateSerializer,
    InstallmentSerializer,
    InvoiceDeliverySerializer,
    InvoiceDisputeSerializer,
    InvoiceDraftSerializer,
    InvoiceSerializer,
    PaymentAllocateSerializer,
    PaymentRecordSerializer,
    PaymentRefundSerializer,
    PaymentReverseSerializer,
    PaymentSerializer,
    PaymentTermsSerializer,
    RefundSerializer,
    WriteOffDecisionSerializer,
    WriteOffSerializer,
)
from receivables.views.invoice_pdf import invoice_pdf_response


def _validated(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, context={"request": request}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class PaymentTermsViewSet(HistoryMixin, viewsets.ModelViewSet):
    serializer_class = PaymentTermsSerializer
    write_capability = Capability.MANAGE_LEDGER
    filterset_fields = ("is_active", "basis")
    search_fields = ("code", "name")
    ordering_fields = ("code", "net_days")
    ordering = ("code",)
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.payment_terms_all()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.payment_terms_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.payment_terms_update(
            actor=self.request.user, terms=serializer.instance, **data
        )


class ContractViewSet(HistoryMixin, viewsets.ModelViewSet):
    serializer_class = ContractSerializer
    write_capability = Capability.MANAGE_LEDGER
    filterset_fields = ("customer", "currency")
    search_fields = ("number", "title", "customer__code", "customer__legal_name")
    ordering_fields = ("signed_on", "number", "amount")
    ordering = ("-signed_on",)
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.contracts_visible_to(self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        customer = data.pop("customer")
        serializer.instance = services.contract_create(
            actor=self.request.user, customer=customer, **data
        )

    def perform_update(self, serializer):
        serializer.instance = services.contract_update(
            actor=self.request.user, contract=serializer.instance, **serializer.validated_data
        )


class InvoiceFilter(filters.FilterSet):
    issued_from = filters.DateFilter(field_name="issue_date", lookup_expr="gte")
    issued_to = filters.DateFilter(field_name="issue_date", lookup_expr="lte")

    class Meta:
        model = Invoice
        fields = ("customer", "status", "currency", "is_disputed", "contract")


class InvoiceViewSet(HistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Invoices: drafts are created and edited here, then issued (posted, immutable)."""

    serializer_class = InvoiceSerializer
    write_capability = Capability.MANAGE_LEDGER
    filterset_class = InvoiceFilter
    search_fields = ("number", "fapiao_number", "customer__code", "customer__legal_name")
    ordering_fields = ("issue_date", "number", "total", "status")
    ordering = ("-issue_date", "-id")

    def get_queryset(self):
        return (
            selectors.invoices_visible_to(self.request.user)
            .select_related("customer")
            .prefetch_related(
                "lines",
                Prefetch("installments", queryset=Installment.objects.select_related("invoice")),
            )
        )

    def _respond(self, invoice, http_status=status.HTTP_200_OK):
        invoice = self.get_queryset().get(pk=invoice.pk)
        return Response(InvoiceSerializer(invoice).data, status=http_status)

    @extend_schema(request=InvoiceDraftSerializer, responses=InvoiceSerializer)
    def create(self, request):
        data = _validated(InvoiceDraftSerializer, request)
        invoice = services.invoice_create_draft(actor=request.user, **data)
        return self._respond(invoice, status.HTTP_201_CREATED)

    @extend_schema(request=InvoiceDraftSerializer, responses=InvoiceSerializer)
    def partial_update(self, request, pk=None):
        invoice = self.get_object()
        data = _validated(InvoiceDraftSerializer, request, partial=True)
        invoice = services.invoice_update_draft(actor=request.user, invoice=invoice, **data)
        return self._respond(invoice)

    @extend_schema(request=None, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        return self._respond(services.invoice_issue(actor=request.user, invoice=self.get_object()))

    @extend_schema(request=None, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._respond(
            services.invoice_cancel_draft(actor=request.user, invoice=self.get_object())
        )

    @extend_schema(request=InvoiceDeliverySerializer, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def delivery(self, request, pk=None):
        data = _validated(InvoiceDeliverySerializer, request)
        return self._respond(
            services.invoice_update_delivery(actor=request.user, invoice=self.get_object(), **data)
        )

    @extend_schema(request=InvoiceDisputeSerializer, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        data = _validated(InvoiceDisputeSerializer, request)
        return self._respond(
            services.invoice_set_disputed(
                actor=request.user, invoice=self.get_object(), disputed=data["is_disputed"]
            )
        )

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PDFRenderer])
    def pdf(self, request, pk=None):
        """The posted invoice as a PDF in the customer's language (404 for a draft)."""
        return invoice_pdf_response(self.get_object())


class InstallmentFilter(filters.FilterSet):
    is_open = filters.BooleanFilter(method="filter_is_open")
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte")
    due_after = filters.DateFilter(field_name="due_date", lookup_expr="gte")

    class Meta:
        model = Installment
        fields = ("customer", "invoice", "currency")

    def filter_is_open(self, queryset, name, value):
        return queryset.filter(open_amount__gt=0) if value else queryset.filter(open_amount=0)


class InstallmentViewSet(HistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Installments (due dates of invoices): what aging and collections work on."""

    serializer_class = InstallmentSerializer
    filterset_class = InstallmentFilter
    search_fields = ("invoice__number", "customer__code")
    ordering_fields = ("due_date", "open_amount", "amount")
    ordering = ("due_date", "id")

    def get_queryset(self):
        return selectors.installments_visible_to(self.request.user).select_related("invoice")


class PaymentFilter(filters.FilterSet):
    received_from = filters.DateFilter(field_name="received_on", lookup_expr="gte")
    received_to = filters.DateFilter(field_name="received_on", lookup_expr="lte")
    has_unapplied = filters.BooleanFilter(method="filter_has_unapplied")

    class Meta:
        model = Payment
        fields = ("customer", "status", "currency", "method")

    def filter_has_unapplied(self, queryset, name, value):
        return (
            queryset.filter(unapplied_amount__gt=0)
            if value
            else queryset.filter(unapplied_amount=0)
        )


class PaymentViewSet(HistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Payments received; applied to installments, reversed when they bounce, refunded."""

    serializer_class = PaymentSerializer
    write_capability = Capability.MANAGE_LEDGER
    filterset_class = PaymentFilter
    search_fields = ("number", "reference", "customer__code", "customer__legal_name")
    ordering_fields = ("received_on", "amount", "unapplied_amount", "number")
    ordering = ("-received_on", "-id")

    def get_queryset(self):
        return (
            selectors.payments_visible_to(self.request.user)
            .select_related("customer")
            .prefetch_related(
                Prefetch(
                    "allocations",
                    queryset=Allocation.objects.select_related("installment__invoice"),
                ),
                "refunds",
            )
        )

    def _respond(self, payment, http_status=status.HTTP_200_OK):
        return Response(
            PaymentSerializer(self.get_queryset().get(pk=payment.pk)).data, status=http_status
        )

    @extend_schema(request=PaymentRecordSerializer, responses=PaymentSerializer)
    def create(self, request):
        data = _validated(PaymentRecordSerializer, request)
        auto_allocate = data.pop("auto_allocate")
        payment = services.payment_record(actor=request.user, **data)
        if auto_allocate:
            services.payment_allocate_auto(actor=request.user, payment=payment)
        return self._respond(payment, status.HTTP_201_CREATED)

    @extend_schema(request=PaymentAllocateSerializer, responses=PaymentSerializer)
    @action(detail=True, methods=["post"])
    def allocate(self, request, pk=None):
        payment = self.get_object()
        data = _validated(PaymentAllocateSerializer, request)
        services.payment_allocate(
            actor=request.user,
            payment=payment,
            allocations=[(line["installment"].pk, line["amount"]) for line in data["allocations"]],
            applied_on=data.get("applied_on"),
        )
        return self._respond(payment)

    @extend_schema(request=AppliedOnSerializer, responses=PaymentSerializer)
    @action(detail=True, methods=["post"], url_path="auto-allocate")
    def auto_allocate(self, request, pk=None):
        payment = self.get_object()
        data = _validated(AppliedOnSerializer, request)
        services.payment_allocate_auto(
            actor=request.user, payment=payment, applied_on=data.get("applied_on")
        )
        return self._respond(payment)

    @extend_schema(request=PaymentReverseSerializer, responses=PaymentSerializer)
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        data = _validated(PaymentReverseSerializer, request)
        payment = services.payment_reverse(actor=request.user, payment=self.get_object(), **data)
        return self._respond(payment)

    @extend_schema(request=PaymentRefundSerializer, responses=RefundSerializer)
    @action(detail=True, methods=["post"])
    def refund(self, request, pk=None):
        data = _validated(PaymentRefundSerializer, request)
        refund = services.payment_refund(actor=request.user, payment=self.get_object(), **data)
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)


class AllocationViewSet(viewsets.ReadOnlyModelViewSet):
    """Every application of money to an installment; payment allocations can be undone."""

    serializer_class = AllocationSerializer
    write_capability = Capability.MANAGE_LEDGER
    filterset_fields = ("customer", "kind", "payment", "installment", "credit_note", "write_off")
    ordering_fields = ("applied_on", "amount")
    ordering = ("applied_on", "id")

    def get_queryset(self):
        return selectors.allocations_visible_to(self.request.user).select_related(
            "installment__invoice"
        )

    @extend_schema(request=AllocationReverseSerializer, responses=AllocationSerializer)
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        data = _validated(AllocationReverseSerializer, request)
        reversal = services.allocation_reverse(
            actor=request.user, allocation=self.get_object(), reversed_on=data.get("reversed_on")
        )
        return Response(AllocationSerializer(reversal).data, status=status.HTTP_201_CREATED)


class CreditNoteViewSet(HistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CreditNoteSerializer
    write_capability = Capability.MANAGE_LEDGER
    filterset_fields = ("customer", "invoice", "currency")
    search_fields = ("number", "invoice__number", "customer__code")
    ordering_fields = ("issue_date", "amount")
    ordering = ("-issue_date", "-id")

    def get_queryset(self):
        return selectors.credit_notes_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.credit_note_issue(
            actor=self.request.user, **serializer.validated_data
        )


class WriteOffViewSet(HistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Bad-debt write-offs: requested, then approved or rejected by another manager."""

    serializer_class = WriteOffSerializer
    capability_by_action = {
        "create": Capability.REQUEST_WRITE_OFF,
        "approve": Capability.APPROVE_WRITE_OFF,
        "reject": Capability.APPROVE_WRITE_OFF,
    }
    filterset_fields = ("customer", "status", "installment")
    ordering_fields = ("requested_at", "amount")
    ordering = ("-requested_at",)

    def get_queryset(self):
        return selectors.write_offs_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.write_off_request(
            actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=WriteOffDecisionSerializer, responses=WriteOffSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = _validated(WriteOffDecisionSerializer, request)
        write_off = services.write_off_approve(
            actor=request.user, write_off=self.get_object(), **data
        )
        return Response(WriteOffSerializer(write_off, context={"request": request}).data)

    @extend_schema(request=WriteOffDecisionSerializer, responses=WriteOffSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = _validated(WriteOffDecisionSerializer, request)
        write_off = services.write_off_reject(
            actor=request.user, write_off=self.get_object(), note=data.get("note", "")
        )
        return Response(WriteOffSerializer(write_off, context={"request": request}).data)


class ExchangeRateViewSet(HistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ExchangeRateSerializer
    write_capability = Capability.MANAGE_LEDGER
    filterset_fields = ("currency", "rate_date")
    ordering_fields = ("rate_date", "currency")
    ordering = ("currency", "-rate_date")

    def get_queryset(self):
        return selectors.exchange_rates_all()

    def perform_create(self, serializer):
        serializer.instance = services.exchange_rate_set(
            actor=self.request.user, **serializer.validated_data
        )
