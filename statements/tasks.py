"""Celery tasks of statements. Both only call services and are idempotent: a statement that is
READY is never rendered again, and an e-mail goes out once per request."""

from dataclasses import asdict
from datetime import date

from celery import shared_task
from django.utils import timezone

from statements import services


def _day(on_date: str | date | None) -> date:
    if on_date is None:
        return timezone.localdate()
    return on_date if isinstance(on_date, date) else date.fromisoformat(on_date)


@shared_task
def run_statements(on_date: str | None = None) -> dict:
    """Generate and e-mail the statements due on `on_date` (ISO date; default today). Daily:
    a day's runs after the first find nothing left to do."""
    return asdict(services.statements_run(on_date=_day(on_date)))


@shared_task
def generate_statement(statement_id: int) -> str | None:
    """Render the statement requested through the API (its id is the job id); returns its
    status, or None if it no longer exists."""
    statement = services.statement_generate_requested(statement_id=statement_id)
    return statement.status if statement is not None else None
