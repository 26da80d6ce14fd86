"""Celery tasks of early warning. Both are idempotent: an evaluation opens an alert only where
none is live for the customer and rule, and e-mails only alerts not yet notified."""

from dataclasses import asdict
from datetime import date

from celery import shared_task
from django.utils import timezone

from alerts.services import alerts_evaluate


def _day(on_date: str | date | None) -> date:
    if on_date is None:
        return timezone.localdate()
    return on_date if isinstance(on_date, date) else date.fromisoformat(on_date)


@shared_task
def evaluate_all(on_date: str | None = None) -> dict:
    """Evaluate every rule for every customer on `on_date` (ISO date; default today)."""
    return asdict(alerts_evaluate(on_date=_day(on_date)))


@shared_task
def evaluate_customers(customer_ids: list[int], on_date: str | None = None) -> dict:
    """Evaluate every rule for these customers only, after an event that may change their
    measures (a payment recorded, an invoice issued, a rating changed)."""
    return asdict(alerts_evaluate(on_date=_day(on_date), customer_ids=customer_ids))
