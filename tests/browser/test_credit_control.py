"""Credit control in the browser, on a phone: finance asks for an override of a refused draft,
a manager approves it from the approvals inbox, and finance issues the invoice."""

from datetime import date
from decimal import Decimal

from django.urls import reverse
from playwright.sync_api import expect

from accounts.roles import Role
from receivables import services
from receivables.models import CreditOverride
from tests.browser.helpers import has_horizontal_scroll, login
from tests.factories import CustomerFactory, UserFactory, issued_invoice


def test_an_override_is_asked_for_approved_and_used_on_a_phone(new_page, live_url):
    finance = UserFactory(username="finance_b", role=Role.FINANCE)
    UserFactory(username="manager_b", role=Role.MANAGER)
    customer = CustomerFactory(credit_limit=Decimal("100000.00"))
    issued_invoice(customer, actor=finance, amount=Decimal("60000.00"))
    draft = services.invoice_create_draft(
        actor=finance,
        customer=customer,
        issue_date=date(2026, 3, 1),
        lines=[{"description": "货物", "quantity": 1, "unit_price": Decimal("45000.00")}],
    )
    invoice_url = f"{live_url}{reverse('invoice-detail', args=[draft.pk])}"

    finance_page = new_page(phone=True)
    login(finance_page, live_url, "finance_b")
    finance_page.goto(invoice_url)
    expect(finance_page.locator('[data-refusal="credit_limit_exceeded"]')).to_contain_text(
        "would owe 105,000.00 CNY"
    )
    assert not has_horizontal_scroll(finance_page)
    form = finance_page.locator("[data-override-form]")
    form.get_by_label("Reason").fill("客户已付定金")
    form.get_by_role("button", name="Request credit override").click()
    expect(
        finance_page.get_by_text("Override requested; a manager will decide it.")
    ).to_be_visible()
    override = CreditOverride.objects.get()
    expect(finance_page.locator(f'[data-override="{override.pk}"]')).to_contain_text(
        "Pending approval"
    )

    manager_page = new_page(phone=True)
    login(manager_page, live_url, "manager_b")
    manager_page.goto(f"{live_url}{reverse('approval-inbox')}")
    row = manager_page.locator(f'tr[data-credit-override="{override.pk}"]')
    expect(row).to_contain_text("客户已付定金")
    assert not has_horizontal_scroll(manager_page)
    row.get_by_role("button", name="Approve").click()
    expect(
        manager_page.get_by_text("Override approved: the invoice may be issued once.")
    ).to_be_visible()

    finance_page.goto(invoice_url)
    expect(finance_page.locator("[data-override-usable]")).to_be_visible()
    finance_page.locator("#invoice-actions").get_by_role("button", name="Issue").click()
    expect(finance_page.locator("#invoice-title")).to_contain_text("INV-")
    expect(finance_page.locator("[data-override-used]")).to_be_visible()
    draft.refresh_from_db()
    assert draft.credit_override == override
    assert finance_page.console_errors == []
    assert manager_page.console_errors == []
