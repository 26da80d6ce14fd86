"""Issue 3's main flow, through the pages only: finance finds a customer, writes and issues an
invoice, records the customer's payment, applies it, and sees the customer's balance follow."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from receivables.models import Installment
from tests.browser.helpers import login
from tests.factories import CustomerFactory, UserFactory


def test_finance_invoices_a_customer_records_the_payment_and_sees_the_balance_change(
    page, live_url
):
    UserFactory(username="finance_f", role=Role.FINANCE)
    customer = CustomerFactory(
        code="FLOW01", legal_name="杭州流程科技有限公司", short_name="流程科技"
    )
    issue_date = timezone.localdate() - timedelta(days=3)
    login(page, live_url, "finance_f")
    open_balance = page.locator('[data-kpi="open"]')

    page.get_by_role("link", name="Customers", exact=True).click()
    page.get_by_role("searchbox").fill("FLOW01")
    page.get_by_role("link", name="FLOW01").first.click()
    expect(open_balance).to_have_text("¥0.00")

    page.get_by_role("link", name="New invoice").click()
    page.locator("#id_issue_date").fill(issue_date.isoformat())
    page.locator('[name="lines-0-description"]').fill("服务器机柜")
    page.locator('[name="lines-0-quantity"]').fill("4")
    page.locator('[name="lines-0-unit_price"]').fill("2500")
    page.locator('[name="lines-0-tax_percent"]').fill("13")
    expect(page.locator('[data-preview="total"]')).to_have_text("¥11,300.00")
    page.get_by_role("button", name="Save and issue").click()
    expect(page.locator("#invoice-title [data-invoice-status]")).to_have_text("Issued")

    page.get_by_role("link", name="流程科技").first.click()
    expect(open_balance).to_have_text("¥11,300.00")

    page.get_by_role("link", name="Record payment").click()
    page.fill('input[name="received_on"]', timezone.localdate().isoformat())
    page.fill('input[name="amount"]', "8000.00")
    page.get_by_role("button", name="Record and allocate").click()
    expect(page.locator("#remaining-unapplied")).to_have_text("¥0.00")
    page.get_by_role("button", name="Apply payment").click()
    expect(page.locator('[data-amount="unapplied"]')).to_have_text("¥0.00")

    page.goto(f"{live_url}/customers/{customer.pk}/")
    expect(open_balance).to_have_text("¥3,300.00")
    assert Installment.objects.get().open_amount == Decimal("3300.00")
    assert page.console_errors == []
