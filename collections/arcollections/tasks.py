"""Celery tasks of collections. They only call services and are idempotent: a step reaches an
installment once (DunningNotice), a message is e-mailed once (locked, marked sent in the same
transaction), and a promise is settled once."""

from dataclasses import asdict
from datetime import date

from celery import shared_task
from django.utils import timezone

from arcollections.services.dunning import dunning_run, dunning_send_queued
from arcollections.services.promises import promises_check


def _day(on_date: str | date | None) -> date:
    if on_date is None:
        return timezone.localdate()
    return on_date if isinstance(on_date, date) else date.fromisoformat(on_date)


@shared_task
def run_dunning(run_date: str | None = None) -> dict:
    """The daily dunning run for `run_date` (ISO date; default today), then every queued
    e-mail (today's and those a mail server refused before). On a rest day nothing is written
    but earlier queued e-mails still go out."""
    summary = asdict(dunning_run(run_date=_day(run_date)))
    summary["emailed"] = dunning_send_queued()
    summary["run_date"] = summary["run_date"].isoformat()
    return summary


@shared_task
def send_dunning_messages() -> int:
    """E-mail queued dunning messages (e.g. just approved); returns how many went out."""
    return dunning_send_queued()


@shared_task
def check_promises(on_date: str | None = None) -> dict:
    """Settle open promises to pay as kept or broken as of `on_date` (default today)."""
    return asdict(promises_check(on_date=_day(on_date)))
