"""Writes of credit scoring: rating customers (nightly for all, on demand for one) and
activating a scoring policy. The customer's current grade goes to Customer.credit_rating through
customers.services, which keeps its audit trail."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Capability, has_capability
from core.exceptions import ApplicationError, PermissionDeniedError
from credit import scorecard
from credit.models import CustomerRating, ScoringPolicy
from credit.selectors import (
    PAYMENT_WINDOW_MONTHS,
    active_policy,
    credit_histories,
    customers_for_scoring,
    customers_to_rate,
    customers_unrated,
)
from customers.models import Customer
from customers.services import customers_set_ratings

# Customers rated per transaction by the nightly job: a crash loses at most one batch, which
# the next run (or a retry) rates, since rated customers are skipped.
RATING_BATCH_SIZE = 500
RATING_FIELDS = [
    "score",
    "grade",
    "factors",
    "suggested_credit_limit",
    "currency",
    "suggested_payment_terms",
    "policy",
    "rated_by",
    "computed_at",
]


def check_factors(factors) -> None:
    """Refuse factor weights that add up to nothing: no score could be computed."""
    if sum(factor.weight for factor in factors) <= 0:
        raise ApplicationError(_("Give at least one factor a weight."), field="factors")


def check_grades(grades) -> None:
    """Refuse a scale whose lowest grade does not start at 0: a lower score would have no
    grade."""
    if not grades or min(grade.min_score for grade in grades) != 0:
        raise ApplicationError(_("The lowest grade must start at score 0."), field="grades")


def check_policy(policy: ScoringPolicy) -> None:
    """Refuse a scoring policy that cannot rate (check_factors, check_grades)."""
    check_factors(policy.factors.all())
    check_grades(policy.grades.all())


def _rating(customer: Customer, history, *, policy: ScoringPolicy, on_date: date, actor, now):
    score, breakdown = scorecard.score(scorecard.measure(history, on_date), policy.factors.all())
    grade = scorecard.grade_for(score, policy.grades.all())
    terms = customer.default_payment_terms
    suggested_limit = None
    if terms is not None and customer.currency_rate is not None:
        suggested_limit = scorecard.suggested_credit_limit(
            sales_recent=history.sales_recent,
            months=PAYMENT_WINDOW_MONTHS,
            terms=terms,
            limit_factor=grade.limit_factor,
            rate_to_base=customer.currency_rate,
            step=policy.limit_step,
        )
    return CustomerRating(
        customer=customer,
        rated_on=on_date,
        score=score,
        grade=grade.grade,
        factors=[line.as_json() for line in breakdown],
        suggested_credit_limit=suggested_limit,
        currency=customer.currency,
        suggested_payment_terms=grade.payment_terms,
        policy=policy,
        rated_by=actor,
        computed_at=now,
    )


def _rate(*, policy, customer_ids, on_date: date, actor, replace: bool) -> list[CustomerRating]:
    """Rate `customer_ids` on `on_date` in one transaction, with the customers locked so that
    two runs (or a run and a recomputation) cannot rate one customer at once. Without
    `replace`, customers already rated that day are skipped. A constant number of queries."""
    with transaction.atomic():
        locked = list(
            Customer.objects.select_for_update()
            .filter(pk__in=customer_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not replace:
            rated = CustomerRating.objects.filter(customer__in=locked, rated_on=on_date)
            locked = sorted(set(locked) - set(rated.values_list("customer_id", flat=True)))
        if not locked:
            return []
        customers = customers_for_scoring(customer_ids=locked, on_date=on_date)
        histories = credit_histories(customers=customers, on_date=on_date)
        now = timezone.now()
        ratings = [
            _rating(
                customer,
                histories[customer.pk],
                policy=policy,
                on_date=on_date,
                actor=actor,
                now=now,
            )
            for customer in customers
        ]
        CustomerRating.objects.bulk_create(
            ratings,
            update_conflicts=True,
            unique_fields=["customer", "rated_on"],
            update_fields=RATING_FIELDS,
        )
        customers_set_ratings(
            actor_or_none=actor,
            ratings={rating.customer_id: rating.grade for rating in ratings},
        )
        return ratings


def customers_rate(*, on_date: date) -> int:
    """The nightly job: rate every customer with a posted invoice (customers_to_rate) not yet
    rated on `on_date`, with the active policy, in batches of RATING_BATCH_SIZE; write each
    grade to the customer (audited without a user). Idempotent: a second run the same day finds
    nothing to do, and a run interrupted midway is completed by the next. Returns how many
    customers it rated."""
    policy = active_policy()
    check_policy(policy)
    pending = list(customers_unrated(on_date=on_date).order_by("pk").values_list("pk", flat=True))
    rated = 0
    for start in range(0, len(pending), RATING_BATCH_SIZE):
        batch = pending[start : start + RATING_BATCH_SIZE]
        rated += len(
            _rate(policy=policy, customer_ids=batch, on_date=on_date, actor=None, replace=False)
        )
    return rated


def customer_rate(*, actor, customer: Customer, on_date: date) -> CustomerRating:
    """Rate one customer now (on demand), replacing a rating already made on `on_date`; the
    grade is written to the customer in `actor`'s name."""
    if not has_capability(actor, Capability.MANAGE_CREDIT):
        raise PermissionDeniedError(_("You may not rate customers."), field="customer")
    if not customers_to_rate(on_date=on_date).filter(pk=customer.pk).exists():
        raise ApplicationError(
            _("This customer has no posted invoice yet: there is no history to rate."),
            field="customer",
            code="nothing_to_rate",
        )
    policy = active_policy()
    check_policy(policy)
    (rating,) = _rate(
        policy=policy, customer_ids=[customer.pk], on_date=on_date, actor=actor, replace=True
    )
    return rating


@transaction.atomic
def scoring_policy_activate(*, actor, policy: ScoringPolicy) -> ScoringPolicy:
    """Make `policy` the one the scorecard uses from the next rating on (the previously active
    one is deactivated); refused for a policy that cannot rate."""
    check_policy(policy)
    for current in ScoringPolicy.objects.select_for_update().filter(is_active=True):
        if current.pk != policy.pk:
            current.is_active = False
            current._history_user = actor
            current.save(update_fields=["is_active"])
    policy = ScoringPolicy.objects.select_for_update().get(pk=policy.pk)
    policy.is_active = True
    policy._history_user = actor
    policy.save(update_fields=["is_active"])
    return policy
