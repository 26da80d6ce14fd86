"""REST endpoints of statements: ask for one to be generated (in the background), follow its
status, download its stored PDF, and list statements with their confirmation status."""

from django.db.models import Prefetch
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.roles import Capability
from core.history import HistoryMixin
from statements import services
from statements.models import Statement, StatementBalance
from statements.selectors import (
    ConfirmationStatus,
    statements_visible_to,
    with_confirmation_status,
)
from statements.serializers import StatementRequestSerializer, StatementSerializer


class StatementFilter(filters.FilterSet):
    confirmation_status = filters.ChoiceFilter(choices=ConfirmationStatus.choices)
    # Statements whose period overlaps [period_from, period_to].
    period_from = filters.DateFilter(field_name="period_end", lookup_expr="gte")
    period_to = filters.DateFilter(field_name="period_start", lookup_expr="lte")

    class Meta:
        model = Statement
        fields = ("customer", "status", "source", "period_start", "period_end")


class StatementViewSet(HistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Statements of account. Finance and Admin ask for new ones; every role that can view lists
    and downloads them, a sales rep only those of their own customers (others' are 404)."""

    serializer_class = StatementSerializer
    capability_by_action = {"create": Capability.MANAGE_LEDGER}
    filterset_class = StatementFilter
    search_fields = ("customer__code", "customer__legal_name", "customer__short_name")
    ordering_fields = ("period_end", "generated_at", "emailed_at", "reply_due_on")
    ordering = ("-period_end", "customer_id")

    def get_queryset(self):
        return (
            with_confirmation_status(
                statements_visible_to(self.request.user), on_date=timezone.localdate()
            )
            .select_related("customer")
            .prefetch_related(
                Prefetch("balances", queryset=StatementBalance.objects.order_by("currency"))
            )
        )

    def _shown(self, statement):
        return self.get_serializer(self.get_queryset().get(pk=statement.pk)).data

    @extend_schema(
        request=StatementRequestSerializer,
        responses={
            202: OpenApiResponse(StatementSerializer, description="Queued (the id is the job)"),
            200: OpenApiResponse(StatementSerializer, description="Already generated"),
        },
    )
    def create(self, request, *args, **kwargs):
        """Generate the customer's statement for a period in the background. Asking again for
        the same period returns the same statement (200 once it is ready)."""
        requested = StatementRequestSerializer(data=request.data, context={"request": request})
        requested.is_valid(raise_exception=True)
        statement, queued = services.statement_request(
            actor=request.user, **requested.validated_data
        )
        return Response(
            self._shown(statement),
            status=status.HTTP_202_ACCEPTED if queued else status.HTTP_200_OK,
        )

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            409: OpenApiResponse(description="Not generated (yet)"),
        }
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The stored PDF, byte for byte what was generated (and e-mailed)."""
        statement = self.get_object()
        if statement.status != Statement.Status.READY:
            return Response(
                {
                    "detail": _("The statement is not generated (status: %(status)s).")
                    % {"status": statement.get_status_display()}
                },
                status=status.HTTP_409_CONFLICT,
            )
        return FileResponse(
            statement.pdf.open("rb"),
            as_attachment=True,
            filename=services.statement_attachment_name(statement),
            content_type="application/pdf",
        )
