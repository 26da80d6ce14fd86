"""Reads of the bad-debt provision (坏账准备) as of a date; the method and a worked example are in
docs/aging-and-provision.md.

General provision: each customer's open installments on the date (from the dated allocation
rows, in the base currency at the date's rate) are aged by days past due and provided for at
their ProvisionBracket's percentage; amounts not yet due count as 0 days past due. Per bracket,
provision = balance × percent ÷ 100, rounded half up to the cent.

Specific provision: a customer with a SpecificProvision in force on the date is taken out of the
brackets altogether; their whole open balance is provided for at the specific percentage (same
rounding), or at the specific amount, capped at that balance.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, DecimalField, F, Q, QuerySet, Sum, When

from core.money import DECIMAL_PLACES, MAX_DIGITS, ZERO
from customers.selectors import scope_to_user
from reports.aging import AgingQuery, installments_open_in_base
from reports.models import ProvisionBracket, SpecificProvision
from reports.selectors import AgingBucket

_MONEY = DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
CENT = Decimal("0.01")


def provision_at(balance: Decimal, percent: Decimal) -> Decimal:
    """`percent` of `balance`, rounded half up to the cent."""
    return (balance * percent / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)


def provision_brackets() -> list[ProvisionBracket]:
    return list(ProvisionBracket.objects.order_by("from_days"))


def specific_provisions_visible_to(user) -> QuerySet[SpecificProvision]:
    return scope_to_user(SpecificProvision.objects.all(), user)


def specific_provisions_in_force(*, user, on_date: date) -> QuerySet[SpecificProvision]:
    """The specific provisions in force on `on_date` for customers `user` may see: effective on
    or before it and not ended by then (`ended_on` is the first day without it)."""
    return (
        specific_provisions_visible_to(user)
        .filter(effective_on__lte=on_date)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on_date))
        .select_related("customer")
        .order_by("customer__code")
    )


def specific_provisions_not_in_force(*, user, on_date: date) -> QuerySet[SpecificProvision]:
    """The specific provisions `user` may see that are not in force on `on_date` (ended by
    then, or effective only later), latest first."""
    return (
        specific_provisions_visible_to(user)
        .filter(Q(effective_on__gt=on_date) | Q(ended_on__lte=on_date))
        .select_related("customer")
        .order_by("-effective_on", "-pk")
    )


def bracket_ranges(brackets: list[ProvisionBracket]) -> list[tuple[ProvisionBracket, AgingBucket]]:
    """Each bracket with the days-past-due range it covers: from its `from_days` (the first
    bracket starting at 0 also takes what is not yet due) to the day before the next one's."""
    ranges = []
    for index, bracket in enumerate(brackets):
        following = brackets[index + 1] if index + 1 < len(brackets) else None
        ranges.append(
            (
                bracket,
                AgingBucket(
                    None if bracket.from_days == 0 else bracket.from_days,
                    None if following is None else following.from_days - 1,
                ),
            )
        )
    return ranges


@dataclass(frozen=True)
class BracketLine:
    bracket: ProvisionBracket
    days: AgingBucket
    balance: Decimal
    provision: Decimal

    @property
    def label(self) -> str:
        if self.days.min_days is None and self.days.max_days is not None:
            return AgingBucket(0, self.days.max_days).label
        return self.days.label


@dataclass(frozen=True)
class SpecificLine:
    specific: SpecificProvision
    balance: Decimal
    provision: Decimal


@dataclass(frozen=True)
class ProvisionReport:
    as_of: date
    brackets: list[BracketLine]
    # Open amounts younger than the first bracket when no bracket starts at 0: no provision.
    uncovered_balance: Decimal
    specific: list[SpecificLine]
    missing_rates: tuple[str, ...] = field(default_factory=tuple)

    @property
    def general_balance(self) -> Decimal:
        return sum((line.balance for line in self.brackets), ZERO) + self.uncovered_balance

    @property
    def general_provision(self) -> Decimal:
        return sum((line.provision for line in self.brackets), ZERO)

    @property
    def specific_balance(self) -> Decimal:
        return sum((line.balance for line in self.specific), ZERO)

    @property
    def specific_provision(self) -> Decimal:
        return sum((line.provision for line in self.specific), ZERO)

    @property
    def total_balance(self) -> Decimal:
        return self.general_balance + self.specific_balance

    @property
    def total_provision(self) -> Decimal:
        return self.general_provision + self.specific_provision


def _sum_where(condition: Q) -> Sum:
    return Sum(Case(When(condition, then=F("open_base")), output_field=_MONEY))


def _specific_amount(specific: SpecificProvision, balance: Decimal) -> Decimal:
    if specific.percent is not None:
        return provision_at(balance, specific.percent)
    return min(specific.amount, balance)


def provision_report(*, user, as_of: date) -> ProvisionReport:
    """The bad-debt provision on `as_of` over the customers `user` may see, in the base
    currency: per bracket (customers without a specific provision) and per customer with one.
    Four queries whatever the data size: brackets, specific provisions, and one aggregate each
    for the general and the specific balances."""
    ranges = bracket_ranges(provision_brackets())
    in_force = specific_provisions_in_force(user=user, on_date=as_of)
    specifics = list(in_force)
    # As a subquery rather than a list of ids: the same queries run with or without any.
    specific_customers = in_force.values("customer")
    installments = installments_open_in_base(user=user, query=AgingQuery(as_of=as_of))
    uncovered = (
        AgingBucket(None, ranges[0][0].from_days - 1)
        if ranges and ranges[0][0].from_days > 0
        else None
    )
    sums = {
        "total": Sum("open_base"),
        **{f"bracket_{b.pk}": _sum_where(days.condition(as_of)) for b, days in ranges},
    }
    if uncovered is not None:
        sums["uncovered"] = _sum_where(uncovered.condition(as_of))
    elif not ranges:
        sums["uncovered"] = Sum("open_base")
    general_rows = list(
        installments.exclude(customer__in=specific_customers)
        .values("currency")
        .annotate(**sums)
        .order_by("currency")
    )
    specific_rows = list(
        installments.filter(customer__in=specific_customers)
        .values("customer", "currency")
        .annotate(total=Sum("open_base"))
        .order_by()
    )
    missing_rates = {
        row["currency"] for row in [*general_rows, *specific_rows] if row["total"] is None
    }

    def general_sum(key: str) -> Decimal:
        return sum((row[key] or ZERO for row in general_rows if row["total"] is not None), ZERO)

    specific_balances: dict[int, Decimal] = {}
    for row in specific_rows:
        if row["total"] is not None:
            specific_balances[row["customer"]] = (
                specific_balances.get(row["customer"], ZERO) + row["total"]
            )
    brackets = []
    for bracket, days in ranges:
        balance = general_sum(f"bracket_{bracket.pk}")
        brackets.append(
            BracketLine(
                bracket=bracket,
                days=days,
                balance=balance,
                provision=provision_at(balance, bracket.percent),
            )
        )
    specific_lines = []
    for specific in specifics:
        balance = specific_balances.get(specific.customer_id, ZERO)
        specific_lines.append(
            SpecificLine(
                specific=specific, balance=balance, provision=_specific_amount(specific, balance)
            )
        )
    return ProvisionReport(
        as_of=as_of,
        brackets=brackets,
        uncovered_balance=general_sum("uncovered") if "uncovered" in sums else ZERO,
        specific=specific_lines,
        missing_rates=tuple(sorted(missing_rates)),
    )
