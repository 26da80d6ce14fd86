"""The draft invoice editor in a real browser: lines added and removed in the page, the live
preview of totals and schedule following the typing without a reload, then save and issue."""

from decimal import Decimal

from playwright.sync_api import Page, expect

from accounts.roles import Role
from receivables import services
from tests.browser.helpers import has_horizontal_scroll, login
from tests.factories import CustomerFactory, UserFactory


def fill_line(page: Page, index: int, description, quantity, unit_price, tax_percent):
    page.locator(f'[name="lines-{index}-description"]').fill(description)
    page.locator(f'[name="lines-{index}-quantity"]').fill(quantity)
    page.locator(f'[name="lines-{index}-unit_price"]').fill(unit_price)
    page.locator(f'[name="lines-{index}-tax_percent"]').fill(tax_percent)


def test_finance_writes_and_issues_an_invoice_with_a_live_preview(page, live_url):
    finance = UserFactory(username="finance_b", role=Role.FINANCE)
    halves = services.payment_terms_create(
        actor=finance,
        code="HALVES",
        name="50/50",
        schedule=[{"percent": Decimal("50"), "days": 30}, {"percent": Decimal("50"), "days": 60}],
    )
    customer = CustomerFactory(code="BRW001", default_payment_terms=halves)
    login(page, live_url, "finance_b")

    page.goto(f"{live_url}/invoices/new/?customer={customer.pk}")
    # Survives only if the page is never reloaded.
    page.evaluate("window.sameDocument = true")
    page.locator("#id_issue_date").fill("2026-03-10")
    fill_line(page, 0, "Pump housing", "2", "50", "13")
    preview = page.locator("#invoice-preview")
    expect(preview.locator('[data-preview="total"]')).to_have_text("¥113.00")
    expect(preview.locator("[data-due-date]")).to_have_text(["2026-04-09", "2026-05-09"])
    expect(preview.locator("[data-amount]")).to_have_text(["¥56.50", "¥56.50"])

    page.get_by_role("button", name="Add line").click()
    fill_line(page, 1, "Seals", "3", "0.335", "6")
    page.get_by_role("button", name="Add line").click()
    fill_line(page, 2, "Mistake", "1", "99", "0")
    expect(preview.locator('[data-preview="total"]')).to_have_text("¥213.07")
    page.locator("[data-line]").nth(2).get_by_role("button", name="Remove").click()

    expect(preview.locator('[data-preview="subtotal"]')).to_have_text("¥101.01")
    expect(preview.locator('[data-preview="tax"]')).to_have_text("¥13.06")
    expect(preview.locator('[data-preview="total"]')).to_have_text("¥114.07")
    expect(preview.locator("[data-amount]")).to_have_text(["¥57.04", "¥57.03"])
    assert page.evaluate("window.sameDocument") is True
    assert page.locator('[name="lines-TOTAL_FORMS"]').input_value() == "2"

    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#invoice-title")).to_contain_text("Draft")
    page.get_by_role("button", name="Issue", exact=True).click()

    expect(page.locator("#invoice-title")).to_contain_text("INV-2026-000001")
    expect(page.locator("#invoice-title [data-invoice-status]")).to_have_text("Issued")
    expect(page.locator("#invoice-total")).to_have_text("¥114.07")
    expect(page.locator("#installment-table tbody tr")).to_have_count(2)
    expect(page.locator("#installment-table tbody tr").first).to_contain_text("¥57.04")
    assert page.console_errors == []


def test_editor_and_detail_fit_a_phone(new_page, live_url):
    page = new_page(phone=True)
    UserFactory(username="finance_b", role=Role.FINANCE)
    customer = CustomerFactory(code="BRW002")
    login(page, live_url, "finance_b")

    page.goto(f"{live_url}/invoices/new/?customer={customer.pk}")
    fill_line(page, 0, "Goods", "1", "10", "13")
    expect(page.locator('[data-preview="total"]')).to_have_text("¥11.30")
    assert not has_horizontal_scroll(page)

    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#invoice-title")).to_contain_text("Draft")
    assert not has_horizontal_scroll(page)
    assert page.console_errors == []
