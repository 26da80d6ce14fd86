"""Finance's statement pages: generate one from the customer page (synchronously, optionally
e-mailing it), download the stored PDF, resend it. Scoped: another rep's is a 404."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from statements.models import Statement
from statements.periods import last_complete_month
from tests.statements._reply_helpers import ready_statement
from tests.statements._statement_helpers import (
    customer_with_ledger,
    media_root,  # noqa: F401 (fixture)
    sha256_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _generate_url(customer):
    return reverse("customer-statement-generate", args=[customer.pk])


def _messages(response):
    return [str(message) for message in response.wsgi_request._messages]


def test_finance_generates_and_emails_a_statement_from_the_customer_page(
    client, finance_user, django_capture_on_commit_callbacks, mailoutbox
):
    customer = customer_with_ledger(finance_user, code="PG1")
    client.force_login(finance_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _generate_url(customer),
            {"period_start": "2026-01-01", "period_end": "2026-01-31", "send": "on"},
            **EN,
        )

    statement = Statement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("statement-detail", args=[statement.pk])
    assert statement.status == Statement.Status.READY
    assert (statement.source, statement.requested_by) == (
        Statement.Source.ON_DEMAND,
        finance_user,
    )
    assert [mail.to for mail in mailoutbox] == [["ap0-pg1@example.cn"]]
    assert _messages(response) == [
        "The statement is ready.",
        "The statement was e-mailed to ap0-pg1@example.cn.",
    ]


def test_the_form_page_proposes_the_last_complete_month(client, finance_user):
    customer = customer_with_ledger(finance_user)
    client.force_login(finance_user)

    response = client.get(_generate_url(customer), **EN)

    start, end = last_complete_month(timezone.localdate())
    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="period_start" value="{start.isoformat()}"' in html
    assert f'name="period_end" value="{end.isoformat()}"' in html
    assert 'name="send"' in html


def test_an_invalid_period_shows_the_form_again_and_writes_nothing(client, finance_user):
    customer = customer_with_ledger(finance_user)
    client.force_login(finance_user)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    backwards = client.post(
        _generate_url(customer), {"period_start": "2026-01-31", "period_end": "2026-01-01"}, **EN
    )
    future = client.post(
        _generate_url(customer), {"period_start": "2026-01-01", "period_end": tomorrow}, **EN
    )

    assert backwards.status_code == future.status_code == 400
    assert "The period must not end before it starts." in backwards.content.decode()
    assert "The period must not end in the future." in future.content.decode()
    assert Statement.objects.count() == 0


@pytest.mark.parametrize("role", ["sales_user", "auditor_user", "manager_user"])
def test_only_finance_and_admin_generate_from_the_page(client, request, finance_user, role):
    customer = customer_with_ledger(finance_user, owner=request.getfixturevalue("sales_user"))
    client.force_login(request.getfixturevalue(role))

    response = client.post(
        _generate_url(customer), {"period_start": "2026-01-01", "period_end": "2026-01-31"}
    )

    assert response.status_code == 403
    assert Statement.objects.count() == 0


def test_the_stored_pdf_downloads_byte_identical(client, finance_user):
    statement = ready_statement(customer_with_ledger(finance_user, code="DL1"))
    client.force_login(finance_user)

    first = client.get(reverse("statement-pdf", args=[statement.pk]))
    second = client.get(reverse("statement-pdf", args=[statement.pk]))

    assert first.status_code == 200
    assert first["Content-Disposition"] == (
        'attachment; filename="statement-DL1-2026-01-01-2026-01-31.pdf"'
    )
    data = b"".join(first.streaming_content)
    assert data == b"".join(second.streaming_content)
    assert sha256_of(data) == statement.pdf_sha256


def test_another_reps_statement_is_a_404(client, finance_user, sales_user, other_sales_user):
    theirs = ready_statement(customer_with_ledger(finance_user, owner=other_sales_user))
    mine = ready_statement(customer_with_ledger(finance_user, owner=sales_user))
    client.force_login(sales_user)

    assert client.get(reverse("statement-pdf", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("statement-pdf", args=[mine.pk])).status_code == 200


def test_a_statement_without_a_pdf_yet_is_a_404(client, finance_user):
    statement = Statement.objects.create(
        customer=customer_with_ledger(finance_user),
        period_start=timezone.localdate().replace(day=1),
        period_end=timezone.localdate(),
        source=Statement.Source.ON_DEMAND,
        language="en",
        confirmation_kind="positive",
    )
    client.force_login(finance_user)

    assert client.get(reverse("statement-pdf", args=[statement.pk])).status_code == 404


def test_finance_resends_a_statement(client, finance_user, mailoutbox):
    statement = ready_statement(customer_with_ledger(finance_user, code="RS1"))
    client.force_login(finance_user)

    response = client.post(reverse("statement-send", args=[statement.pk]), **EN)

    assert response.status_code == 302
    assert response["Location"] == reverse("statement-detail", args=[statement.pk])
    assert [mail.to for mail in mailoutbox] == [["ap0-rs1@example.cn"]]
    assert sha256_of(mailoutbox[0].attachments[0][1]) == statement.pdf_sha256
    statement.refresh_from_db()
    assert statement.emailed_to == "ap0-rs1@example.cn"
    assert _messages(response) == ["The statement was e-mailed to ap0-rs1@example.cn."]


def test_a_resend_without_a_statement_contact_says_so(client, finance_user, mailoutbox):
    statement = ready_statement(customer_with_ledger(finance_user, contacts=0), emailed=False)
    client.force_login(finance_user)

    response = client.post(reverse("statement-send", args=[statement.pk]), **EN)

    assert _messages(response) == ["The statement was not e-mailed: no statement contact"]
    statement.refresh_from_db()
    assert (statement.emailed_at, mailoutbox) == (None, [])


@pytest.mark.parametrize("role", ["sales_user", "auditor_user"])
def test_only_finance_and_admin_resend(client, request, finance_user, role, mailoutbox):
    statement = ready_statement(
        customer_with_ledger(finance_user, owner=request.getfixturevalue("sales_user")),
        emailed=False,
    )
    client.force_login(request.getfixturevalue(role))

    response = client.post(reverse("statement-send", args=[statement.pk]))

    assert response.status_code == 403
    statement.refresh_from_db()
    assert (statement.emailed_at, mailoutbox) == (None, [])
