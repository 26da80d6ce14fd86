from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_daily_snapshot"),
        ("reports", "0003_merge_0002_cash_forecast_0002_provision"),
    ]

    operations = []
