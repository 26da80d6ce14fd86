"""The default early-warning rules; finance changes them in the admin. See
docs/early-warning.md for what each measures."""

from decimal import Decimal

from django.db import migrations

# (kind, threshold, severity): an alert opens when the measure is above the threshold.
DEFAULT_RULES = [
    ("overdue_days", Decimal("30"), "warning"),
    ("overdue_days", Decimal("90"), "critical"),
    ("overdue_amount", Decimal("100000"), "warning"),
    ("credit_utilisation", Decimal("90"), "warning"),
    ("rating_downgrade", Decimal("0"), "warning"),
    ("payment_worsening", Decimal("10"), "warning"),
]


def create_default_rules(apps, schema_editor):
    AlertRule = apps.get_model("alerts", "AlertRule")
    for kind, threshold, severity in DEFAULT_RULES:
        AlertRule.objects.get_or_create(
            kind=kind, threshold=threshold, defaults={"severity": severity}
        )


def remove_unused_default_rules(apps, schema_editor):
    AlertRule = apps.get_model("alerts", "AlertRule")
    for kind, threshold, _severity in DEFAULT_RULES:
        AlertRule.objects.filter(kind=kind, threshold=threshold, alerts__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial")]

    operations = [migrations.RunPython(create_default_rules, remove_unused_default_rules)]
