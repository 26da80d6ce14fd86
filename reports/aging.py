"""The aging report (账龄分析): open installments as of a date, in age buckets, grouped by
customer, sales rep, region, tier or currency, and the installments behind any cell.

Balances as of a past date come from the dated allocation rows
(receivables.selectors.installments_open(as_of=)), so a past date shows what was open then,
whatever was paid, credited or reversed afterwards. Amounts are converted to the base currency
at the reporting date's rate (reports.selectors explains the missing-rate rule). The buckets
(reports.selectors.AgingBucket) and the method are described in docs/aging-and-provision.md.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    DateField,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    TextChoices,
    Value,
    When,
)
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.names import person_name
from core.exceptions import ApplicationError
from core.money import DECIMAL_PLACES, MAX_DIGITS, ZERO
from customers.models import Customer
from receivables.models import Installment
from receivables.selectors import in_base_currency, installments_open
from reports.selectors import (
    AGING_DATE_FIELDS,
    DEFAULT_BUCKET_BOUNDS,
    AgingBasis,
    AgingBucket,
    aging_buckets,
)

_MONEY = DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
# Enough for any schedule a finance team uses; more would make an unreadable table.
MAX_BUCKET_BOUNDS = 12
MAX_BUCKET_DAYS = 36_500


class AgingGroup(TextChoices):
    CUSTOMER = "customer", _("Customer")
    SALES_REP = "sales_rep", _("Sales rep")
    REGION = "region", _("Region")
    TIER = "tier", _("Tier")
    CURRENCY = "currency", _("Currency")


# Per grouping: the field (a path from Installment) whose values make the groups, and the
# fields read alongside it to name each group, so that naming costs no extra query.
GROUP_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    AgingGroup.CUSTOMER: (
        "customer",
        ("customer__code", "customer__legal_name", "customer__short_name"),
    ),
    AgingGroup.SALES_REP: (
        "customer__owner",
        ("customer__owner__username", "customer__owner__first_name", "customer__owner__last_name"),
    ),
    AgingGroup.REGION: ("customer__region", ()),
    AgingGroup.TIER: ("customer__tier", ()),
    AgingGroup.CURRENCY: ("currency", ()),
}


def parse_bucket_bounds(text: str) -> tuple[int, ...]:
    """Bucket boundaries from "30,60,90": whole numbers of days, strictly ascending, each at
    least 1; blank gives the default ones. Refused with an ApplicationError on `buckets`."""
    text = text.strip()
    if not text:
        return DEFAULT_BUCKET_BOUNDS
    try:
        bounds = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ApplicationError(
            _("Give the bucket boundaries as whole numbers of days separated by commas."),
            field="buckets",
        ) from None
    if any(bound < 1 or bound > MAX_BUCKET_DAYS for bound in bounds):
        raise ApplicationError(
            _("Each boundary must be between 1 and %(max)s days.") % {"max": MAX_BUCKET_DAYS},
            field="buckets",
        )
    if any(later <= earlier for earlier, later in zip(bounds, bounds[1:], strict=False)):
        raise ApplicationError(_("The boundaries must go up from left to right."), field="buckets")
    if len(bounds) > MAX_BUCKET_BOUNDS:
        raise ApplicationError(
            _("At most %(count)s boundaries.") % {"count": MAX_BUCKET_BOUNDS}, field="buckets"
        )
    return bounds


@dataclass(frozen=True)
class AgingQuery:
    """What an aging report or drill-down shows: the reporting date, grouping, age basis,
    bucket boundaries and the filters (all optional)."""

    as_of: date
    group_by: str = AgingGroup.CUSTOMER
    basis: str = AgingBasis.DAYS_PAST_DUE
    bounds: tuple[int, ...] = DEFAULT_BUCKET_BOUNDS
    owner: object = None
    region: str = ""
    tier: str = ""
    currency: str = ""

    @property
    def buckets(self) -> tuple[AgingBucket, ...]:
        return aging_buckets(self.bounds, basis=self.basis)

    @property
    def date_field(self) -> str:
        return AGING_DATE_FIELDS[self.basis]

    @property
    def group_field(self) -> str:
        return GROUP_FIELDS[self.group_by][0]

    @property
    def group_by_label(self) -> str:
        return str(AgingGroup(self.group_by).label)

    @property
    def basis_label(self) -> str:
        return str(AgingBasis(self.basis).label)

    def bucket(self, key: str) -> AgingBucket | None:
        return next((bucket for bucket in self.buckets if bucket.key == key), None)


@dataclass
class AgingRow:
    """One group of the report: `amounts` per bucket key and `total`, in the base currency.
    Grouped by currency, also `currency_amounts` / `currency_total` in the group's currency."""

    group: object
    label: str
    amounts: dict[str, Decimal]
    total: Decimal = ZERO
    currency_amounts: dict[str, Decimal] | None = None
    currency_total: Decimal | None = None


@dataclass(frozen=True)
class AgingReport:
    query: AgingQuery
    buckets: tuple[AgingBucket, ...]
    rows: list[AgingRow]
    totals: dict[str, Decimal]
    total: Decimal
    missing_rates: tuple[str, ...] = field(default_factory=tuple)


def installments_open_in_base(*, user, query: AgingQuery) -> QuerySet[Installment]:
    """The installments `user` may see that were open on `query.as_of`, narrowed by the
    query's filters, each with `open_base` (its open amount then, in the base currency at that
    date's rate; NULL without a rate)."""
    installments = installments_open(user=user, as_of=query.as_of)
    if query.owner is not None:
        installments = installments.filter(customer__owner=query.owner)
    if query.region:
        installments = installments.filter(customer__region=query.region)
    if query.tier:
        installments = installments.filter(customer__tier=query.tier)
    if query.currency:
        installments = installments.filter(currency=query.currency)
    return installments.annotate(open_base=in_base_currency("open_as_of", "currency", query.as_of))


def _sum_where(condition: Q, amount: str) -> Sum:
    return Sum(Case(When(condition, then=F(amount)), output_field=_MONEY))


def _group_label(group_by: str, row: dict) -> str:
    value = row[GROUP_FIELDS[group_by][0]]
    if group_by == AgingGroup.CUSTOMER:
        name = row["customer__short_name"] or row["customer__legal_name"]
        return f"{row['customer__code']} {name}"
    if group_by == AgingGroup.SALES_REP:
        if value is None:
            return gettext("No sales rep")
        return person_name(
            get_user_model()(
                username=row["customer__owner__username"],
                first_name=row["customer__owner__first_name"],
                last_name=row["customer__owner__last_name"],
            )
        )
    if group_by == AgingGroup.REGION:
        return value or gettext("No region")
    if group_by == AgingGroup.TIER:
        return str(Customer.Tier(value).label)
    return value


def aging_report(*, user, query: AgingQuery) -> AgingReport:
    """The aging report of what `user` may see, as `query` asks: one row per group with the
    open amount per bucket and in total, in the base currency, largest total first. One
    aggregate query (grouped by group and currency, so that currencies without a rate on the
    date can be named); the buckets partition each group's open amount."""
    buckets = query.buckets
    group_field, label_fields = GROUP_FIELDS[query.group_by]
    in_currency = query.group_by == AgingGroup.CURRENCY
    sums = {
        "total": Sum("open_base"),
        **{
            bucket.key: _sum_where(bucket.condition(query.as_of, query.date_field), "open_base")
            for bucket in buckets
        },
    }
    if in_currency:
        sums["total_in_currency"] = Sum("open_as_of")
        sums.update(
            {
                f"{bucket.key}_in_currency": _sum_where(
                    bucket.condition(query.as_of, query.date_field), "open_as_of"
                )
                for bucket in buckets
            }
        )
    grouped = (
        installments_open_in_base(user=user, query=query)
        .values("currency", group_field, *label_fields)
        .annotate(**sums)
        .order_by()
    )
    rows: dict[object, AgingRow] = {}
    missing_rates = set()
    for entry in grouped:
        if entry["total"] is None:
            # Within a currency every installment has the same rate: NULL means no rate at all.
            missing_rates.add(entry["currency"])
            continue
        group = entry[group_field]
        row = rows.setdefault(
            group,
            AgingRow(
                group=group,
                label=_group_label(query.group_by, entry),
                amounts={bucket.key: ZERO for bucket in buckets},
            ),
        )
        for bucket in buckets:
            row.amounts[bucket.key] += entry[bucket.key] or ZERO
        row.total += entry["total"]
        if in_currency:
            row.currency_amounts = {
                bucket.key: entry[f"{bucket.key}_in_currency"] or ZERO for bucket in buckets
            }
            row.currency_total = entry["total_in_currency"]
    ordered = sorted(rows.values(), key=lambda row: (-row.total, row.label))
    totals = {
        bucket.key: sum((row.amounts[bucket.key] for row in ordered), ZERO) for bucket in buckets
    }
    return AgingReport(
        query=query,
        buckets=buckets,
        rows=ordered,
        totals=totals,
        total=sum((row.total for row in ordered), ZERO),
        missing_rates=tuple(sorted(missing_rates)),
    )


# A drill-down's `group` parameter for the groups whose value is empty (no sales rep, no region).
EMPTY_GROUP = ""


def parse_group(group_by: str, raw: str):
    """The group value a drill-down link carries (as text) as the report's group key; refused
    with an ApplicationError on `group` when it cannot be one."""
    if group_by in (AgingGroup.CUSTOMER, AgingGroup.SALES_REP):
        if group_by == AgingGroup.SALES_REP and raw == EMPTY_GROUP:
            return None
        try:
            return int(raw)
        except ValueError:
            raise ApplicationError(_("Not a valid group."), field="group") from None
    return raw


def aging_installments(
    *, user, query: AgingQuery, group=None, in_group: bool = False, bucket_key: str = ""
) -> QuerySet[Installment]:
    """The installments behind a cell of the report: open on `query.as_of` under its filters,
    in group `group` (when `in_group`; None is the empty group) and bucket `bucket_key` (when
    given), oldest first. Each has `open_as_of`, `open_base` and `age` (a duration: as_of -
    the basis date), with its invoice, customer and sales rep joined."""
    installments = installments_open_in_base(user=user, query=query)
    if in_group:
        group_field = query.group_field
        if group is None:
            installments = installments.filter(**{f"{group_field}__isnull": True})
        else:
            installments = installments.filter(**{group_field: group})
    if bucket_key:
        bucket = query.bucket(bucket_key)
        if bucket is None:
            raise ApplicationError(_("Not one of the report's buckets."), field="bucket")
        installments = installments.filter(bucket.condition(query.as_of, query.date_field))
    return (
        installments.annotate(
            age=ExpressionWrapper(
                Value(query.as_of, output_field=DateField()) - F(query.date_field),
                output_field=DurationField(),
            )
        )
        .select_related("invoice", "customer", "customer__owner")
        .order_by(query.date_field, "pk")
    )


def bucket_of(buckets: Sequence[AgingBucket], days: int) -> AgingBucket:
    """The bucket an age of `days` falls in (the buckets partition every age)."""
    return next(bucket for bucket in buckets if bucket.contains(days))
