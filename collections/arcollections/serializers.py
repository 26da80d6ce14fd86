"""Input and output shapes of the collections API. Inputs validate types and references (to
objects the user can see); business rules live in the services."""

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from arcollections.models import (
    Activity,
    DunningMessage,
    DunningPolicy,
    DunningStep,
    DunningTemplate,
    PromiseToPay,
)
from core.money import CURRENCY_CHOICES
from customers.models import Customer
from customers.selectors import contacts_visible_to
from receivables.models import Dispute
from receivables.serializers import (
    MONEY,
    VisibleCustomerField,
    VisibleInstallmentField,
    VisibleInvoiceField,
)

# --- dunning policies --------------------------------------------------------------------------


class DunningTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = DunningTemplate
        fields = ("id", "step", "language", "subject", "body", "updated_at")
        read_only_fields = ("id", "updated_at")
        # Saving replaces the step's template in that language (services.policies.template_save).
        validators = []


class DunningStepSerializer(serializers.ModelSerializer):
    templates = DunningTemplateSerializer(many=True, read_only=True)

    class Meta:
        model = DunningStep
        fields = (
            "id",
            "policy",
            "name",
            "offset_days",
            "channel",
            "attachment",
            "requires_approval",
            "escalates_to_legal",
            "templates",
        )
        read_only_fields = ("id", "templates")


class DunningStepUpdateSerializer(DunningStepSerializer):
    class Meta(DunningStepSerializer.Meta):
        read_only_fields = ("id", "policy", "templates")


class DunningPolicySerializer(serializers.ModelSerializer):
    steps = DunningStepSerializer(many=True, read_only=True)

    class Meta:
        model = DunningPolicy
        fields = (
            "id",
            "code",
            "name",
            "description",
            "is_default",
            "for_tiers",
            "for_ratings",
            "is_active",
            "steps",
        )
        read_only_fields = ("id", "steps")
        # Uniqueness and the one-default rule are the service's to explain (field-named 400s).
        extra_kwargs = {"code": {"validators": []}}


# --- activities and promises -------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class VisibleContactField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return contacts_visible_to(self.context["request"].user)


class PromiseSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    installments = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = PromiseToPay
        fields = (
            "id",
            "customer",
            "customer_code",
            "amount",
            "currency",
            "promised_on",
            "promised_date",
            "contact",
            "installments",
            "status",
            "activity",
            "note",
            "created_by",
            "created_at",
            "settled_on",
            "paid_amount",
        )
        read_only_fields = fields


class PromiseCreateSerializer(serializers.Serializer):
    customer = VisibleCustomerField()
    amount = serializers.DecimalField(**MONEY)
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)
    promised_date = serializers.DateField()
    promised_on = serializers.DateField(required=False)
    contact = VisibleContactField(required=False, allow_null=True)
    installments = VisibleInstallmentField(many=True, required=False)
    note = serializers.CharField(required=False, allow_blank=True)


class PromiseCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True)


class PromiseTermsSerializer(serializers.Serializer):
    """A promise to pay made during the activity being logged."""

    amount = serializers.DecimalField(**MONEY)
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)
    promised_date = serializers.DateField()
    installments = VisibleInstallmentField(many=True, required=False)
    note = serializers.CharField(required=False, allow_blank=True)


class ActivitySerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    promises = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Activity
        fields = (
            "id",
            "customer",
            "customer_code",
            "kind",
            "occurred_at",
            "performed_by",
            "contact",
            "outcome",
            "note",
            "next_follow_up_on",
            "dunning_message",
            "promises",
            "created_at",
        )
        read_only_fields = fields


class ActivityCreateSerializer(serializers.Serializer):
    customer = VisibleCustomerField()
    kind = serializers.ChoiceField(choices=Activity.Kind.choices)
    occurred_at = serializers.DateTimeField()
    contact = VisibleContactField(required=False, allow_null=True)
    outcome = serializers.ChoiceField(
        choices=Activity.Outcome.choices, required=False, allow_blank=True
    )
    note = serializers.CharField(required=False, allow_blank=True)
    next_follow_up_on = serializers.DateField(required=False, allow_null=True)
    promise = PromiseTermsSerializer(required=False, allow_null=True)


# --- disputes ----------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class DisputeOwnerField(serializers.PrimaryKeyRelatedField):
    """Any active user; whether they may own this customer's dispute is the service's rule."""

    def get_queryset(self):
        return get_user_model().objects.filter(is_active=True)


class DisputeSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    installments = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    age_days = serializers.IntegerField(read_only=True)
    days_to_resolve = serializers.IntegerField(read_only=True, allow_null=True)
    contested_open_amount = serializers.DecimalField(**MONEY, read_only=True)

    class Meta:
        model = Dispute
        fields = (
            "id",
            "customer",
            "customer_code",
            "source",
            "reason",
            "status",
            "owner",
            "currency",
            "amount_claimed",
            "installments",
            "contested_open_amount",
            "description",
            "opened_on",
            "opened_by",
            "created_at",
            "resolution_kind",
            "resolution",
            "resolved_by",
            "resolved_at",
            "age_days",
            "days_to_resolve",
        )
        read_only_fields = fields


class DisputeCreateSerializer(serializers.Serializer):
    customer = VisibleCustomerField()
    source = serializers.ChoiceField(
        choices=[Dispute.Source.CUSTOMER_CONTACT, Dispute.Source.INTERNAL],
        default=Dispute.Source.CUSTOMER_CONTACT,
    )
    reason = serializers.ChoiceField(choices=Dispute.Reason.choices)
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)
    opened_on = serializers.DateField()
    installments = VisibleInstallmentField(many=True, required=False)
    amount_claimed = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)
    owner = DisputeOwnerField(required=False, allow_null=True)


class DisputeAssignSerializer(serializers.Serializer):
    owner = DisputeOwnerField(allow_null=True)


class CreditNoteRequestSerializer(serializers.Serializer):
    invoice = VisibleInvoiceField()
    amount = serializers.DecimalField(**MONEY)


class DisputeResolveSerializer(serializers.Serializer):
    resolution_kind = serializers.ChoiceField(choices=Dispute.Resolution.choices)
    resolution = serializers.CharField()
    credit_notes = CreditNoteRequestSerializer(many=True, required=False)
    credit_note_date = serializers.DateField(required=False)


# --- fee invoices, messages, worklist ----------------------------------------------------------


class FeeInvoiceRequestSerializer(serializers.Serializer):
    customer = VisibleCustomerField()
    as_of = serializers.DateField()
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)
    installments = VisibleInstallmentField(many=True, required=False)


class DunningMessageSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    step_name = serializers.CharField(source="step.name", read_only=True)
    offset_days = serializers.IntegerField(source="step.offset_days", read_only=True)
    notice_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = DunningMessage
        fields = (
            "id",
            "customer",
            "customer_code",
            "run_date",
            "channel",
            "status",
            "step",
            "step_name",
            "offset_days",
            "language",
            "recipients",
            "subject",
            "body",
            "attempts",
            "last_error",
            "sent_at",
            "approved_by",
            "approved_at",
            "assigned_to",
            "notice_count",
            "created_at",
        )
        read_only_fields = fields


class NextStepSerializer(serializers.Serializer):
    step = serializers.IntegerField(source="step.pk")
    name = serializers.CharField(source="step.name")
    offset_days = serializers.IntegerField(source="step.offset_days")
    channel = serializers.CharField(source="step.channel")
    due_on = serializers.DateField()


class WorklistRowSerializer(serializers.ModelSerializer):
    """One customer needing action; risk_score = overdue (base currency) × days overdue ×
    rating weight (see arcollections.selectors.worklist)."""

    overdue_base = serializers.DecimalField(**MONEY, allow_null=True)
    days_overdue = serializers.IntegerField(allow_null=True)
    rating_weight = serializers.DecimalField(max_digits=6, decimal_places=2)
    risk_score = serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True)
    open_tasks = serializers.IntegerField()
    follow_up_on = serializers.DateField(allow_null=True)
    promises_due = serializers.IntegerField()
    next_promise_date = serializers.DateField(allow_null=True)
    replies_overdue = serializers.IntegerField()
    limitation_items = serializers.IntegerField()
    next_step = NextStepSerializer(allow_null=True)
    dunning_paused = serializers.CharField()

    class Meta:
        model = Customer
        fields = (
            "id",
            "code",
            "legal_name",
            "owner",
            "credit_rating",
            "overdue_base",
            "days_overdue",
            "rating_weight",
            "risk_score",
            "open_tasks",
            "follow_up_on",
            "promises_due",
            "next_promise_date",
            "replies_overdue",
            "limitation_items",
            "next_step",
            "dunning_paused",
        )
        read_only_fields = fields
