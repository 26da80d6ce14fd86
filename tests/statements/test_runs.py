"""The scheduled statement run: every customer with a frequency gets the statement of its last
complete period once, e-mailed once, however often the run is repeated and even after a crash
or a mail server that refuses half-way."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from receivables import services as ledger
from statements import tasks
from statements.models import Statement
from statements.periods import statement_period_due
from statements.services import RunSummary, statements_run
from tests.factories import CustomerFactory, issued_invoice, recorded_payment
from tests.statements._statement_helpers import (
    customer_with_ledger,
    media_root,  # noqa: F401 (fixture)
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

ON_DATE = date(2026, 2, 3)  # January (monthly) and October–December 2025 (quarterly) are due


@pytest.mark.parametrize(
    "frequency, on_date, period",
    [
        ("monthly", date(2026, 2, 3), (date(2026, 1, 1), date(2026, 1, 31))),
        ("monthly", date(2026, 1, 1), (date(2025, 12, 1), date(2025, 12, 31))),
        ("monthly", date(2024, 3, 31), (date(2024, 2, 1), date(2024, 2, 29))),
        ("quarterly", date(2026, 4, 1), (date(2026, 1, 1), date(2026, 3, 31))),
        ("quarterly", date(2026, 6, 30), (date(2026, 1, 1), date(2026, 3, 31))),
        ("quarterly", date(2026, 2, 3), (date(2025, 10, 1), date(2025, 12, 31))),
        ("quarterly", date(2026, 12, 31), (date(2026, 7, 1), date(2026, 9, 30))),
        ("none", date(2026, 2, 3), None),
    ],
)
def test_the_period_due_is_the_last_complete_month_or_quarter(frequency, on_date, period):
    customer = Customer(statement_frequency=frequency)

    assert statement_period_due(customer=customer, on_date=on_date) == period


@pytest.fixture
def customers(finance_user):
    """Due: a monthly and a quarterly customer. Not due: one without statements, an archived
    one, one with no ledger at all, and one whose account was settled in November (nothing to
    report for January)."""
    monthly = customer_with_ledger(finance_user, code="M1")
    quarterly = customer_with_ledger(
        finance_user, code="Q1", frequency=Customer.StatementFrequency.QUARTERLY
    )
    customer_with_ledger(finance_user, code="N1", frequency=Customer.StatementFrequency.NONE)
    archived = customer_with_ledger(finance_user, code="A1")
    Customer.objects.filter(pk=archived.pk).update(is_archived=True)
    CustomerFactory(code="E1")
    settled = CustomerFactory(code="S1")
    issued_invoice(settled, actor=finance_user, issue_date=date(2025, 11, 3))
    payment = recorded_payment(
        settled, actor=finance_user, amount=Decimal("1000.00"), received_on=date(2025, 11, 20)
    )
    ledger.payment_allocate_auto(actor=finance_user, payment=payment, applied_on=date(2025, 11, 20))
    return monthly, quarterly


def _statements():
    return sorted(
        Statement.objects.values_list(
            "customer__code", "period_start", "period_end", "source", "status"
        )
    )


def test_the_run_generates_and_emails_each_due_statement(customers, mailoutbox):
    summary = statements_run(on_date=ON_DATE)

    assert summary == RunSummary(generated=2, skipped_empty=1, failed=0, emailed=2)
    assert _statements() == [
        ("M1", date(2026, 1, 1), date(2026, 1, 31), "scheduled", "ready"),
        ("Q1", date(2025, 10, 1), date(2025, 12, 31), "scheduled", "ready"),
    ]
    assert sorted(mail.to[0] for mail in mailoutbox) == ["ap0-m1@example.cn", "ap0-q1@example.cn"]
    assert Statement.objects.filter(emailed_at__isnull=True).count() == 0


def test_running_again_generates_and_sends_nothing_more(customers, mailoutbox):
    statements_run(on_date=ON_DATE)
    hashes = sorted(Statement.objects.values_list("pk", "pdf_sha256"))

    again = statements_run(on_date=date(2026, 2, 4))

    assert again == RunSummary(generated=0, skipped_empty=1, failed=0, emailed=0)
    assert sorted(Statement.objects.values_list("pk", "pdf_sha256")) == hashes
    assert len(mailoutbox) == 2


def test_the_daily_task_runs_the_same_service(customers, mailoutbox):
    assert tasks.run_statements("2026-02-03") == {
        "generated": 2,
        "skipped_empty": 1,
        "failed": 0,
        "emailed": 2,
    }
    assert tasks.run_statements("2026-02-03")["generated"] == 0
    assert len(mailoutbox) == 2


def test_a_statement_generated_on_demand_unsent_is_emailed_by_the_run(
    customers, finance_user, mailoutbox
):
    from statements.services import statement_generate

    monthly, _quarterly = customers
    on_demand = statement_generate(
        customer=monthly,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        source=Statement.Source.ON_DEMAND,
        actor=finance_user,
    )

    assert statements_run(on_date=ON_DATE).generated == 1  # the quarterly one

    on_demand.refresh_from_db()
    assert on_demand.source == Statement.Source.ON_DEMAND
    assert on_demand.emailed_to == "ap0-m1@example.cn"
    assert len(mailoutbox) == 2


class Crash(RuntimeError):
    pass


class CrashingBackend(LocmemBackend):
    """The outbox, except that the process dies while sending to `crash_on` (set by the test)."""

    crash_on = None

    def send_messages(self, messages):
        if any(self.crash_on and self.crash_on in message.to for message in messages):
            raise Crash("worker killed")
        return super().send_messages(messages)


def test_after_a_crash_while_mailing_a_rerun_sends_only_the_rest(customers, mailoutbox, settings):
    settings.EMAIL_BACKEND = f"{__name__}.CrashingBackend"
    CrashingBackend.crash_on = "ap0-q1@example.cn"

    with pytest.raises(Crash):
        statements_run(on_date=ON_DATE)

    assert [mail.to for mail in mailoutbox] == [["ap0-m1@example.cn"]]
    assert len(_statements()) == 2  # both generated (each committed on its own)
    CrashingBackend.crash_on = None

    assert statements_run(on_date=ON_DATE) == RunSummary(
        generated=0, skipped_empty=1, failed=0, emailed=1
    )
    assert statements_run(on_date=ON_DATE).emailed == 0
    assert sorted(mail.to[0] for mail in mailoutbox) == ["ap0-m1@example.cn", "ap0-q1@example.cn"]
    assert Statement.objects.count() == 2


class RefusingBackend(LocmemBackend):
    refusing = True

    def send_messages(self, messages):
        if self.refusing:
            raise ConnectionRefusedError(111, "Connection refused")
        return super().send_messages(messages)


def test_a_mail_server_that_refuses_leaves_the_statements_pending(customers, mailoutbox, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    RefusingBackend.refusing = True

    assert statements_run(on_date=ON_DATE) == RunSummary(
        generated=2, skipped_empty=1, failed=0, emailed=0
    )

    assert (
        list(Statement.objects.values_list("emailed_at", "email_failure"))
        == [(None, "ConnectionRefusedError: [Errno 111] Connection refused")] * 2
    )
    RefusingBackend.refusing = False
    assert statements_run(on_date=ON_DATE).emailed == 2
    assert list(Statement.objects.values_list("email_failure", flat=True)) == ["", ""]
    assert len(mailoutbox) == 2


def test_after_a_failed_generation_a_rerun_generates_once(
    customers, mailoutbox, settings, tmp_path
):
    media = settings.MEDIA_ROOT
    blocked = tmp_path / "disk-full"
    blocked.write_text("")
    settings.MEDIA_ROOT = blocked

    assert statements_run(on_date=ON_DATE) == RunSummary(
        generated=0, skipped_empty=1, failed=2, emailed=0
    )
    assert [row[-1] for row in _statements()] == ["failed", "failed"]

    settings.MEDIA_ROOT = media
    assert statements_run(on_date=ON_DATE) == RunSummary(
        generated=2, skipped_empty=1, failed=0, emailed=2
    )
    assert statements_run(on_date=ON_DATE) == RunSummary(
        generated=0, skipped_empty=1, failed=0, emailed=0
    )
    assert [row[-1] for row in _statements()] == ["ready", "ready"]
    assert len(mailoutbox) == 2


def _run_queries(on_date):
    with CaptureQueriesContext(connection) as queries:
        statements_run(on_date=on_date)
    return len(queries)


def test_the_run_costs_the_same_queries_for_each_customer(finance_user, mailoutbox):
    customer_with_ledger(finance_user)
    one = _run_queries(ON_DATE)
    Statement.objects.all().delete()
    customer_with_ledger(finance_user)
    two = _run_queries(ON_DATE)
    Statement.objects.all().delete()
    customer_with_ledger(finance_user)
    three = _run_queries(ON_DATE)

    assert three - two == two - one
    assert len(mailoutbox) == 6


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_time_make_each_statement_and_email_once(customers, mailoutbox):
    start = threading.Barrier(2)
    summaries, errors = [], []

    def run():
        try:
            start.wait(timeout=10)
            summaries.append(statements_run(on_date=ON_DATE))
        except Exception as error:  # reported below; a thread cannot fail the test itself
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(summary.generated for summary in summaries) == 2
    assert Statement.objects.count() == 2
    assert sorted(mail.to[0] for mail in mailoutbox) == ["ap0-m1@example.cn", "ap0-q1@example.cn"]


def test_the_run_is_scheduled_daily_at_three(settings):
    from celery.schedules import crontab

    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["statements-run-daily"]
    assert entry == {
        "task": "statements.tasks.run_statements",
        "schedule": crontab(hour=3, minute=0),
    }
    assert app.tasks[entry["task"]].name == tasks.run_statements.name
