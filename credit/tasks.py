from datetime import date

from celery import shared_task
from django.utils import timezone

from credit.services import customers_rate


@shared_task
def rate_all_customers(on_date: str | None = None) -> int:
    """Nightly: rate every customer not yet rated on `on_date` (ISO date; default today in the
    project's time zone). Safe to run twice or to retry: rated customers are skipped."""
    day = date.fromisoformat(on_date) if on_date else timezone.localdate()
    return customers_rate(on_date=day)
