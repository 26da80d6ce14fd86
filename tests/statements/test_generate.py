"""Generating a statement: the PDF is rendered once in the customer's language, stored with its
SHA-256 and its figures per currency, and never changes afterwards; a failure leaves only the
FAILED statement with the reason; the period's statement is reproducible from document dates."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from core.exceptions import ApplicationError, PermissionDeniedError
from customers.models import Customer
from receivables import services as ledger
from receivables.models import ExchangeRate
from receivables.selectors import customer_net_balance
from statements.links import confirmation_token, statement_for_link
from statements.models import Statement, StatementBalance
from statements.services import statement_generate
from tests.factories import CustomerFactory, issued_invoice, recorded_payment
from tests.statements._statement_helpers import (
    FEB,
    JAN,
    customer_with_ledger,
    media_root,  # noqa: F401 (fixture)
    sha256_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def _generate(customer, actor, period=JAN, **kwargs):
    return statement_generate(
        customer=customer,
        period_start=period[0],
        period_end=period[1],
        source=kwargs.pop("source", Statement.Source.ON_DEMAND),
        actor=actor,
        **kwargs,
    )


def _figures(statement):
    return list(
        StatementBalance.objects.filter(statement=statement)
        .order_by("currency")
        .values_list(
            "currency", "opening_balance", "closing_balance", "overdue_amount", "late_interest"
        )
    )


def test_generating_stores_the_pdf_its_hash_and_the_figures(finance_user):
    customer = customer_with_ledger(finance_user, language=Customer.Language.EN)

    statement = _generate(customer, finance_user)

    statement.refresh_from_db()
    assert statement.status == Statement.Status.READY
    assert statement.failure == ""
    assert statement.source == Statement.Source.ON_DEMAND
    assert statement.requested_by == finance_user
    assert (statement.language, statement.confirmation_kind) == ("en", "positive")
    assert statement.pdf.name.endswith(f"{customer.code}-2026-01-31.pdf")
    with statement.pdf.open("rb") as stored:
        data = stored.read()
    assert data.startswith(b"%PDF-")
    assert statement.pdf_sha256 == sha256_of(data)
    assert statement.reply_due_on == timezone.localdate() + timedelta(
        days=settings.STATEMENT_REPLY_DAYS
    )
    assert statement.send_requested is False
    assert statement.emailed_at is None
    # 1,000 brought forward; 2,000 invoiced and 400 paid in January; the December invoice's
    # remaining 600 was due on 2026-01-04: 27 days of interest at the default 0.05% a day
    # (the terms state no rate), 8.10.
    assert _figures(statement) == [
        ("CNY", Decimal("1000.00"), Decimal("2600.00"), Decimal("600.00"), Decimal("8.10"))
    ]
    assert customer_net_balance(customer=customer, as_of=JAN[1]) == {"CNY": Decimal("2600.00")}
    assert [row.history_user for row in statement.history.order_by("history_id")] == [
        finance_user,
        finance_user,
    ]
    # The link the PDF carries opens this statement.
    assert statement_for_link(pk=statement.pk, token=confirmation_token(statement)) == statement


def test_generating_again_returns_the_ready_statement_unchanged(finance_user, admin_user_):
    customer = customer_with_ledger(finance_user)
    first = _generate(customer, finance_user)
    first.refresh_from_db()
    history_rows = first.history.count()

    again = _generate(customer, admin_user_, send=False)

    again.refresh_from_db()
    assert again.pk == first.pk
    assert (again.pdf.name, again.pdf_sha256, again.generated_at) == (
        first.pdf.name,
        first.pdf_sha256,
        first.generated_at,
    )
    assert again.requested_by == finance_user
    assert Statement.objects.count() == 1
    assert StatementBalance.objects.count() == 1
    assert again.history.count() == history_rows


def test_regenerating_a_past_period_after_new_activity_gives_the_same_figures(finance_user):
    customer = customer_with_ledger(finance_user)
    january = _generate(customer, finance_user)
    printed = _figures(january)
    # February: more business, and the January invoice paid.
    issued_invoice(customer, actor=finance_user, amount=Decimal("5000.00"), issue_date=FEB[0])
    recorded_payment(customer, actor=finance_user, amount=Decimal("2000.00"), received_on=FEB[0])
    StatementBalance.objects.filter(statement=january).delete()
    january.pdf.delete(save=False)
    Statement.objects.filter(pk=january.pk).delete()

    regenerated = _generate(customer, finance_user)

    assert regenerated.pk != january.pk
    assert _figures(regenerated) == printed
    # February's own statement sees it: the unapplied 2,000 lowers the balance, not the
    # overdue items (the January invoice fell due on 2026-02-09). Interest: 600 for 55 days
    # (16.50) and 2,000 for 19 days (19.00).
    assert _figures(_generate(customer, finance_user, period=FEB)) == [
        ("CNY", Decimal("2600.00"), Decimal("5600.00"), Decimal("2600.00"), Decimal("35.50"))
    ]


def test_each_currency_gets_its_own_figures(finance_user):
    customer = customer_with_ledger(finance_user)
    ExchangeRate.objects.create(
        currency="USD", rate_date=date(2026, 1, 1), rate_to_base=Decimal("7.1000")
    )
    draft = ledger.invoice_create_draft(
        actor=finance_user,
        customer=customer,
        issue_date=date(2026, 1, 15),
        currency="USD",
        lines=[
            {
                "description": "Export",
                "quantity": Decimal("2"),
                "unit_price": Decimal("125.50"),
                "tax_rate": Decimal("0"),
            }
        ],
    )
    ledger.invoice_issue(actor=finance_user, invoice=draft)

    statement = _generate(customer, finance_user)

    assert _figures(statement) == [
        ("CNY", Decimal("1000.00"), Decimal("2600.00"), Decimal("600.00"), Decimal("8.10")),
        ("USD", Decimal("0.00"), Decimal("251.00"), Decimal("0.00"), Decimal("0.00")),
    ]


def test_a_rendering_failure_leaves_a_failed_statement_and_nothing_else(
    finance_user, settings, tmp_path
):
    customer = customer_with_ledger(finance_user)
    # The disk refuses the file: MEDIA_ROOT is a plain file, not a folder.
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    media = settings.MEDIA_ROOT
    settings.MEDIA_ROOT = blocked

    failed = _generate(customer, finance_user, send=True)

    failed.refresh_from_db()
    assert failed.status == Statement.Status.FAILED
    assert failed.failure.startswith(("NotADirectoryError", "FileExistsError", "OSError"))
    assert (failed.pdf.name, failed.pdf_sha256, failed.generated_at) == ("", "", None)
    assert failed.reply_due_on is None
    assert StatementBalance.objects.count() == 0
    assert failed.send_requested is True

    settings.MEDIA_ROOT = media
    retried = _generate(customer, finance_user)

    retried.refresh_from_db()
    assert retried.pk == failed.pk
    assert retried.status == Statement.Status.READY
    assert retried.failure == ""
    assert len(_figures(retried)) == 1
    assert retried.send_requested is True


def test_a_customer_with_nothing_to_report_on_demand_gets_an_empty_statement(finance_user):
    customer = CustomerFactory(language=Customer.Language.EN)

    statement = _generate(customer, finance_user)

    assert statement.status == Statement.Status.READY
    assert _figures(statement) == []


@pytest.mark.parametrize(
    "period, field, message",
    [
        ((JAN[1], JAN[0]), "period_end", "The period must not end before it starts."),
        (
            (date(2026, 1, 1), timezone.localdate() + timedelta(days=1)),
            "period_end",
            "The period must not end in the future.",
        ),
    ],
)
def test_a_bad_period_is_refused_and_nothing_is_written(finance_user, period, field, message):
    customer = customer_with_ledger(finance_user)

    with pytest.raises(ApplicationError) as refused:
        _generate(customer, finance_user, period=period)

    assert (refused.value.field, str(refused.value.message)) == (field, message)
    assert Statement.objects.count() == 0


@pytest.mark.parametrize("role", ["sales_user", "auditor_user", "manager_user"])
def test_only_finance_and_admin_generate(request, finance_user, role):
    customer = customer_with_ledger(finance_user, owner=request.getfixturevalue("sales_user"))

    with pytest.raises(PermissionDeniedError):
        _generate(customer, request.getfixturevalue(role))

    assert Statement.objects.count() == 0
