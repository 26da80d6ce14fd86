import django.core.serializers.json
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DailySnapshot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("on_date", models.DateField(verbose_name="date")),
                (
                    "open_amount",
                    models.DecimalField(decimal_places=2, max_digits=20, verbose_name="open"),
                ),
                (
                    "overdue_amount",
                    models.DecimalField(decimal_places=2, max_digits=20, verbose_name="overdue"),
                ),
                (
                    "aging",
                    models.JSONField(
                        encoder=django.core.serializers.json.DjangoJSONEncoder,
                        verbose_name="aging buckets",
                    ),
                ),
                (
                    "sales",
                    models.DecimalField(
                        decimal_places=2, max_digits=20, verbose_name="sales, month to date"
                    ),
                ),
                (
                    "cash_received",
                    models.DecimalField(
                        decimal_places=2,
                        max_digits=20,
                        verbose_name="cash received, month to date",
                    ),
                ),
                (
                    "dso",
                    models.DecimalField(
                        blank=True, decimal_places=1, max_digits=8, null=True, verbose_name="DSO"
                    ),
                ),
                (
                    "dso_count_back",
                    models.DecimalField(
                        blank=True,
                        decimal_places=1,
                        max_digits=8,
                        null=True,
                        verbose_name="count-back DSO",
                    ),
                ),
                (
                    "best_dso",
                    models.DecimalField(
                        blank=True,
                        decimal_places=1,
                        max_digits=8,
                        null=True,
                        verbose_name="best possible DSO",
                    ),
                ),
                (
                    "cei",
                    models.DecimalField(
                        blank=True, decimal_places=1, max_digits=7, null=True, verbose_name="CEI %"
                    ),
                ),
                (
                    "collection_rate",
                    models.DecimalField(
                        blank=True,
                        decimal_places=1,
                        max_digits=7,
                        null=True,
                        verbose_name="collection rate %",
                    ),
                ),
                (
                    "missing_rates",
                    models.JSONField(
                        blank=True, default=list, verbose_name="currencies without a rate"
                    ),
                ),
                ("taken_at", models.DateTimeField(auto_now_add=True, verbose_name="taken at")),
                (
                    "sales_rep",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="sales rep",
                    ),
                ),
            ],
            options={
                "verbose_name": "daily snapshot",
                "verbose_name_plural": "daily snapshots",
                "ordering": ["-on_date", "sales_rep_id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("sales_rep__isnull", True)),
                        fields=("on_date",),
                        name="daily_snapshot_one_company_row_a_day",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("sales_rep__isnull", False)),
                        fields=("on_date", "sales_rep"),
                        name="daily_snapshot_one_row_a_day_per_rep",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("overdue_amount__gte", 0),
                            ("overdue_amount__lte", models.F("open_amount")),
                        ),
                        name="daily_snapshot_overdue_within_open",
                    ),
                ],
            },
        ),
    ]
