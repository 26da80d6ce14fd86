"""A customer answers a statement through its signed link without an account, disagreeing with
the balance; Finance then finds the disagreement in the statement list."""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from receivables.models import Dispute, Invoice
from statements.models import ConfirmationReply
from tests.browser.helpers import has_horizontal_scroll, login
from tests.factories import CustomerFactory, UserFactory, issued_invoice
from tests.statements._reply_helpers import link, ready_statement


@pytest.fixture
def statement(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    finance = UserFactory(username="finance_b", role=Role.FINANCE)
    customer = CustomerFactory(
        legal_name="Harbour Logistics Ltd", short_name="Harbour Logistics", language="en"
    )
    issued_invoice(customer, actor=finance, issue_date=date(2026, 1, 10))
    contested = issued_invoice(
        customer, actor=finance, amount=Decimal("2500.00"), issue_date=date(2026, 1, 20)
    )
    return ready_statement(customer, language="en"), contested


def test_a_customer_disagrees_through_the_link_and_finance_sees_it(
    new_page, live_url, statement, save_screenshot
):
    statement, contested = statement
    customer_page = new_page()

    customer_page.goto(f"{live_url}{link(statement)}")
    expect(customer_page.get_by_text("Harbour Logistics Ltd")).to_be_visible()
    expect(customer_page.locator("[data-closing-balance]").first).to_have_text("¥3,500.00")
    customer_page.get_by_label("The balance does not agree").check()
    customer_page.get_by_label("Balance you believe you owe").fill("1000.00")
    customer_page.get_by_label(contested.number).check()
    customer_page.get_by_label("Differences and comments").fill(
        "Goods of the second invoice never arrived"
    )
    customer_page.get_by_label("Your name").fill("Alice Chan")
    customer_page.get_by_label("Position").fill("AP manager")
    save_screenshot(customer_page, "statement-reply")
    customer_page.get_by_role("button", name="Send my reply").click()

    expect(customer_page.locator("[data-thanks]")).to_have_text(
        "Thank you. Your reply has been recorded."
    )
    expect(customer_page.locator("[data-reply-form]")).to_have_count(0)
    assert customer_page.console_errors == []
    reply = ConfirmationReply.objects.get(statement=statement)
    assert (reply.outcome, reply.amount_believed, reply.respondent_name) == (
        "disputed",
        Decimal("1000.00"),
        "Alice Chan",
    )
    assert reply.ip_address == "127.0.0.1"
    assert Dispute.objects.get().installments.get().invoice == contested
    assert Invoice.objects.get(pk=contested.pk).is_disputed

    finance_page = new_page()
    login(finance_page, live_url, "finance_b")
    finance_page.goto(f"{live_url}/statements/?confirmation_status=disputed")
    row = finance_page.locator(f'tr[data-statement="{statement.pk}"]')
    expect(row).to_contain_text("Harbour Logistics")
    expect(row.locator("[data-confirmation-status]")).to_have_text("Disagrees")
    expect(row.locator("[data-reply-summary]")).to_contain_text("Alice Chan")
    row.get_by_role("link", name="2026-01-01 – 2026-01-31").click()
    expect(finance_page.locator("[data-reply-comment]")).to_have_text(
        "Goods of the second invoice never arrived"
    )
    expect(finance_page.locator("[data-contested-items]")).to_contain_text(contested.number)
    assert finance_page.console_errors == []


def test_the_reply_page_fits_a_phone(new_page, live_url, statement):
    statement, _contested = statement
    phone = new_page(phone=True)

    phone.goto(f"{live_url}{link(statement)}")

    expect(phone.locator("[data-reply-form]")).to_be_visible()
    assert not has_horizontal_scroll(phone)
