"""Celery tasks of the reports app: each takes dates, calls a service and may safely run twice.
Each area keeps its own section."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from reports.forecast_services import cash_forecast_record
from reports.services import snapshot_take

# --- daily snapshot ---


@shared_task
def take_daily_snapshot(on_date: str | None = None) -> int:
    """Record the aging and KPIs of `on_date` (YYYY-MM-DD; today in settings.TIME_ZONE if not
    given) unless already recorded; returns how many rows (scopes) the day has."""
    day = date.fromisoformat(on_date) if on_date else timezone.localdate()
    return len(snapshot_take(on_date=day))


# --- cash forecast ---


@shared_task
def record_cash_forecast(on_date: str | None = None) -> int:
    """Record this week's company-wide cash forecast (made on the Monday of `on_date`'s week,
    an ISO date; today by default). Idempotent: a week already recorded is left as it was.
    Returns the number of forecast weeks on record for that Monday."""
    day = date.fromisoformat(str(on_date)) if on_date else timezone.localdate()
    return len(cash_forecast_record(on_date=day))
