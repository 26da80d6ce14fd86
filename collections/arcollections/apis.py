"""REST endpoints of collections: dunning policies (steps, templates), the worklist, activities,
promises to pay, disputes, dunning messages and late-interest fee invoices. Parse input, call one
service or selector, shape the output. Every list is scoped by role (a sales rep: own customers;
another rep's row is a 404) and costs a fixed number of queries."""

from django.db.models import Prefetch
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.roles import Capability
from arcollections.models import (
    Activity,
    DunningMessage,
    DunningPolicy,
    DunningStep,
    DunningTemplate,
    PromiseToPay,
)
from arcollections.selectors.activities import (
    COLLECT_CAPABILITY,
    activities_visible_to,
    promises_visible_to,
)
from arcollections.selectors.disputes import (
    OWNER_NOBODY,
    disputes_visible_to,
    with_dispute_timing,
)
from arcollections.selectors.policies import MANAGE_DUNNING, dunning_messages_for_list
from arcollections.selectors.worklist import with_next_steps, worklist
from arcollections.serializers import (
    ActivityCreateSerializer,
    ActivitySerializer,
    DisputeAssignSerializer,
    DisputeCreateSerializer,
    DisputeResolveSerializer,
    DisputeSerializer,
    DunningMessageSerializer,
    DunningPolicySerializer,
    DunningStepSerializer,
    DunningStepUpdateSerializer,
    DunningTemplateSerializer,
    FeeInvoiceRequestSerializer,
    PromiseCancelSerializer,
    PromiseCreateSerializer,
    PromiseSerializer,
    WorklistRowSerializer,
)
from arcollections.services import policies as policy_services
from arcollections.services.activities import PromiseTerms, activity_log
from arcollections.services.fees import fee_invoice_create
from arcollections.services.promises import promise_cancel, promise_create
from core.history import HistoryMixin
from receivables import services as ledger_services
from receivables.models import Dispute, Installment
from receivables.selectors import invoices_visible_to
from receivables.serializers import InvoiceSerializer
from receivables.services import DISPUTE_CAPABILITIES


def _validated(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, context={"request": request}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- dunning policies, steps, templates --------------------------------------------------------

_POLICY_FIELDS = ("code", "name", "description", "is_default", "for_tiers", "for_ratings")
_STEP_FIELDS = (
    "name",
    "offset_days",
    "channel",
    "attachment",
    "requires_approval",
    "escalates_to_legal",
)


class DunningPolicyViewSet(HistoryMixin, viewsets.ModelViewSet):
    """Dunning policies with their steps and each step's templates. Every role reads them
    (configuration, not customer data); Finance and Admin change them."""

    serializer_class = DunningPolicySerializer
    write_capability = MANAGE_DUNNING
    filterset_fields = ("is_active", "is_default")
    search_fields = ("code", "name")
    ordering_fields = ("code", "name")
    ordering = ("code",)
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        steps = DunningStep.objects.order_by("offset_days", "pk").prefetch_related(
            Prefetch("templates", queryset=DunningTemplate.objects.order_by("language"))
        )
        return DunningPolicy.objects.prefetch_related(Prefetch("steps", queryset=steps))

    def perform_create(self, serializer):
        serializer.instance = policy_services.policy_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        policy = serializer.instance
        current = {name: getattr(policy, name) for name in (*_POLICY_FIELDS, "is_active")}
        serializer.instance = policy_services.policy_update(
            actor=self.request.user, policy=policy, **{**current, **serializer.validated_data}
        )


class DunningStepViewSet(HistoryMixin, viewsets.ModelViewSet):
    """Steps of the policies (a step already sent to customers cannot be deleted)."""

    serializer_class = DunningStepSerializer
    write_capability = MANAGE_DUNNING
    filterset_fields = ("policy", "channel")
    ordering_fields = ("offset_days",)
    ordering = ("policy_id", "offset_days", "id")

    def get_queryset(self):
        return DunningStep.objects.prefetch_related(
            Prefetch("templates", queryset=DunningTemplate.objects.order_by("language"))
        )

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return DunningStepUpdateSerializer
        return DunningStepSerializer

    def perform_create(self, serializer):
        serializer.instance = policy_services.step_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        step = serializer.instance
        current = {name: getattr(step, name) for name in _STEP_FIELDS}
        serializer.instance = policy_services.step_update(
            actor=self.request.user, step=step, **{**current, **serializer.validated_data}
        )

    def perform_destroy(self, instance):
        policy_services.step_delete(actor=self.request.user, step=instance)


class DunningTemplateViewSet(HistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """A step's wording per language. POST saves it (creates it, or replaces the step's
    template in that language); a template that does not compile is a 400 naming the field."""

    serializer_class = DunningTemplateSerializer
    write_capability = MANAGE_DUNNING
    filterset_fields = ("step", "language")
    ordering = ("step_id", "language")

    def get_queryset(self):
        return DunningTemplate.objects.all()

    def create(self, request, *args, **kwargs):
        data = _validated(DunningTemplateSerializer, request)
        existed = DunningTemplate.objects.filter(
            step=data["step"], language=data["language"]
        ).exists()
        template = policy_services.template_save(actor=request.user, **data)
        return Response(
            DunningTemplateSerializer(template).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


# --- worklist ----------------------------------------------------------------------------------


class WorklistViewSet(viewsets.GenericViewSet):
    """The customers needing action today, riskiest first (a sales rep: own customers)."""

    serializer_class = WorklistRowSerializer
    filter_backends = []

    def get_queryset(self):
        mine = self.request.query_params.get("mine") in ("1", "true")
        return worklist(user=self.request.user, on_date=timezone.localdate(), mine=mine)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "mine", OpenApiTypes.BOOL, description="Only customers I own or hold a task for"
            )
        ]
    )
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        rows = with_next_steps(list(page), on_date=timezone.localdate())
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


# --- activities and promises -------------------------------------------------------------------


class ActivityFilter(filters.FilterSet):
    occurred_from = filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte")
    occurred_to = filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte")

    class Meta:
        model = Activity
        fields = ("customer", "kind", "outcome", "performed_by")


class ActivityViewSet(HistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The collectors' activity log (calls, e-mails, visits, notes), newest first."""

    serializer_class = ActivitySerializer
    write_capability = COLLECT_CAPABILITY
    filterset_class = ActivityFilter
    search_fields = ("note", "customer__code")
    ordering_fields = ("occurred_at",)
    ordering = ("-occurred_at", "-id")

    def get_queryset(self):
        return (
            activities_visible_to(self.request.user)
            .select_related("customer")
            .prefetch_related(Prefetch("promises", queryset=PromiseToPay.objects.only("pk")))
        )

    @extend_schema(request=ActivityCreateSerializer, responses={201: ActivitySerializer})
    def create(self, request, *args, **kwargs):
        data = dict(_validated(ActivityCreateSerializer, request))
        promise = data.pop("promise", None)
        if promise is not None:
            promise = PromiseTerms(
                amount=promise["amount"],
                currency=promise["currency"],
                promised_date=promise["promised_date"],
                installments=tuple(promise.get("installments", ())),
                note=promise.get("note", ""),
            )
        activity = activity_log(actor=request.user, promise=promise, **data)
        return Response(
            ActivitySerializer(self.get_queryset().get(pk=activity.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class PromiseViewSet(HistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Promises to pay; kept or broken is decided from payments by the daily check."""

    serializer_class = PromiseSerializer
    write_capability = COLLECT_CAPABILITY
    filterset_fields = ("customer", "status", "currency")
    ordering_fields = ("promised_date", "created_at", "amount")
    ordering = ("promised_date", "id")

    def get_queryset(self):
        return (
            promises_visible_to(self.request.user)
            .select_related("customer")
            .prefetch_related(Prefetch("installments", queryset=Installment.objects.only("pk")))
        )

    def _shown(self, promise, http_status=status.HTTP_200_OK):
        return Response(
            PromiseSerializer(self.get_queryset().get(pk=promise.pk)).data, status=http_status
        )

    @extend_schema(request=PromiseCreateSerializer, responses={201: PromiseSerializer})
    def create(self, request, *args, **kwargs):
        data = _validated(PromiseCreateSerializer, request)
        promise = promise_create(actor=request.user, **data)
        return self._shown(promise, status.HTTP_201_CREATED)

    @extend_schema(request=PromiseCancelSerializer, responses=PromiseSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = _validated(PromiseCancelSerializer, request)
        promise = promise_cancel(
            actor=request.user, promise=self.get_object(), reason=data.get("reason", "")
        )
        return self._shown(promise)


# --- disputes ----------------------------------------------------------------------------------


class DisputeFilter(filters.FilterSet):
    owner = filters.CharFilter(
        method="filter_owner", help_text="A user id, or “none” for disputes nobody owns."
    )
    opened_from = filters.DateFilter(field_name="opened_on", lookup_expr="gte")
    opened_to = filters.DateFilter(field_name="opened_on", lookup_expr="lte")

    class Meta:
        model = Dispute
        fields = ("customer", "status", "reason", "source", "currency")

    def filter_owner(self, queryset, name, value):
        if value == OWNER_NOBODY:
            return queryset.filter(owner__isnull=True)
        if value.isdigit():
            return queryset.filter(owner_id=int(value))
        return queryset.none()


class DisputeViewSet(HistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Disputes (争议): opened on installments with a reason and an owner; while open the
    contested invoices get no reminders. Resolving may issue credit notes in the same step."""

    serializer_class = DisputeSerializer
    capability_by_action = {
        "create": DISPUTE_CAPABILITIES,
        "assign": DISPUTE_CAPABILITIES,
        "resolve": Capability.MANAGE_LEDGER,
    }
    filterset_class = DisputeFilter
    search_fields = ("description", "customer__code")
    ordering_fields = ("opened_on", "age_days", "contested_open_amount")
    ordering = ("-opened_on", "-id")

    def get_queryset(self):
        return (
            with_dispute_timing(
                disputes_visible_to(self.request.user), on_date=timezone.localdate()
            )
            .select_related("customer")
            .prefetch_related(Prefetch("installments", queryset=Installment.objects.only("pk")))
        )

    def _shown(self, dispute, http_status=status.HTTP_200_OK):
        return Response(
            DisputeSerializer(self.get_queryset().get(pk=dispute.pk)).data, status=http_status
        )

    @extend_schema(request=DisputeCreateSerializer, responses={201: DisputeSerializer})
    def create(self, request, *args, **kwargs):
        data = _validated(DisputeCreateSerializer, request)
        dispute = ledger_services.dispute_open(actor=request.user, **data)
        return self._shown(dispute, status.HTTP_201_CREATED)

    @extend_schema(request=DisputeAssignSerializer, responses=DisputeSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        data = _validated(DisputeAssignSerializer, request)
        dispute = ledger_services.dispute_assign(
            actor=request.user, dispute=self.get_object(), owner=data["owner"]
        )
        return self._shown(dispute)

    @extend_schema(request=DisputeResolveSerializer, responses=DisputeSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        data = _validated(DisputeResolveSerializer, request)
        dispute = ledger_services.dispute_resolve(
            actor=request.user,
            dispute=self.get_object(),
            resolution_kind=data["resolution_kind"],
            resolution=data["resolution"],
            credit_notes=[(row["invoice"], row["amount"]) for row in data.get("credit_notes", [])],
            credit_note_date=data.get("credit_note_date"),
        )
        return self._shown(dispute)


# --- dunning messages and fee invoices ---------------------------------------------------------


class DunningMessageFilter(filters.FilterSet):
    run_from = filters.DateFilter(field_name="run_date", lookup_expr="gte")
    run_to = filters.DateFilter(field_name="run_date", lookup_expr="lte")

    class Meta:
        model = DunningMessage
        fields = ("customer", "status", "channel", "run_date", "assigned_to")


class DunningMessageViewSet(viewsets.ReadOnlyModelViewSet):
    """What the dunning runs sent or left to do (e-mails, letters, call and visit tasks)."""

    serializer_class = DunningMessageSerializer
    filterset_class = DunningMessageFilter
    search_fields = ("subject", "customer__code")
    ordering_fields = ("run_date", "sent_at")
    ordering = ("-run_date", "customer_id", "id")

    def get_queryset(self):
        return dunning_messages_for_list(user=self.request.user)


class FeeInvoiceViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Raise a DRAFT invoice charging late interest not invoiced before (Finance); issue it
    with POST /invoices/{id}/issue/ after review."""

    serializer_class = FeeInvoiceRequestSerializer
    write_capability = Capability.MANAGE_LEDGER

    def get_queryset(self):
        return invoices_visible_to(self.request.user)

    @extend_schema(request=FeeInvoiceRequestSerializer, responses={201: InvoiceSerializer})
    def create(self, request, *args, **kwargs):
        data = _validated(FeeInvoiceRequestSerializer, request)
        installments = data.get("installments")
        invoice = fee_invoice_create(
            actor=request.user,
            customer=data["customer"],
            as_of=data["as_of"],
            currency=data["currency"],
            installment_ids=None if installments is None else [i.pk for i in installments],
        )
        invoice = self.get_queryset().prefetch_related("lines", "installments").get(pk=invoice.pk)
        return Response(InvoiceSerializer(invoice).data, status=status.HTTP_201_CREATED)
