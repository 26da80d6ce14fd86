# The reports app's first migration holds nothing: its tables (daily snapshots, cash forecasts)
# each come in a migration of their own that starts from here.
from django.db import migrations


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = []
