"""Shared set-up of the balance-confirmation tests: READY statements made directly (lists need
many, and rendering each through WeasyPrint would only slow them down; the reply tests use the
real generation service), and the signed link of a statement."""

import hashlib
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from statements.links import confirmation_path
from statements.models import Statement, StatementBalance
from statements.selectors import statement_of_account

JAN = (date(2026, 1, 1), date(2026, 1, 31))


def ready_statement(
    customer,
    *,
    period=JAN,
    kind="positive",
    language="zh-hans",
    emailed=True,
    reply_due_on=date(2026, 2, 20),
) -> Statement:
    """A READY statement with a stored (tiny) PDF, its hash and the period's real figures."""
    pdf = f"%PDF-1.4 statement {customer.code} {period[1]}".encode()
    statement = Statement(
        customer=customer,
        period_start=period[0],
        period_end=period[1],
        source=Statement.Source.SCHEDULED,
        language=language,
        confirmation_kind=kind,
        status=Statement.Status.READY,
        generated_at=timezone.now(),
        reply_due_on=reply_due_on,
        send_requested=emailed,
        emailed_at=timezone.now() - timedelta(days=1) if emailed else None,
        emailed_to="ap@example.com" if emailed else "",
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
    )
    statement.pdf.save(f"{customer.code}-{period[1]}.pdf", ContentFile(pdf), save=False)
    statement.save()
    content = statement_of_account(customer=customer, period_start=period[0], period_end=period[1])
    StatementBalance.objects.bulk_create(
        StatementBalance(
            statement=statement,
            currency=section.currency,
            opening_balance=section.opening_balance,
            closing_balance=section.closing_balance,
            overdue_amount=section.overdue_amount,
            late_interest=section.late_interest,
        )
        for section in content.sections
    )
    return statement


def link(statement: Statement) -> str:
    return confirmation_path(statement)
