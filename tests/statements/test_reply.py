"""The customer's reply through the signed link (对账确认): confirming restarts the limitation
period and records the confirmation date; disagreeing opens a dispute; one reply only."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Customer
from receivables.models import Dispute, Installment, Invoice
from statements.models import ConfirmationReply, Statement
from statements.services import statement_generate
from tests.factories import CustomerFactory, issued_invoice, recorded_payment
from tests.statements._reply_helpers import JAN, link, ready_statement

pytestmark = pytest.mark.django_db

IP = "203.0.113.7"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def ledger(finance_user):
    """January: invoices of 1,000.00 (due 2026-02-09) and 2,500.00 (due 2026-02-19), and one
    of 300.00 paid in full in January; February: an invoice of 700.00 (after the period)."""
    customer = CustomerFactory(legal_name="杭州西湖贸易有限公司", language="zh-hans")
    first = issued_invoice(customer, actor=finance_user, issue_date=date(2026, 1, 10))
    second = issued_invoice(
        customer, actor=finance_user, amount=Decimal("2500.00"), issue_date=date(2026, 1, 20)
    )
    paid = issued_invoice(
        customer, actor=finance_user, amount=Decimal("300.00"), issue_date=date(2026, 1, 5)
    )
    payment = recorded_payment(
        customer, actor=finance_user, amount=Decimal("300.00"), received_on=date(2026, 1, 15)
    )
    from receivables import services

    services.payment_allocate(
        actor=finance_user,
        payment=payment,
        allocations=[(paid.installments.get().pk, Decimal("300.00"))],
        applied_on=date(2026, 1, 15),
    )
    later = issued_invoice(
        customer, actor=finance_user, amount=Decimal("700.00"), issue_date=date(2026, 2, 3)
    )
    return customer, first, second, paid, later


@pytest.fixture
def statement(ledger, finance_user):
    customer = ledger[0]
    return statement_generate(
        customer=customer,
        period_start=JAN[0],
        period_end=JAN[1],
        source=Statement.Source.ON_DEMAND,
        actor=finance_user,
    )


def _post(client, statement, **data):
    return client.post(link(statement), data=data, REMOTE_ADDR=IP, HTTP_USER_AGENT="Firefox/140")


def _restarts():
    return dict(Installment.objects.values_list("invoice__number", "limitation_restarted_on"))


def test_the_link_shows_the_statement_to_an_anonymous_visitor_in_the_customer_language(
    client, statement
):
    response = client.get(link(statement), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    text = response.content.decode()
    assert "杭州西湖贸易有限公司" in text
    assert '<html lang="zh-hans">' in text  # the customer's language, not the browser's
    assert "¥3,500.00" in text  # closing balance at 2026-01-31
    assert 'name="csrfmiddlewaretoken"' in text
    assert response["Referrer-Policy"] == "same-origin"


def test_confirming_records_the_reply_and_restarts_the_limitation_period(client, statement, ledger):
    customer, first, second, paid, later = ledger
    today = timezone.localdate()

    response = _post(
        client,
        statement,
        outcome="confirmed",
        respondent_name="王会计",
        respondent_title="财务经理",
        respondent_email="wang@example.cn",
    )

    assert response.status_code == 302
    # Back to the page the reply was posted from (a fresh link() may carry a newer timestamp).
    assert response.url == response.request["PATH_INFO"] + "?replied=1"
    reply = ConfirmationReply.objects.get(statement=statement)
    assert (reply.outcome, reply.respondent_name, reply.respondent_title) == (
        "confirmed",
        "王会计",
        "财务经理",
    )
    assert (reply.ip_address, reply.user_agent, reply.dispute) == (IP, "Firefox/140", None)
    customer.refresh_from_db()
    assert customer.last_balance_confirmed_on == today
    # Only the debts open at the period end were acknowledged.
    assert _restarts() == {
        first.number: today,
        second.number: today,
        paid.number: None,
        later.number: None,
    }
    page = client.get(response.url).content.decode()
    assert "data-thanks" in page
    assert "data-reply-form" not in page


def test_a_confirmation_never_moves_a_restart_date_backwards(client, statement, ledger):
    customer, first, second, *_ = ledger
    future = timezone.localdate() + timedelta(days=10)
    Installment.objects.filter(invoice=first).update(limitation_restarted_on=future)
    Customer.objects.filter(pk=customer.pk).update(last_balance_confirmed_on=future)

    _post(client, statement, outcome="confirmed", respondent_name="王会计")

    assert _restarts()[first.number] == future
    assert _restarts()[second.number] == timezone.localdate()
    customer.refresh_from_db()
    assert customer.last_balance_confirmed_on == future


def test_disagreeing_opens_a_dispute_and_marks_the_contested_invoice(client, statement, ledger):
    customer, first, second, *_ = ledger
    contested = second.installments.get()

    response = _post(
        client,
        statement,
        outcome="disputed",
        amount_believed="1000.00",
        contested_items=[contested.pk],
        comment="第二张发票的货物未收到",
        respondent_name="王会计",
    )

    assert response.status_code == 302
    reply = ConfirmationReply.objects.get(statement=statement)
    assert (reply.outcome, reply.currency, reply.amount_believed) == (
        "disputed",
        "CNY",
        Decimal("1000.00"),
    )
    assert list(reply.contested_items.all()) == [contested]
    dispute = reply.dispute
    assert (dispute.customer, dispute.source, dispute.status) == (
        customer,
        Dispute.Source.STATEMENT_REPLY,
        Dispute.Status.OPEN,
    )
    assert (dispute.amount_claimed, dispute.description, dispute.opened_by) == (
        Decimal("1000.00"),
        "第二张发票的货物未收到",
        None,
    )
    assert list(dispute.installments.all()) == [contested]
    assert dict(Invoice.objects.values_list("number", "is_disputed"))[second.number] is True
    assert dict(Invoice.objects.values_list("number", "is_disputed"))[first.number] is False
    # A disagreement acknowledges nothing.
    customer.refresh_from_db()
    assert customer.last_balance_confirmed_on is None
    assert set(_restarts().values()) == {None}


def test_a_second_reply_is_refused_and_changes_nothing(client, statement):
    _post(client, statement, outcome="confirmed", respondent_name="王会计")
    before = list(ConfirmationReply.objects.values())

    response = _post(client, statement, outcome="disputed", comment="不对", respondent_name="李四")

    assert response.status_code == 302
    assert response.url == response.request["PATH_INFO"]
    assert list(ConfirmationReply.objects.values()) == before
    assert Dispute.objects.count() == 0
    assert not Invoice.objects.filter(is_disputed=True).exists()
    page = client.get(link(statement)).content.decode()
    assert "data-reply-form" not in page
    assert 'data-recorded-reply="confirmed"' in page


@pytest.mark.parametrize(
    "data, field",
    [
        ({"outcome": "confirmed", "respondent_name": ""}, "respondent_name"),
        ({"outcome": "disputed", "respondent_name": "王", "comment": ""}, "comment"),
        ({"outcome": "disputed", "respondent_name": "王", "amount_believed": "-1"}, None),
    ],
)
def test_an_incomplete_reply_is_shown_again_with_the_error_and_records_nothing(
    client, statement, data, field
):
    response = _post(client, statement, **data)

    assert response.status_code == 400
    if field:
        assert f'data-field-error="{field}"' in response.content.decode()
    assert not ConfirmationReply.objects.exists()
    assert not Dispute.objects.exists()


def test_only_items_listed_on_the_statement_can_be_contested(client, statement, ledger):
    later = ledger[4].installments.get()  # issued after the period: not on the statement

    response = _post(
        client,
        statement,
        outcome="disputed",
        contested_items=[later.pk],
        respondent_name="王会计",
    )

    assert response.status_code == 400
    assert not ConfirmationReply.objects.exists()
    assert not Invoice.objects.filter(is_disputed=True).exists()


@pytest.mark.parametrize(
    "kind, wording, other",
    [
        ("positive", "confirm that it agrees", "Reply only if it does not agree"),
        ("negative", "Reply only if it does not agree", "confirm that it agrees"),
    ],
)
def test_the_page_asks_for_the_kind_of_confirmation_the_statement_is(
    client, finance_user, kind, wording, other
):
    customer = CustomerFactory(language="en")
    issued_invoice(customer, actor=finance_user, issue_date=date(2026, 1, 10))
    statement = ready_statement(customer, kind=kind, language="en")

    text = client.get(link(statement)).content.decode()

    assert wording in text and other not in text
    assert "by 2026-02-20" in text


def test_the_pdf_behind_the_link_is_the_stored_file(client, statement):
    first = client.get(link(statement) + "pdf/")
    second = client.get(link(statement) + "pdf/")

    assert first.status_code == 200
    body = b"".join(first.streaming_content)
    assert body == b"".join(second.streaming_content)
    assert body == statement.pdf.open("rb").read()
    assert first["Content-Type"] == "application/pdf"
    assert "attachment" in first["Content-Disposition"]
