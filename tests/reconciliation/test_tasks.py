"""The Celery tasks call the engine's service and report its summary."""

from decimal import Decimal

import pytest

from accounts.roles import Role
from reconciliation.tasks import match_bank_lines, match_open_lines, match_statement_import
from tests.factories import CustomerFactory, UserFactory, bank_line, issued_invoice

pytestmark = pytest.mark.django_db


def test_tasks_match_an_import_some_lines_or_all_open_lines():
    finance = UserFactory(username="task_finance", role=Role.FINANCE)
    customer = CustomerFactory(legal_name="上海华润贸易有限公司")
    issued_invoice(customer, actor=finance, amount=Decimal("700.00"))
    applied = bank_line(amount="700.00", counterparty_name="上海华润贸易有限公司")
    unknown = bank_line(amount="12.00", counterparty_name="中国工商银行")

    assert match_statement_import.apply(args=[applied.statement_import_id]).get() == {
        "evaluated": 2,
        "auto_applied": 1,
        "suggested": 0,
        "unmatched": 1,
    }
    assert match_bank_lines.apply(args=[[unknown.pk]]).get()["evaluated"] == 1
    assert match_open_lines.apply().get()["evaluated"] == 1


def test_open_lines_are_matched_again_every_morning(settings):
    from celery.schedules import crontab

    entry = settings.CELERY_BEAT_SCHEDULE["bank-lines-rematch-daily"]
    assert entry["task"] == "reconciliation.tasks.match_open_lines"
    assert entry["schedule"] == crontab(hour=6, minute=30)
