"""REST endpoints of bank reconciliation: bank accounts, statement imports (upload a bank
file), bank lines with their suggestions and evidence, and the decisions on a line. Readable
by the roles that see every customer (a sales rep gets 403: bank lines name other customers'
payers); every write needs Capability.RECONCILE. Lists cost a fixed number of queries."""

from django.conf import settings
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.permissions import RolePermission
from accounts.roles import Capability
from core.history import HistoryMixin
from reconciliation.models import BankLine, MatchSuggestion
from reconciliation.selectors.imports import bank_accounts_for_list, statement_imports_for_list
from reconciliation.selectors.lines import (
    LineFilters,
    bank_line_for_detail,
    bank_lines_for_list,
    lines_to_accept_in_bulk,
    reconciliation_readable_by,
)
from reconciliation.serializers import (
    AssignSerializer,
    BankAccountSerializer,
    BankLineSerializer,
    BulkAcceptResultSerializer,
    BulkAcceptSerializer,
    ReasonSerializer,
    StatementImportResultSerializer,
    StatementImportSerializer,
    StatementUploadSerializer,
    SuggestionChoiceSerializer,
)
from reconciliation.services import lines as line_services
from reconciliation.services.imports import bank_statement_import


class ReconciliationPermission(RolePermission):
    """RolePermission, and every customer in sight for reading at all."""

    def has_permission(self, request, view):
        return reconciliation_readable_by(request.user) and super().has_permission(request, view)


def _validated(serializer_class, request):
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class BankAccountViewSet(viewsets.ReadOnlyModelViewSet):
    """The company's bank accounts (set up on the bank accounts page)."""

    serializer_class = BankAccountSerializer
    permission_classes = [ReconciliationPermission]
    filterset_fields = ("currency", "is_active")
    search_fields = ("code", "name", "account_number")
    ordering = ("code",)

    def get_queryset(self):
        return bank_accounts_for_list()


class StatementImportFilter(filters.FilterSet):
    account = filters.CharFilter(field_name="account__code", help_text="Bank account code.")

    class Meta:
        model = StatementImportSerializer.Meta.model
        fields = ("account", "format", "match_status")


class BankStatementViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Imported bank statement files. POST uploads one (multipart: account code, file, format):
    all of it or nothing, a broken file is a 400 naming its line and field; the same file
    again is the earlier import (200, nothing added). Matching runs in the background."""

    serializer_class = StatementImportSerializer
    permission_classes = [ReconciliationPermission]
    write_capability = Capability.RECONCILE
    parser_classes = [MultiPartParser, FormParser]
    filterset_class = StatementImportFilter
    ordering = ("-imported_at", "-id")

    def get_queryset(self):
        return statement_imports_for_list()

    @extend_schema(
        request=StatementUploadSerializer, responses={201: StatementImportResultSerializer}
    )
    def create(self, request, *args, **kwargs):
        data = _validated(StatementUploadSerializer, request)
        upload = data["file"]
        result = bank_statement_import(
            actor=request.user,
            account=data["account"],
            file_name=upload.name,
            content=upload.read(),
            format=data["format"],
        )
        statement_import = self.get_queryset().get(pk=result.statement_import.pk)
        statement_import.already_imported = result.already_imported
        statement_import.new_lines = result.new_lines
        statement_import.duplicate_lines = result.duplicate_lines
        return Response(
            StatementImportResultSerializer(statement_import).data,
            status=status.HTTP_200_OK if result.already_imported else status.HTTP_201_CREATED,
        )


class BankLineFilter(filters.FilterSet):
    account = filters.CharFilter(field_name="account__code", help_text="Bank account code.")
    booked_from = filters.DateFilter(field_name="booked_on", lookup_expr="gte")
    booked_to = filters.DateFilter(field_name="booked_on", lookup_expr="lte")
    min_confidence = filters.NumberFilter(field_name="confidence", lookup_expr="gte")

    class Meta:
        model = BankLine
        fields = ("account", "status", "direction", "customer", "statement_import")


class BankLineViewSet(HistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Bank lines, newest first, with their suggestions and evidence, and the decisions on a
    line: accept or reject a suggestion, assign by hand, ignore, undo, accept in bulk. A line
    is locked while decided on: the second of two simultaneous decisions is a 400."""

    serializer_class = BankLineSerializer
    permission_classes = [ReconciliationPermission]
    write_capability = Capability.RECONCILE
    filterset_class = BankLineFilter
    search_fields = ("counterparty_name", "counterparty_account", "remittance", "bank_reference")
    ordering_fields = ("booked_on", "amount", "confidence")
    ordering = ("-booked_on", "-id")

    def get_queryset(self):
        if self.action == "list":
            return bank_lines_for_list()
        # One line: the actions lock it themselves; the answer reads it afresh (_shown).
        return BankLine.objects.all()

    def _shown(self, line: BankLine) -> Response:
        return Response(BankLineSerializer(bank_line_for_detail(pk=line.pk)).data)

    def retrieve(self, request, pk=None):
        return self._shown(self.get_object())

    def _suggestion(self, line: BankLine, request) -> MatchSuggestion:
        suggestion_id = _validated(SuggestionChoiceSerializer, request)["suggestion"]
        suggestion = line.suggestions.filter(pk=suggestion_id).first()
        if suggestion is None:
            raise ValidationError({"suggestion": [_("Not one of this line's suggestions.")]})
        return suggestion

    @extend_schema(request=SuggestionChoiceSerializer, responses=BankLineSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        line = self.get_object()
        suggestion = self._suggestion(line, request)
        line_services.bank_line_accept(actor=request.user, line=line, suggestion=suggestion)
        return self._shown(line)

    @extend_schema(request=SuggestionChoiceSerializer, responses=BankLineSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        line = self.get_object()
        suggestion = self._suggestion(line, request)
        line_services.bank_line_reject(actor=request.user, suggestion=suggestion)
        return self._shown(line)

    @extend_schema(request=AssignSerializer, responses=BankLineSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        line = self.get_object()
        data = _validated(AssignSerializer, request)
        line_services.bank_line_apply(
            actor=request.user,
            line=line,
            customer=data["customer"],
            allocations=[(row["installment"], row["amount"]) for row in data["allocations"]],
            fee=data["fee"],
        )
        return self._shown(line)

    @extend_schema(request=ReasonSerializer, responses=BankLineSerializer)
    @action(detail=True, methods=["post"])
    def ignore(self, request, pk=None):
        line = self.get_object()
        reason = _validated(ReasonSerializer, request)["reason"]
        line_services.bank_line_ignore(actor=request.user, line=line, reason=reason)
        return self._shown(line)

    @extend_schema(request=ReasonSerializer, responses=BankLineSerializer)
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        line = self.get_object()
        reason = _validated(ReasonSerializer, request)["reason"]
        line_services.bank_line_undo(actor=request.user, line=line, reason=reason)
        return self._shown(line)

    @extend_schema(request=BulkAcceptSerializer, responses=BulkAcceptResultSerializer)
    @extend_schema(request=None, responses={202: OpenApiResponse(description="Matching queued.")})
    @action(detail=False, methods=["post"], url_path="match")
    def match(self, request):
        """Run the matching engine again over every line still unmatched or suggested."""
        line_services.bank_lines_rematch(actor=request.user)
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)

    @action(detail=False, methods=["post"], url_path="accept-bulk")
    def accept_bulk(self, request):
        data = _validated(BulkAcceptSerializer, request)
        min_confidence = data.get("min_confidence", settings.RECONCILIATION_BULK_ACCEPT_CONFIDENCE)
        account = data.get("account")
        line_ids = lines_to_accept_in_bulk(
            LineFilters(account=account.pk if account else None), min_confidence=min_confidence
        ).values_list("pk", flat=True)
        result = line_services.bank_lines_accept_bulk(
            actor=request.user, line_ids=list(line_ids), min_confidence=min_confidence
        )
        return Response(
            BulkAcceptResultSerializer(
                {
                    "accepted": result.accepted,
                    "skipped": [
                        {"line": line_id, "reason": str(reason)}
                        for line_id, reason in result.skipped
                    ],
                }
            ).data
        )
