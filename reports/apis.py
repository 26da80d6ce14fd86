"""REST endpoints of the reports: parse the query string, call one selector, shape the output.
Each area keeps its own section."""

from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import RolePermission
from reports.aging import EMPTY_GROUP, AgingGroup, aging_report
from reports.forms import AgingFilterForm
from reports.selectors import AgingBasis

# --- aging ---

_AMOUNT = {"max_digits": 20, "decimal_places": 2}


class AgingBucketOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    min_days = serializers.IntegerField(allow_null=True)
    max_days = serializers.IntegerField(allow_null=True)


class AgingRowOutput(serializers.Serializer):
    group = serializers.CharField(
        help_text="The group's value as the drill-down's `group` parameter takes it: a customer "
        "or user id, a region, tier or currency code; empty for no sales rep / no region."
    )
    label = serializers.CharField()
    amounts = serializers.DictField(child=serializers.DecimalField(**_AMOUNT))
    total = serializers.DecimalField(**_AMOUNT)
    currency_amounts = serializers.DictField(
        child=serializers.DecimalField(**_AMOUNT),
        allow_null=True,
        help_text="Grouped by currency only: the amounts in the group's own currency.",
    )
    currency_total = serializers.DecimalField(**_AMOUNT, allow_null=True)

    def to_representation(self, row):
        data = super().to_representation(row)
        data["group"] = EMPTY_GROUP if row.group is None else str(row.group)
        return data


class AgingReportOutput(serializers.Serializer):
    as_of = serializers.DateField(source="query.as_of")
    group_by = serializers.CharField(source="query.group_by")
    basis = serializers.CharField(source="query.basis")
    base_currency = serializers.SerializerMethodField()
    buckets = AgingBucketOutput(many=True)
    rows = AgingRowOutput(many=True)
    totals = serializers.DictField(child=serializers.DecimalField(**_AMOUNT))
    total = serializers.DecimalField(**_AMOUNT)
    missing_rates = serializers.ListField(
        child=serializers.CharField(),
        help_text="Currencies without an exchange rate on the date, left out of every amount.",
    )

    def get_base_currency(self, report) -> str:
        return settings.BASE_CURRENCY


class AgingReportApi(APIView):
    """The aging report (账龄分析) as of a date, scoped to the customers the caller may see."""

    permission_classes = [RolePermission]

    @extend_schema(
        parameters=[
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="Default: today."),
            OpenApiParameter(
                "group_by", str, enum=AgingGroup.values, description="Default: customer."
            ),
            OpenApiParameter(
                "basis", str, enum=AgingBasis.values, description="Default: past_due."
            ),
            OpenApiParameter(
                "buckets",
                str,
                description="Ascending upper bounds in days, e.g. 30,60,90. "
                "Default: 30,60,90,180,365.",
            ),
            OpenApiParameter("owner", int, description="Only this sales rep's customers."),
            OpenApiParameter("region", str),
            OpenApiParameter("tier", str),
            OpenApiParameter("currency", str),
        ],
        responses=AgingReportOutput,
    )
    def get(self, request):
        form = AgingFilterForm(request.query_params, user=request.user, today=timezone.localdate())
        if not form.is_valid():
            return Response(
                {field: list(errors) for field, errors in form.errors.items()},
                status=status.HTTP_400_BAD_REQUEST,
            )
        report = aging_report(user=request.user, query=form.aging_query())
        return Response(AgingReportOutput(report).data)
