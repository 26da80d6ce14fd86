"""The dunning run as production runs it: a beat entry in django-celery-beat's schedule, and the
task executed by a real Celery worker consuming from Redis, e-mailing through SMTP."""

import time
from datetime import date

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from arcollections.models import Activity, DunningMessage, DunningNotice
from arcollections.tasks import run_dunning
from config.celery import app
from tests.collections.conftest import dunned_customer, invoice_due


@pytest.mark.django_db(transaction=True)
def test_the_daily_run_is_on_the_beat_schedule():
    # The scheduler closes and reopens database connections: a transactional test allows it.
    DatabaseScheduler(app=app)  # beat's start-up: copies CELERY_BEAT_SCHEDULE into the table

    run = PeriodicTask.objects.get(name="dunning-run-daily")
    assert run.task == "arcollections.tasks.run_dunning"
    assert (run.crontab.hour, run.crontab.minute, run.crontab.day_of_week) == ("8", "0", "*")
    assert str(run.crontab.timezone) == "Asia/Shanghai"
    assert run.enabled
    promises = PeriodicTask.objects.get(name="promises-check-hourly")
    assert promises.task == "arcollections.tasks.check_promises"
    assert (promises.crontab.hour, promises.crontab.minute) == ("*", "45")


@pytest.fixture
def redis_app(redis_url):
    """The project's Celery configuration on a Redis broker, as an app of its own so that the
    session's app (whatever broker it was given) is left alone."""
    redis_app = Celery("huikuan-test", set_as_current=False)
    redis_app.config_from_object("django.conf:settings", namespace="CELERY")
    redis_app.conf.broker_url = redis_url
    redis_app.autodiscover_tasks(force=True)
    yield redis_app
    redis_app.close()
    # Starting a worker makes its app the current one; give the session its own back, so that
    # later tests' tasks (eager or not) run on the project's configuration.
    app.set_current()
    app.set_default()


@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_runs_the_dunning_task_end_to_end(
    redis_app, standard_policy, finance_user, smtp_inbox
):
    customer = dunned_customer(email="finance@kehu.cn")
    invoice = invoice_due(customer, actor=finance_user, due=date(2026, 3, 12))

    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        redis_app.send_task(run_dunning.name, args=["2026-03-13"])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if DunningMessage.objects.filter(status="sent").exists():
                break
            time.sleep(0.2)

    message = DunningMessage.objects.get()
    assert (message.status, message.run_date, message.step.offset_days) == (
        "sent",
        date(2026, 3, 13),
        1,
    )
    assert sorted(DunningNotice.objects.values_list("installment_id", "step__offset_days")) == [
        (invoice.installments.get().pk, -3),
        (invoice.installments.get().pk, 1),
    ]
    [envelope] = smtp_inbox.envelopes
    assert envelope.rcpt_tos == ["finance@kehu.cn"]
    assert invoice.number.encode() in envelope.content
    assert Activity.objects.get().dunning_message == message
