"""Input and output shapes of the statements API. Inputs validate types and references (to
customers the user can see); business rules live in services.py."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from receivables.serializers import VisibleCustomerField
from statements.models import Statement, StatementBalance
from statements.selectors import ConfirmationStatus


class StatementBalanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatementBalance
        fields = (
            "currency",
            "opening_balance",
            "closing_balance",
            "overdue_amount",
            "late_interest",
        )


class StatementSerializer(serializers.ModelSerializer):
    """A statement with its printed figures per currency and where to poll and download it.
    `confirmation_status` comes from statements.selectors.with_confirmation_status."""

    customer_code = serializers.CharField(source="customer.code", read_only=True)
    confirmation_status = serializers.ChoiceField(
        choices=ConfirmationStatus.choices, read_only=True
    )
    balances = StatementBalanceSerializer(many=True, read_only=True)
    status_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Statement
        fields = (
            "id",
            "customer",
            "customer_code",
            "period_start",
            "period_end",
            "source",
            "language",
            "confirmation_kind",
            "status",
            "failure",
            "generated_at",
            "pdf_sha256",
            "send_requested",
            "emailed_at",
            "emailed_to",
            "email_failure",
            "reply_due_on",
            "confirmation_status",
            "balances",
            "status_url",
            "pdf_url",
        )
        read_only_fields = fields

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(OpenApiTypes.URI)
    def get_status_url(self, statement) -> str:
        return self._absolute(reverse("api:statement-detail", args=[statement.pk]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_pdf_url(self, statement) -> str | None:
        """Null until the PDF exists (the download answers 409 meanwhile)."""
        if statement.status != Statement.Status.READY:
            return None
        return self._absolute(reverse("api:statement-pdf", args=[statement.pk]))


class StatementRequestSerializer(serializers.Serializer):
    customer = VisibleCustomerField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    send = serializers.BooleanField(default=False)
