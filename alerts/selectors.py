"""Reads of early warning: the alerts a user may see (scoped through the customers they may
see), the nav badge's count, who an alert may be assigned to, and the measurements the rules
compare with their thresholds (docs/early-warning.md gives the formulas)."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from accounts.roles import (
    ROLE_CAPABILITIES,
    ROLES_SEEING_ALL_CUSTOMERS,
    Capability,
    Role,
    has_capability,
)
from alerts.models import RATING_GRADES_BEST_FIRST, Alert, AlertRule
from arcollections.models import PromiseToPay
from core.db import DaysBetween
from core.money import DECIMAL_PLACES, MAX_DIGITS, ZERO
from customers.models import Customer
from customers.selectors import scope_to_user
from receivables.limitation import limitation_expires_on
from receivables.models import Allocation, Installment
from receivables.selectors import in_base_currency

_MONEY = DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
_CENT = Decimal("0.01")
# Payment behaviour compares the last PAYMENT_WINDOW_DAYS days (the evaluation date included)
# with the PAYMENT_WINDOW_DAYS days before them.
PAYMENT_WINDOW_DAYS = 90

SEVERITY_RANK = Case(
    When(rule__severity=AlertRule.Severity.CRITICAL, then=Value(3)),
    When(rule__severity=AlertRule.Severity.WARNING, then=Value(2)),
    default=Value(1),
    output_field=IntegerField(),
)


# --- alerts for people ------------------------------------------------------------------------


def alerts_visible_to(user) -> QuerySet[Alert]:
    """Alerts on the customers `user` may see (a sales rep: their own customers')."""
    return scope_to_user(Alert.objects.all(), user)


def open_alerts_count(user) -> int:
    """How many alerts `user` may see are open (raised and not yet acknowledged): the nav
    badge. Acknowledged alerts stay live but no longer ask for attention."""
    if not has_capability(user, Capability.VIEW):
        return 0
    return alerts_visible_to(user).filter(status=Alert.Status.OPEN).count()


# The list's status filter: live alerts unless asked otherwise.
STATUS_LIVE = "live"
STATUS_ANY = "any"


def alerts_for_list(
    *,
    user,
    status: str = STATUS_LIVE,
    rule: AlertRule | None = None,
    severity: str = "",
    owner=None,
    assigned_to=None,
) -> QuerySet[Alert]:
    """The alerts `user` may see with their customer, sales rep, rule and people joined and a
    `severity_rank` to sort by (critical 3, warning 2, info 1). `status`: one of Alert.Status,
    STATUS_LIVE (open or acknowledged) or STATUS_ANY; `owner`: the customer's sales rep."""
    alerts = (
        alerts_visible_to(user)
        .select_related("customer", "customer__owner", "rule", "assigned_to", "acknowledged_by")
        .annotate(severity_rank=SEVERITY_RANK)
    )
    if status == STATUS_LIVE:
        alerts = alerts.filter(status__in=Alert.LIVE_STATUSES)
    elif status != STATUS_ANY:
        alerts = alerts.filter(status=status)
    if rule is not None:
        alerts = alerts.filter(rule=rule)
    if severity:
        alerts = alerts.filter(rule__severity=severity)
    if owner is not None:
        alerts = alerts.filter(customer__owner=owner)
    if assigned_to is not None:
        alerts = alerts.filter(assigned_to=assigned_to)
    return alerts


def _alert_handling_roles_seeing_everyone() -> list[str]:
    return [
        role.value
        for role in ROLES_SEEING_ALL_CUSTOMERS
        if Capability.HANDLE_ALERTS in ROLE_CAPABILITIES[role]
    ]


def users_assignable(*, customer: Customer) -> QuerySet:
    """Active users who may see `customer` and handle its alerts: Finance, Managers, Admins
    (and superusers), and the customer's own sales rep. Auditors see it but may not act."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(groups__name__in=_alert_handling_roles_seeing_everyone())
            | Q(is_superuser=True)
            | Q(pk=customer.owner_id, groups__name=Role.SALES.value)
        )
        .distinct()
        .order_by("username")
    )


def alert_recipients_in_finance() -> list:
    """Active Finance users with an e-mail address: told of every new alert."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.FINANCE.value)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


# --- measurements -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    """One rule kind's measure for one customer. `value` None: it cannot be measured now (an
    amount in a currency with no exchange rate on the evaluation date), so the customer's
    alerts of that kind are left as they are. `message`: the facts behind the value."""

    value: Decimal | None
    message: str = ""


def _quantized(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _in(queryset: QuerySet, customer_ids, field: str = "customer_id") -> QuerySet:
    return queryset if customer_ids is None else queryset.filter(**{f"{field}__in": customer_ids})


def open_balances_by_customer(*, on_date: date, customer_ids=None) -> dict[int, dict]:
    """Per customer with something open: `open_base` and `overdue_base` (due before `on_date`)
    in the base currency at `on_date`'s rate, `oldest_overdue_due` (the earliest due date of an
    overdue open item), and `unconverted_open` / `unconverted_overdue`: how many of those items
    are in a currency with no rate then (left out of the sums), and `earliest_limitation_start`:
    the earliest day an open item's limitation period runs from (the later of its due date and
    its last acknowledgement). One aggregate query."""
    overdue = Q(due_date__lt=on_date)
    rows = (
        _in(Installment.objects.filter(open_amount__gt=0), customer_ids)
        .annotate(item_base=in_base_currency("open_amount", "currency", on_date))
        .values("customer_id")
        .annotate(
            open_base=Coalesce(Sum("item_base"), ZERO),
            overdue_base=Coalesce(Sum("item_base", filter=overdue), ZERO),
            oldest_overdue_due=Min("due_date", filter=overdue),
            unconverted_open=Count("pk", filter=Q(item_base__isnull=True)),
            unconverted_overdue=Count("pk", filter=Q(item_base__isnull=True) & overdue),
            earliest_limitation_start=Min(
                Greatest(F("due_date"), Coalesce(F("limitation_restarted_on"), F("due_date")))
            ),
        )
        .order_by()
    )
    return {row["customer_id"]: row for row in rows}


def customers_for_evaluation(*, on_date: date, customer_ids=None) -> dict[int, dict]:
    """Every customer (or those of `customer_ids`) with `credit_limit`, `credit_limit_base`
    (at `on_date`'s rate; None without one), `credit_rating` and `previous_rating`: the value
    credit_rating had before its latest change, read from the customer's history (None if it
    never changed). One query."""
    history = Customer.history.model.objects
    previous_rating = (
        history.filter(id=OuterRef("pk"))
        .exclude(credit_rating=OuterRef("credit_rating"))
        .order_by("-history_date", "-history_id")
        .values("credit_rating")[:1]
    )
    rows = (
        _in(Customer.objects.all(), customer_ids, "pk")
        .annotate(
            credit_limit_base=in_base_currency("credit_limit", "currency", on_date),
            previous_rating=Subquery(previous_rating),
        )
        .values("pk", "credit_limit", "credit_limit_base", "credit_rating", "previous_rating")
        .order_by()
    )
    return {row["pk"]: row for row in rows}


def days_late_by_customer(*, on_date: date, customer_ids=None) -> dict[int, dict]:
    """Per customer, the payment-weighted days late of installments settled in the recent
    window (the PAYMENT_WINDOW_DAYS days ending on `on_date`) and in the earlier window (the
    PAYMENT_WINDOW_DAYS days before it): `recent_weighted` / `recent_weight` and
    `earlier_weighted` / `earlier_weight`, where an installment weighs what payments settled of
    it (net of undone allocations, base currency at `on_date`'s rate; credit notes and
    write-offs weigh nothing) and counts max(0, settled_on - due_date) days. One query."""
    recent_from = on_date - timedelta(days=PAYMENT_WINDOW_DAYS - 1)
    earlier_from = recent_from - timedelta(days=PAYMENT_WINDOW_DAYS)
    paid = (
        Allocation.objects.filter(installment=OuterRef("pk"), kind=Allocation.Kind.PAYMENT)
        .values("installment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    recent = Q(settled_on__gte=recent_from)
    earlier = Q(settled_on__lt=recent_from)
    rows = (
        _in(Installment.objects.filter(settled_on__range=(earlier_from, on_date)), customer_ids)
        .annotate(
            paid=Coalesce(Subquery(paid, output_field=_MONEY), Value(ZERO)),
            days_late=Greatest(DaysBetween("settled_on", "due_date"), Value(0)),
        )
        .annotate(paid_base=in_base_currency("paid", "currency", on_date))
        .filter(paid_base__gt=0)
        .annotate(
            weighted_days=ExpressionWrapper(F("paid_base") * F("days_late"), output_field=_MONEY)
        )
        .values("customer_id")
        .annotate(
            recent_weighted=Sum("weighted_days", filter=recent),
            recent_weight=Sum("paid_base", filter=recent),
            earlier_weighted=Sum("weighted_days", filter=earlier),
            earlier_weight=Sum("paid_base", filter=earlier),
        )
        .order_by()
    )
    return {row["customer_id"]: row for row in rows}


def promise_outcomes_by_customer(*, on_date: date, customer_ids=None) -> dict[int, dict]:
    """Per customer with a promise to pay broken by `on_date`: `latest_broken`, the day its
    latest broken promise was found broken, and `latest_kept`, the day its latest kept promise
    was kept (None if none), both on or before `on_date`. One aggregate query."""
    Status = PromiseToPay.Status
    rows = (
        _in(
            PromiseToPay.objects.filter(
                status__in=[Status.BROKEN, Status.KEPT], settled_on__lte=on_date
            ),
            customer_ids,
        )
        .values("customer_id")
        .annotate(
            latest_broken=Max("settled_on", filter=Q(status=Status.BROKEN)),
            latest_kept=Max("settled_on", filter=Q(status=Status.KEPT)),
        )
        .filter(latest_broken__isnull=False)
        .order_by()
    )
    return {row["customer_id"]: row for row in rows}


def _money_text(amount: Decimal) -> str:
    return f"{settings.BASE_CURRENCY} {amount:,.2f}"


def measure_overdue_days(balances: dict, on_date: date) -> dict[int, Measurement]:
    """Days past due of each customer's oldest overdue open item: `on_date` - its due date."""
    return {
        customer_id: Measurement(
            Decimal((on_date - row["oldest_overdue_due"]).days),
            row["oldest_overdue_due"].isoformat(),
        )
        for customer_id, row in balances.items()
        if row["oldest_overdue_due"] is not None
    }


def measure_overdue_amount(balances: dict) -> dict[int, Measurement]:
    """What each customer owes past due, in the base currency."""
    return {
        customer_id: Measurement(None if row["unconverted_overdue"] else row["overdue_base"])
        for customer_id, row in balances.items()
        if row["oldest_overdue_due"] is not None
    }


def measure_credit_utilisation(balances: dict, customers: dict) -> dict[int, Measurement]:
    """Open ÷ credit limit × 100 (both in the base currency), to two decimals, half up. A
    customer without a credit limit (0) has no utilisation."""
    measured = {}
    for customer_id, customer in customers.items():
        if not customer["credit_limit"]:
            continue
        balance = balances.get(customer_id)
        open_base = balance["open_base"] if balance else ZERO
        limit_base = customer["credit_limit_base"]
        if limit_base is None or (balance and balance["unconverted_open"]):
            measured[customer_id] = Measurement(None)
            continue
        measured[customer_id] = Measurement(
            _quantized(Decimal(100) * open_base / limit_base),
            f"{_money_text(open_base)} / {_money_text(limit_base)}",
        )
    return measured


def rating_grades_dropped(previous: str | None, current: str) -> int | None:
    """How many places `current` stands below `previous` in RATING_GRADES_BEST_FIRST (negative
    for an upgrade); None when either is not a grade of that list (unrated, or another scale)."""
    if previous not in RATING_GRADES_BEST_FIRST or current not in RATING_GRADES_BEST_FIRST:
        return None
    return RATING_GRADES_BEST_FIRST.index(current) - RATING_GRADES_BEST_FIRST.index(previous)


def measure_rating_downgrade(customers: dict) -> dict[int, Measurement]:
    """Grades each customer's rating fell at its latest change (see rating_grades_dropped)."""
    measured = {}
    for customer_id, customer in customers.items():
        dropped = rating_grades_dropped(customer["previous_rating"], customer["credit_rating"])
        if dropped is not None:
            measured[customer_id] = Measurement(
                Decimal(dropped), f"{customer['previous_rating']} → {customer['credit_rating']}"
            )
    return measured


def measure_payment_worsening(days_late: dict) -> dict[int, Measurement]:
    """Recent minus earlier payment-weighted days late (each average to two decimals, half
    up), for customers with settlements in both windows."""
    measured = {}
    for customer_id, row in days_late.items():
        if not row["recent_weight"] or not row["earlier_weight"]:
            continue
        recent = _quantized(row["recent_weighted"] / row["recent_weight"])
        earlier = _quantized(row["earlier_weighted"] / row["earlier_weight"])
        measured[customer_id] = Measurement(recent - earlier, f"{earlier} → {recent}")
    return measured


def measure_limitation_near(balances: dict, on_date: date) -> dict[int, Measurement]:
    """Days from `on_date` to the earliest limitation date of each customer's open items
    (negative once it has passed); the details name that date."""
    measured = {}
    for customer_id, row in balances.items():
        expires_on = limitation_expires_on(
            due_date=row["earliest_limitation_start"], restarted_on=None
        )
        measured[customer_id] = Measurement(
            Decimal((expires_on - on_date).days), expires_on.isoformat()
        )
    return measured


def measure_promise_broken(outcomes: dict, on_date: date) -> dict[int, Measurement]:
    """Days from the customer's latest broken promise to `on_date` (0 on the day it was found
    broken); the details name that day. A customer that has kept a promise since (kept on a
    later day) is not measured: it has paid as promised again."""
    return {
        customer_id: Measurement(
            Decimal((on_date - row["latest_broken"]).days), row["latest_broken"].isoformat()
        )
        for customer_id, row in outcomes.items()
        if row["latest_kept"] is None or row["latest_kept"] <= row["latest_broken"]
    }


def measurements(*, kinds, on_date: date, customer_ids=None) -> dict[str, dict]:
    """{rule kind: {customer id: Measurement}} for the `kinds` asked for. A customer missing
    from a kind's dict has nothing to measure (nothing overdue, no credit limit, no rating
    change, too few settlements, nothing open, no broken promise): no alert of that kind. At
    most four queries."""
    kinds = set(kinds)
    Kind = AlertRule.Kind
    balances = customers = days_late = None
    if kinds & {
        Kind.OVERDUE_DAYS,
        Kind.OVERDUE_AMOUNT,
        Kind.CREDIT_UTILISATION,
        Kind.LIMITATION_NEAR,
    }:
        balances = open_balances_by_customer(on_date=on_date, customer_ids=customer_ids)
    if kinds & {Kind.CREDIT_UTILISATION, Kind.RATING_DOWNGRADE}:
        customers = customers_for_evaluation(on_date=on_date, customer_ids=customer_ids)
    if Kind.PAYMENT_WORSENING in kinds:
        days_late = days_late_by_customer(on_date=on_date, customer_ids=customer_ids)
    measured = {}
    if Kind.OVERDUE_DAYS in kinds:
        measured[Kind.OVERDUE_DAYS] = measure_overdue_days(balances, on_date)
    if Kind.OVERDUE_AMOUNT in kinds:
        measured[Kind.OVERDUE_AMOUNT] = measure_overdue_amount(balances)
    if Kind.CREDIT_UTILISATION in kinds:
        measured[Kind.CREDIT_UTILISATION] = measure_credit_utilisation(balances, customers)
    if Kind.RATING_DOWNGRADE in kinds:
        measured[Kind.RATING_DOWNGRADE] = measure_rating_downgrade(customers)
    if Kind.PAYMENT_WORSENING in kinds:
        measured[Kind.PAYMENT_WORSENING] = measure_payment_worsening(days_late)
    if Kind.LIMITATION_NEAR in kinds:
        measured[Kind.LIMITATION_NEAR] = measure_limitation_near(balances, on_date)
    if Kind.PROMISE_BROKEN in kinds:
        measured[Kind.PROMISE_BROKEN] = measure_promise_broken(
            promise_outcomes_by_customer(on_date=on_date, customer_ids=customer_ids), on_date
        )
    return measured
