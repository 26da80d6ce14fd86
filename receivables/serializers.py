"""Input and output shapes of the receivables API. Inputs validate types and references (to
objects the user can see); business rules live in services.py."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.money import CURRENCY_CHOICES
from customers.selectors import customers_visible_to
from receivables.models import (
    Allocation,
    Contract,
    CreditNote,
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
from receivables.selectors import contracts_visible_to, installments_visible_to, invoices_visible_to

MONEY = {"max_digits": 20, "decimal_places": 2}


@extend_schema_field(OpenApiTypes.INT)
class VisibleCustomerField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return customers_visible_to(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class VisibleContractField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return contracts_visible_to(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class VisibleInvoiceField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return invoices_visible_to(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class VisibleInstallmentField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return installments_visible_to(self.context["request"].user)


# --- payment terms -----------------------------------------------------------------------------


class PaymentTermsInstallmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaymentTermsInstallment
        fields = ("sequence", "percent", "days")
        read_only_fields = ("sequence",)


class PaymentTermsSerializer(serializers.ModelSerializer):
    schedule = PaymentTermsInstallmentSerializer(many=True, required=False)

    class Meta:
        model = PaymentTerms
        fields = (
            "id",
            "code",
            "name",
            "basis",
            "net_days",
            "discount_percent",
            "discount_days",
            "late_interest_daily_rate",
            "is_active",
            "schedule",
        )


# --- contracts ---------------------------------------------------------------------------------


class ContractSerializer(serializers.ModelSerializer):
    customer = VisibleCustomerField()

    class Meta:
        model = Contract
        fields = (
            "id",
            "customer",
            "number",
            "title",
            "signed_on",
            "amount",
            "currency",
            "payment_terms",
            "starts_on",
            "ends_on",
            "signed_file",
            "notes",
            "created_at",
        )
        extra_kwargs = {"currency": {"required": False}}


# --- invoices ----------------------------------------------------------------------------------


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = (
            "position",
            "description",
            "quantity",
            "unit_price",
            "tax_rate",
            "amount",
            "tax_amount",
        )
        read_only_fields = ("position", "amount", "tax_amount")

    def validate_quantity(self, value):
        if value <= 0:
            raise serializers.ValidationError(_("Quantity must be positive."))
        return value

    def validate_unit_price(self, value):
        if value < 0:
            raise serializers.ValidationError(_("Unit price cannot be negative."))
        return value

    def validate_tax_rate(self, value):
        if not (0 <= value < 1):
            raise serializers.ValidationError(
                _("A tax rate is a fraction between 0 and 1 (0.13 for 13%).")
            )
        return value


class InstallmentSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)

    class Meta:
        model = Installment
        fields = (
            "id",
            "invoice",
            "invoice_number",
            "customer",
            "sequence",
            "due_date",
            "discount_date",
            "amount",
            "open_amount",
            "currency",
            "settled_on",
        )
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    """Output shape of an invoice with its lines and installments."""

    lines = InvoiceLineSerializer(many=True, read_only=True)
    installments = InstallmentSerializer(many=True, read_only=True)
    customer_code = serializers.CharField(source="customer.code", read_only=True)

    class Meta:
        model = Invoice
        fields = (
            "id",
            "number",
            "customer",
            "customer_code",
            "contract",
            "issue_date",
            "currency",
            "payment_terms",
            "status",
            "is_disputed",
            "subtotal",
            "tax_total",
            "total",
            "fapiao_number",
            "sent_on",
            "receipt_confirmed_on",
            "notes",
            "issued_at",
            "created_at",
            "lines",
            "installments",
        )
        read_only_fields = fields


class InvoiceDraftSerializer(serializers.Serializer):
    customer = VisibleCustomerField()
    issue_date = serializers.DateField()
    payment_terms = serializers.PrimaryKeyRelatedField(
        queryset=PaymentTerms.objects.filter(is_active=True), required=False, allow_null=True
    )
    contract = VisibleContractField(required=False, allow_null=True)
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, required=False)
    fapiao_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    lines = InvoiceLineSerializer(many=True)

    def validate_lines(self, value):
        if not value:
            raise serializers.ValidationError(_("An invoice needs at least one line."))
        return value


class InvoiceDeliverySerializer(serializers.Serializer):
    fapiao_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    sent_on = serializers.DateField(required=False)
    receipt_confirmed_on = serializers.DateField(required=False)


class InvoiceDisputeSerializer(serializers.Serializer):
    is_disputed = serializers.BooleanField()


# --- payments ----------------------------------------------------------------------------------


class AllocationSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="installment.invoice.number", read_only=True)

    class Meta:
        model = Allocation
        fields = (
            "id",
            "installment",
            "invoice_number",
            "customer",
            "kind",
            "payment",
            "credit_note",
            "write_off",
            "bank_charge",
            "amount",
            "applied_on",
            "reverses",
            "created_at",
        )
        read_only_fields = fields


class RefundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = ("id", "amount", "currency", "refunded_on", "reference", "created_at")
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    allocations = AllocationSerializer(many=True, read_only=True)
    refunds = RefundSerializer(many=True, read_only=True)
    customer_code = serializers.CharField(source="customer.code", read_only=True)

    class Meta:
        model = Payment
        fields = (
            "id",
            "number",
            "customer",
            "customer_code",
            "received_on",
            "amount",
            "currency",
            "method",
            "reference",
            "instrument_number",
            "instrument_acceptor",
            "instrument_matures_on",
            "notes",
            "status",
            "unapplied_amount",
            "reversed_on",
            "reversal_reason",
            "created_at",
            "allocations",
            "refunds",
        )
        read_only_fields = fields


class PaymentRecordSerializer(serializers.Serializer):
    customer = VisibleCustomerField()
    received_on = serializers.DateField()
    amount = serializers.DecimalField(**MONEY)
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, required=False)
    method = serializers.ChoiceField(
        choices=Payment.Method.choices, default=Payment.Method.BANK_TRANSFER
    )
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    # Bills (承兑汇票) and e-vouchers only; payment_record refuses them on other methods.
    instrument_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    instrument_acceptor = serializers.CharField(max_length=200, required=False, allow_blank=True)
    instrument_matures_on = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    auto_allocate = serializers.BooleanField(default=False)

    def validate_amount(self, value):
        if value <= 0:
            raise serializers.ValidationError(_("The amount must be positive."))
        return value


class AllocationLineSerializer(serializers.Serializer):
    installment = VisibleInstallmentField()
    amount = serializers.DecimalField(**MONEY)

    def validate_amount(self, value):
        if value <= 0:
            raise serializers.ValidationError(_("The amount must be positive."))
        return value


class PaymentAllocateSerializer(serializers.Serializer):
    allocations = AllocationLineSerializer(many=True)
    applied_on = serializers.DateField(required=False)

    def validate_allocations(self, value):
        if not value:
            raise serializers.ValidationError(_("Name at least one installment."))
        return value


class AppliedOnSerializer(serializers.Serializer):
    applied_on = serializers.DateField(required=False)


class PaymentReverseSerializer(serializers.Serializer):
    reversed_on = serializers.DateField()
    reason = serializers.CharField(max_length=200)


class PaymentRefundSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**MONEY)
    refunded_on = serializers.DateField()
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)

    def validate_amount(self, value):
        if value <= 0:
            raise serializers.ValidationError(_("The amount must be positive."))
        return value


class AllocationReverseSerializer(serializers.Serializer):
    reversed_on = serializers.DateField(required=False)


# --- credit notes, write-offs, exchange rates --------------------------------------------------


class CreditNoteSerializer(serializers.ModelSerializer):
    invoice = VisibleInvoiceField()

    class Meta:
        model = CreditNote
        fields = (
            "id",
            "number",
            "invoice",
            "customer",
            "issue_date",
            "amount",
            "currency",
            "reason",
            "created_at",
        )
        read_only_fields = ("id", "number", "customer", "currency", "created_at")

    def validate_amount(self, value):
        if value <= 0:
            raise serializers.ValidationError(_("The amount must be positive."))
        return value


class WriteOffSerializer(serializers.ModelSerializer):
    installment = VisibleInstallmentField()

    class Meta:
        model = WriteOff
        fields = (
            "id",
            "installment",
            "customer",
            "amount",
            "currency",
            "reason",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "effective_on",
        )
        read_only_fields = (
            "id",
            "customer",
            "currency",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "effective_on",
        )

    def validate_amount(self, value):
        if value <= 0:
            raise serializers.ValidationError(_("The amount must be positive."))
        return value


class WriteOffDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    effective_on = serializers.DateField(required=False)


class ExchangeRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExchangeRate
        fields = ("id", "currency", "rate_date", "rate_to_base")
        validators = []  # setting an existing day's rate corrects it (see exchange_rate_set)
