"""The default scorecard (docs/credit-scoring.md, "Defaults"): the five-grade scale active, the
nine-grade 三等九级 scale ready to be activated in the admin. Both weigh the factors alike."""

from decimal import Decimal

from django.db import migrations

# factor: (weight, full points at, no points at)
FACTORS = {
    "days_beyond_terms": ("25", "0", "60"),
    "days_beyond_terms_trend": ("10", "0", "30"),
    "on_time_share": ("15", "100", "50"),
    "overdue_to_limit": ("15", "0", "50"),
    "utilisation": ("10", "50", "100"),
    "disputed_share": ("5", "0", "20"),
    "tenure": ("10", "36", "0"),
    "written_off_share": ("5", "0", "5"),
    "broken_promises": ("5", "0", "3"),
}

# (name, active, [(grade, minimum score, credit limit factor), ...])
POLICIES = [
    (
        "Five grades (AAA–C)",
        True,
        [
            ("AAA", "90", "1.50"),
            ("AA", "80", "1.20"),
            ("A", "70", "1.00"),
            ("B", "60", "0.60"),
            ("C", "0", "0.00"),
        ],
    ),
    (
        "三等九级 (AAA–C, nine grades)",
        False,
        [
            ("AAA", "90", "1.50"),
            ("AA", "80", "1.30"),
            ("A", "70", "1.10"),
            ("BBB", "60", "1.00"),
            ("BB", "50", "0.80"),
            ("B", "40", "0.60"),
            ("CCC", "30", "0.40"),
            ("CC", "20", "0.20"),
            ("C", "0", "0.00"),
        ],
    ),
]


def create_default_policies(apps, schema_editor):
    ScoringPolicy = apps.get_model("credit", "ScoringPolicy")
    ScoringFactor = apps.get_model("credit", "ScoringFactor")
    RatingGrade = apps.get_model("credit", "RatingGrade")
    for name, active, grades in POLICIES:
        policy = ScoringPolicy.objects.create(
            name=name, is_active=active, limit_step=Decimal("1000.00")
        )
        ScoringFactor.objects.bulk_create(
            ScoringFactor(
                policy=policy,
                factor=factor,
                weight=Decimal(weight),
                best_value=Decimal(best),
                worst_value=Decimal(worst),
            )
            for factor, (weight, best, worst) in FACTORS.items()
        )
        RatingGrade.objects.bulk_create(
            RatingGrade(
                policy=policy,
                grade=grade,
                min_score=Decimal(min_score),
                limit_factor=Decimal(limit_factor),
            )
            for grade, min_score, limit_factor in grades
        )


def delete_default_policies(apps, schema_editor):
    ScoringPolicy = apps.get_model("credit", "ScoringPolicy")
    ScoringPolicy.objects.filter(name__in=[name for name, _active, _grades in POLICIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("credit", "0001_initial")]

    operations = [migrations.RunPython(create_default_policies, delete_default_policies)]
