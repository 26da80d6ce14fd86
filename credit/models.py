"""Credit scoring: the scorecard's configuration (ScoringPolicy with its factors and grades) and
the ratings it produced (CustomerRating, one per customer and day).

How a score is computed is documented in docs/credit-scoring.md; the code is credit/scorecard.py
(points and grades) and credit/selectors.py (the factors' raw values from the ledger).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.money import CURRENCY_CHOICES, DECIMAL_PLACES, MAX_DIGITS


class Factor(models.TextChoices):
    """The scorecard's factors. The keys are stored in ScoringFactor rows and in each rating's
    breakdown, so they never change once released."""

    DAYS_BEYOND_TERMS = "days_beyond_terms", _("Average days beyond terms")
    DAYS_BEYOND_TERMS_TREND = "days_beyond_terms_trend", _("Trend of days beyond terms")
    ON_TIME_SHARE = "on_time_share", _("Share paid on time")
    OVERDUE_TO_LIMIT = "overdue_to_limit", _("Overdue relative to the credit limit")
    UTILISATION = "utilisation", _("Credit limit utilisation")
    DISPUTED_SHARE = "disputed_share", _("Disputed invoices")
    TENURE = "tenure", _("Tenure")
    WRITTEN_OFF_SHARE = "written_off_share", _("Written off")
    BROKEN_PROMISES = "broken_promises", _("Broken payment promises")


class ScoringPolicy(models.Model):
    """One version of the scorecard: factor weights and thresholds, the rating scale and the
    suggestions per grade. Exactly one is active; ratings keep the policy they were made with."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=False)
    # Suggested limits are rounded (half up) to a multiple of this, in the customer's currency:
    # a limit of 123,456.78 would suggest a precision the formula does not have.
    limit_step = models.DecimalField(
        _("round suggested limits to"),
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        default=1000,
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("scoring policy")
        verbose_name_plural = _("scoring policies")
        ordering = ["-is_active", "name"]
        constraints = [
            # The nightly job must know which scorecard to apply: never two at once.
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="scoring_policy_one_active",
                violation_error_message=_("Only one scoring policy can be active."),
            ),
            models.CheckConstraint(
                condition=Q(limit_step__gt=0),
                name="scoring_policy_limit_step_positive",
                violation_error_message=_("The rounding step must be positive."),
            ),
        ]

    def __str__(self):
        return self.name


class ScoringFactor(models.Model):
    """How one factor scores: `weight` points at `best_value` or better, none at `worst_value`
    or worse, in a straight line between (either may be the larger: a factor where more is
    better has best > worst)."""

    policy = models.ForeignKey(
        ScoringPolicy, on_delete=models.CASCADE, related_name="factors", verbose_name=_("policy")
    )
    factor = models.CharField(_("factor"), max_length=32, choices=Factor.choices)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    best_value = models.DecimalField(_("full points at"), max_digits=12, decimal_places=2)
    worst_value = models.DecimalField(_("no points at"), max_digits=12, decimal_places=2)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("scoring factor")
        verbose_name_plural = _("scoring factors")
        ordering = ["policy_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "factor"],
                name="scoring_factor_unique_per_policy",
                violation_error_message=_("This factor is already in the policy."),
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0),
                name="scoring_factor_weight_not_negative",
                violation_error_message=_("A weight cannot be negative."),
            ),
            # Equal thresholds would divide by zero when interpolating.
            models.CheckConstraint(
                condition=~Q(best_value=F("worst_value")),
                name="scoring_factor_thresholds_differ",
                violation_error_message=_("Full points and no points need different values."),
            ),
        ]

    def __str__(self):
        return f"{self.get_factor_display()} ({self.weight})"


class RatingGrade(models.Model):
    """One grade of the policy's scale: scores from `min_score` up to the next grade's minimum.
    The lowest grade starts at 0 so that every score has a grade. `limit_factor` and
    `payment_terms` are what the grade suggests (see docs/credit-scoring.md)."""

    policy = models.ForeignKey(
        ScoringPolicy, on_delete=models.CASCADE, related_name="grades", verbose_name=_("policy")
    )
    # Written to Customer.credit_rating (max_length 8).
    grade = models.CharField(_("grade"), max_length=8)
    min_score = models.DecimalField(_("minimum score"), max_digits=5, decimal_places=2)
    limit_factor = models.DecimalField(
        _("credit limit factor"),
        max_digits=6,
        decimal_places=2,
        help_text=_("Suggested limit = average monthly sales × credit period in months × this."),
    )
    payment_terms = models.ForeignKey(
        "receivables.PaymentTerms",
        verbose_name=_("suggested payment terms"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rating grade")
        verbose_name_plural = _("rating grades")
        ordering = ["policy_id", "-min_score"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "grade"],
                name="rating_grade_unique_name",
                violation_error_message=_("This grade is already in the policy."),
            ),
            models.UniqueConstraint(
                fields=["policy", "min_score"],
                name="rating_grade_unique_min_score",
                violation_error_message=_("Two grades cannot start at the same score."),
            ),
            models.CheckConstraint(
                condition=Q(min_score__gte=0, min_score__lte=100),
                name="rating_grade_min_score_range",
                violation_error_message=_("A minimum score must be between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(limit_factor__gte=0),
                name="rating_grade_limit_factor_not_negative",
                violation_error_message=_("A credit limit factor cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.grade} ≥ {self.min_score}"


class CustomerRating(models.Model):
    """A customer's rating on one day, with the breakdown that produced it. The nightly job
    writes at most one per customer and day (the unique constraint makes a rerun harmless); a
    recomputation on demand replaces that day's row. The rows are the rating history, so they
    carry no separate audit table; the current grade's changes are audited on the customer."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="ratings",
    )
    rated_on = models.DateField(_("rated on"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=8)
    # [{"factor", "value", "points", "weight", "note"}, ...] in the policy's factor order;
    # numbers as strings (exact decimals); see credit.scorecard.FactorScore.
    factors = models.JSONField(_("factor breakdown"))
    suggested_credit_limit = models.DecimalField(
        _("suggested credit limit"),
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        null=True,
        blank=True,
    )
    # The customer's currency when rated (the limit is kept in it).
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    suggested_payment_terms = models.ForeignKey(
        "receivables.PaymentTerms",
        verbose_name=_("suggested payment terms"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    policy = models.ForeignKey(
        ScoringPolicy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="ratings"
    )
    # Who asked for a recomputation; null for the nightly job.
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("customer rating")
        verbose_name_plural = _("customer ratings")
        ordering = ["customer_id", "-rated_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "rated_on"],
                name="customer_rating_one_per_day",
                violation_error_message=_("The customer is already rated on this day."),
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100),
                name="customer_rating_score_range",
                violation_error_message=_("A score must be between 0 and 100."),
            ),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.rated_on}: {self.grade} ({self.score})"
