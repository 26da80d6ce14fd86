"""The scorecard's arithmetic: points per factor, the score over the factors with data, grades
on both default scales, and the suggested credit limit (docs/credit-scoring.md)."""

from datetime import date
from decimal import Decimal

import pytest

from credit.models import Factor, RatingGrade, ScoringFactor, ScoringPolicy
from credit.scorecard import (
    Measurement,
    Note,
    UnscorableError,
    credit_period_days,
    factor_points,
    grade_for,
    months_between,
    score,
    suggested_credit_limit,
)
from receivables import services
from receivables.models import PaymentTerms

D = Decimal


@pytest.mark.parametrize(
    ("value", "best", "worst", "points"),
    [
        # Less is better (days beyond terms: full points at 0, none at 60).
        ("0", "0", "60", "25.00"),
        ("-3", "0", "60", "25.00"),
        ("10.0", "0", "60", "20.83"),
        ("60", "0", "60", "0.00"),
        ("75", "0", "60", "0.00"),
        # More is better (share paid on time: full points at 100%, none at 50%).
        ("100", "100", "50", "25.00"),
        ("80.0", "100", "50", "15.00"),
        ("50", "100", "50", "0.00"),
        ("28.6", "100", "50", "0.00"),
        # Half a cent rounds up: 25 × 0.0003 = 0.0075.
        ("59.982", "0", "60", "0.01"),
    ],
)
def test_factor_points_are_linear_between_the_thresholds_and_clamped(value, best, worst, points):
    assert factor_points(D(value), weight=D("25"), best=D(best), worst=D(worst)) == D(points)


def _factors(*rows):
    return [
        ScoringFactor(factor=factor, weight=D(weight), best_value=D(best), worst_value=D(worst))
        for factor, weight, best, worst in rows
    ]


def test_the_score_is_taken_over_the_weights_of_the_factors_with_data():
    factors = _factors(
        (Factor.DAYS_BEYOND_TERMS, "50", "0", "60"),
        (Factor.TENURE, "30", "36", "0"),
        (Factor.BROKEN_PROMISES, "20", "0", "3"),
    )
    measurements = {
        Factor.DAYS_BEYOND_TERMS: Measurement(D("30.0")),
        Factor.TENURE: Measurement(D("36")),
        Factor.BROKEN_PROMISES: Measurement(None, Note.NO_DATA_YET),
    }

    total, breakdown = score(measurements, factors)

    # 25.00 + 30.00 points of the 80 weighed: 68.75.
    assert total == D("68.75")
    assert [(line.factor, line.points) for line in breakdown] == [
        (Factor.DAYS_BEYOND_TERMS, D("25.00")),
        (Factor.TENURE, D("30.00")),
        (Factor.BROKEN_PROMISES, None),
    ]


def test_owing_without_a_credit_limit_counts_as_zero_points_not_as_missing():
    factors = _factors((Factor.UTILISATION, "40", "50", "100"), (Factor.TENURE, "60", "36", "0"))
    measurements = {
        Factor.UTILISATION: Measurement(None, Note.NO_CREDIT_LIMIT),
        Factor.TENURE: Measurement(D("36")),
    }

    total, _breakdown = score(measurements, factors)

    assert total == D("60.00")


def test_a_score_needs_at_least_one_weighed_factor_with_data():
    factors = _factors((Factor.BROKEN_PROMISES, "100", "0", "3"))

    with pytest.raises(UnscorableError):
        score({Factor.BROKEN_PROMISES: Measurement(None, Note.NO_DATA_YET)}, factors)


def _default_grades(name_start: str) -> list[RatingGrade]:
    policy = ScoringPolicy.objects.get(name__startswith=name_start)
    return list(policy.grades.all())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("score_value", "grade"),
    [
        ("100", "AAA"),
        ("90.00", "AAA"),
        ("89.99", "AA"),
        ("80", "AA"),
        ("79.99", "A"),
        ("70", "A"),
        ("69.99", "B"),
        ("60", "B"),
        ("59.99", "C"),
        ("0", "C"),
    ],
)
def test_five_grade_scale_thresholds(score_value, grade):
    assert grade_for(D(score_value), _default_grades("Five grades")).grade == grade


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("score_value", "grade"),
    [
        ("90", "AAA"),
        ("89.99", "AA"),
        ("80", "AA"),
        ("79.99", "A"),
        ("70", "A"),
        ("69.99", "BBB"),
        ("60", "BBB"),
        ("59.99", "BB"),
        ("50", "BB"),
        ("49.99", "B"),
        ("40", "B"),
        ("39.99", "CCC"),
        ("30", "CCC"),
        ("29.99", "CC"),
        ("20", "CC"),
        ("19.99", "C"),
        ("0", "C"),
    ],
)
def test_nine_grade_scale_thresholds(score_value, grade):
    assert grade_for(D(score_value), _default_grades("三等九级")).grade == grade


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2025, 5, 1), date(2026, 6, 30), 13),
        (date(2023, 7, 1), date(2026, 6, 1), 35),
        (date(2026, 1, 31), date(2026, 2, 28), 0),
        (date(2026, 1, 31), date(2026, 3, 31), 2),
        (date(2026, 6, 30), date(2026, 6, 30), 0),
    ],
)
def test_months_between_counts_whole_calendar_months(start, end, months):
    assert months_between(start, end) == months


@pytest.fixture
def net30(db):
    return PaymentTerms.objects.create(code="N30", name="Net 30", net_days=30)


@pytest.mark.django_db
def test_credit_period_of_terms(finance_user, net30):
    split = services.payment_terms_create(
        actor=finance_user,
        code="SPLIT",
        name="30% at 30 days, 70% at 90",
        net_days=90,
        schedule=[{"percent": D("30"), "days": 30}, {"percent": D("70"), "days": 90}],
    )
    month_end = PaymentTerms.objects.create(
        code="EOM60", name="月结60天", net_days=60, basis=PaymentTerms.Basis.END_OF_MONTH
    )

    assert credit_period_days(net30) == D("30")
    assert credit_period_days(split) == D("72")  # 0.3 × 30 + 0.7 × 90
    assert credit_period_days(month_end) == D("75")  # 60 + half a month's wait


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sales", "factor", "rate", "step", "limit"),
    [
        # 125,000 a year = 10,416.67 a month × 1 month × 0.80 = 8,333.33 → 8,000.
        ("125000.00", "0.80", "1", "1000", "8000.00"),
        # × 1.50 = 15,625.00 → 16,000 (half up at 15,500).
        ("125000.00", "1.50", "1", "1000", "16000.00"),
        ("125000.00", "1.50", "1", "0.01", "15625.00"),
        # A USD customer (7.00 CNY to the dollar): 15,625.00 CNY = 2,232.14 USD → 2,000.
        ("125000.00", "1.50", "7.00000000", "1000", "2000.00"),
        ("125000.00", "0.00", "1", "1000", "0.00"),
    ],
)
def test_suggested_credit_limit(net30, sales, factor, rate, step, limit):
    assert suggested_credit_limit(
        sales_recent=D(sales),
        months=12,
        terms=net30,
        limit_factor=D(factor),
        rate_to_base=D(rate),
        step=D(step),
    ) == D(limit)
