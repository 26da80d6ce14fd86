"""Input and output shapes of the reconciliation API. Inputs validate types and references;
the services decide what the ledger accepts."""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from receivables.serializers import MONEY, VisibleCustomerField
from reconciliation.forms import AUTO_FORMAT, FORMAT_CHOICES
from reconciliation.models import (
    BankAccount,
    BankLine,
    BankStatementImport,
    MatchSuggestion,
    MatchSuggestionItem,
)
from reconciliation.selectors.lines import evidence_label


class BankAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = BankAccount
        fields = (
            "id",
            "code",
            "name",
            "bank_name",
            "account_number",
            "currency",
            "column_mapping",
            "is_active",
        )


class StatementImportSerializer(serializers.ModelSerializer):
    account = serializers.SlugRelatedField(slug_field="code", read_only=True)
    imported_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # The upload's choice set (the formats plus "auto"): one enum in the schema, not two
    # colliding ones named "format".
    format = serializers.ChoiceField(choices=FORMAT_CHOICES, read_only=True)
    to_review = serializers.IntegerField(
        read_only=True, help_text="Credits of this file still unmatched or suggested."
    )
    applied_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = BankStatementImport
        fields = (
            "id",
            "account",
            "file_name",
            "file_sha256",
            "format",
            "period_start",
            "period_end",
            "opening_balance",
            "closing_balance",
            "line_count",
            "new_line_count",
            "duplicate_line_count",
            "match_status",
            "matched_at",
            "imported_by",
            "imported_at",
            "to_review",
            "applied_count",
        )


class StatementUploadSerializer(serializers.Serializer):
    account = serializers.SlugRelatedField(
        slug_field="code",
        queryset=BankAccount.objects.filter(is_active=True),
        help_text="The bank account's code.",
    )
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=FORMAT_CHOICES, default=AUTO_FORMAT)

    def validate_file(self, upload):
        # Refused before reading it into memory; the import service enforces the same limit.
        if upload.size > settings.RECONCILIATION_MAX_FILE_BYTES:
            raise serializers.ValidationError(
                _("The file is larger than %(limit)s bytes.")
                % {"limit": settings.RECONCILIATION_MAX_FILE_BYTES}
            )
        return upload


class StatementImportResultSerializer(StatementImportSerializer):
    """An upload's outcome: the import, and whether this very file was imported before."""

    already_imported = serializers.BooleanField(read_only=True)
    new_lines = serializers.IntegerField(read_only=True)
    duplicate_lines = serializers.IntegerField(read_only=True)

    class Meta(StatementImportSerializer.Meta):
        fields = (
            *StatementImportSerializer.Meta.fields,
            "already_imported",
            "new_lines",
            "duplicate_lines",
        )


class SuggestionItemSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="installment.invoice.number", read_only=True)

    class Meta:
        model = MatchSuggestionItem
        fields = ("installment", "invoice_number", "amount")


class EvidenceSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField(help_text="The kind in words, in the request's language.")
    detail = serializers.CharField(allow_blank=True)
    points = serializers.IntegerField(allow_null=True)


class SuggestionSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    items = SuggestionItemSerializer(many=True, read_only=True)
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = MatchSuggestion
        fields = (
            "id",
            "customer",
            "customer_code",
            "rank",
            "confidence",
            "fee_amount",
            "status",
            "items",
            "evidence",
        )

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, suggestion):
        return [
            {
                "kind": row.get("kind", ""),
                "label": evidence_label(row.get("kind", "")),
                "detail": row.get("detail", ""),
                "points": row.get("points"),
            }
            for row in suggestion.evidence or []
        ]


class BankLineSerializer(serializers.ModelSerializer):
    account = serializers.SlugRelatedField(slug_field="code", read_only=True)
    customer_code = serializers.CharField(source="customer.code", read_only=True, default=None)
    suggestions = serializers.SerializerMethodField(
        help_text="In lists the open suggestions, best first; for one line all of them."
    )

    class Meta:
        model = BankLine
        fields = (
            "id",
            "account",
            "statement_import",
            "booked_on",
            "booked_at",
            "value_date",
            "direction",
            "amount",
            "currency",
            "counterparty_name",
            "counterparty_account",
            "counterparty_bank",
            "remittance",
            "bank_reference",
            "file_line",
            "status",
            "customer",
            "customer_code",
            "confidence",
            "payment",
            "bank_charge",
            "applied_automatically",
            "applied_at",
            "ignored_reason",
            "auto_apply_blocked",
            "suggestions",
        )

    @extend_schema_field(SuggestionSerializer(many=True))
    def get_suggestions(self, line):
        suggestions = getattr(line, "all_suggestions", None)
        if suggestions is None:
            suggestions = line.open_suggestions
        return SuggestionSerializer(suggestions, many=True).data


class SuggestionChoiceSerializer(serializers.Serializer):
    suggestion = serializers.IntegerField(help_text="One of the line's suggestions.")


class AllocationInputSerializer(serializers.Serializer):
    installment = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY, help_text="Settled, bank charges included.")


class AssignSerializer(serializers.Serializer):
    customer = VisibleCustomerField()
    allocations = AllocationInputSerializer(
        many=True,
        required=False,
        default=list,
        help_text="Installments the line settles; none: all of it stays unapplied credit.",
    )
    fee = serializers.DecimalField(
        **MONEY, required=False, default=0, help_text="What the payer's bank kept."
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class BulkAcceptSerializer(serializers.Serializer):
    min_confidence = serializers.IntegerField(
        max_value=100,
        required=False,
        help_text="At least RECONCILIATION_BULK_ACCEPT_CONFIDENCE (the default).",
    )
    account = serializers.SlugRelatedField(
        slug_field="code", queryset=BankAccount.objects.all(), required=False
    )

    def validate_min_confidence(self, value):
        threshold = settings.RECONCILIATION_BULK_ACCEPT_CONFIDENCE
        if value < threshold:
            raise serializers.ValidationError(
                _("Bulk acceptance takes suggestions of at least %(threshold)s%%.")
                % {"threshold": threshold}
            )
        return value


class SkippedLineSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    reason = serializers.CharField()


class BulkAcceptResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    skipped = SkippedLineSerializer(many=True)
