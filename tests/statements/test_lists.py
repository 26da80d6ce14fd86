"""Finance's statement list and detail: confirmation status per statement, filters, scoping
(a sales rep sees only their own customers'), and a query count independent of the rows."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from statements.models import ConfirmationReply, Statement
from statements.services import statement_reply_record
from tests.factories import CustomerFactory, issued_invoice
from tests.statements._reply_helpers import ready_statement

pytestmark = pytest.mark.django_db

FEB = (date(2026, 2, 1), date(2026, 2, 28))


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _customer(owner, actor, amount="1000.00", **fields):
    customer = CustomerFactory(owner=owner, **fields)
    issued_invoice(customer, actor=actor, amount=Decimal(amount))
    return customer


def _reply(statement, outcome, **fields):
    return statement_reply_record(
        statement=statement,
        outcome=outcome,
        respondent_name="王会计",
        ip_address="198.51.100.4",
        **fields,
    )


@pytest.fixture
def statements(sales_user, other_sales_user, finance_user):
    """Five statements, one per confirmation status: confirmed and disputed (the sales rep's
    customers), awaiting a reply, reply overdue, and not sent (the other rep's)."""
    today = timezone.localdate()
    mine = _customer(sales_user, finance_user, legal_name="杭州确认有限公司")
    disputed = _customer(sales_user, finance_user, "2000.00", legal_name="杭州异议有限公司")
    awaiting = _customer(other_sales_user, finance_user, legal_name="宁波等待有限公司")
    overdue = _customer(other_sales_user, finance_user, legal_name="宁波逾期有限公司")
    unsent = _customer(other_sales_user, finance_user, legal_name="宁波未发有限公司")
    later = today + timedelta(days=10)
    earlier = today - timedelta(days=1)
    result = {
        "confirmed": ready_statement(mine, reply_due_on=later),
        "disputed": ready_statement(disputed, reply_due_on=later),
        "awaiting_reply": ready_statement(awaiting, reply_due_on=later),
        "reply_overdue": ready_statement(overdue, reply_due_on=earlier),
        "not_sent": ready_statement(unsent, emailed=False, reply_due_on=later),
    }
    _reply(result["confirmed"], "confirmed")
    _reply(result["disputed"], "disputed", amount_believed="1500.00", comment="少了一笔付款")
    return result


def _list(client, **params):
    return client.get(reverse("statement-list"), params, HTTP_ACCEPT_LANGUAGE="en")


def _rows(response) -> set[int]:
    return {statement.pk for statement in response.context["page"].object_list}


def test_finance_sees_every_statement_with_its_confirmation_status(
    client, finance_user, statements
):
    client.force_login(finance_user)

    response = _list(client)

    assert response.status_code == 200
    assert _rows(response) == {statement.pk for statement in statements.values()}
    assert {
        statement.pk: statement.confirmation_status
        for statement in response.context["page"].object_list
    } == {statement.pk: status for status, statement in statements.items()}
    page = response.content.decode()
    assert "¥2,000.00" in page  # the disputed customer's closing balance, from the statement
    assert "believes ¥1,500.00" in page


@pytest.mark.parametrize(
    "status", ["confirmed", "disputed", "awaiting_reply", "reply_overdue", "not_sent"]
)
def test_the_confirmation_filter_keeps_exactly_that_status(
    client, finance_user, statements, status
):
    client.force_login(finance_user)

    assert _rows(_list(client, confirmation_status=status)) == {statements[status].pk}


def test_the_customer_and_period_filters_narrow_the_list(client, finance_user, statements):
    customer = statements["awaiting_reply"].customer
    feb = ready_statement(customer, period=FEB)
    client.force_login(finance_user)

    assert _rows(_list(client, customer="宁波等待")) == {statements["awaiting_reply"].pk, feb.pk}
    assert _rows(_list(client, customer=customer.code, period_end_from="2026-02-01")) == {feb.pk}
    assert _rows(_list(client, period_end_to="2026-01-31")) == {
        statement.pk for statement in statements.values()
    }


def test_a_sales_rep_sees_only_their_own_customers_statements(client, sales_user, statements):
    client.force_login(sales_user)

    response = _list(client)

    assert _rows(response) == {statements["confirmed"].pk, statements["disputed"].pk}
    assert "宁波" not in response.content.decode()
    other = statements["awaiting_reply"]
    assert client.get(reverse("statement-detail", args=[other.pk])).status_code == 404


def _make(count, owner, actor):
    for _index in range(count):
        statement = ready_statement(_customer(owner, actor))
        _reply(statement, "disputed", amount_believed="1.00")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_costs_the_same_queries_at_two_and_twelve_statements(
    client, finance_user, sales_user
):
    client.force_login(finance_user)
    _make(2, sales_user, finance_user)
    with_two = _queries(client, reverse("statement-list"))

    _make(10, sales_user, finance_user)
    with_twelve = _queries(client, reverse("statement-list"))

    assert with_two == with_twelve


def test_the_detail_shows_the_figures_the_e_mail_and_the_reply(client, finance_user, statements):
    statement = statements["disputed"]
    client.force_login(finance_user)

    response = client.get(
        reverse("statement-detail", args=[statement.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "data-closing-balance>¥2,000.00<" in page
    assert statement.pdf_sha256 in page
    assert "ap@example.com" in page
    assert 'data-reply-outcome="disputed"' in page
    assert "198.51.100.4" in page
    assert "少了一笔付款" in page
    assert f'data-dispute="{statement.reply.dispute_id}"' in page
    assert reverse("statement-pdf", args=[statement.pk]) in page
    assert reverse("statement-send", args=[statement.pk]) in page


def test_an_auditor_may_read_the_detail_but_gets_no_resend_button(client, auditor_user, statements):
    statement = statements["confirmed"]
    client.force_login(auditor_user)

    page = client.get(reverse("statement-detail", args=[statement.pk])).content.decode()

    assert reverse("statement-pdf", args=[statement.pk]) in page
    assert reverse("statement-send", args=[statement.pk]) not in page


def test_the_customer_page_lists_its_statements_and_offers_finance_the_form(
    client, finance_user, sales_user, statements
):
    statement = statements["confirmed"]
    url = reverse("customer-detail", args=[statement.customer_id]) + "?tab=statements"

    client.force_login(finance_user)
    finance_page = client.get(url).content.decode()
    client.force_login(sales_user)
    sales_page = client.get(url).content.decode()

    assert f'data-statement="{statement.pk}"' in finance_page
    assert 'data-confirmation-status="confirmed"' in finance_page
    assert reverse("customer-statement-generate", args=[statement.customer_id]) in finance_page
    assert 'name="period_start"' in finance_page
    assert f'data-statement="{statement.pk}"' in sales_page
    assert reverse("customer-statement-generate", args=[statement.customer_id]) not in sales_page


def test_the_customer_header_shows_the_last_confirmation(client, finance_user, statements):
    customer = statements["confirmed"].customer
    client.force_login(finance_user)

    page = client.get(reverse("customer-detail", args=[customer.pk])).content.decode()

    assert f"data-last-confirmed>{timezone.localdate():%Y-%m-%d}<" in page


def test_the_nav_links_the_statement_list(client, auditor_user):
    client.force_login(auditor_user)

    assert reverse("statement-list") in client.get(reverse("home")).content.decode()


def test_no_reply_means_none_is_shown(client, finance_user, statements):
    statement = statements["not_sent"]
    client.force_login(finance_user)

    page = client.get(reverse("statement-detail", args=[statement.pk])).content.decode()

    assert "data-reply-outcome" not in page
    assert not ConfirmationReply.objects.filter(statement=statement).exists()
    assert Statement.objects.get(pk=statement.pk).emailed_at is None
