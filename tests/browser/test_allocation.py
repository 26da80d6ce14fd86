"""Recording a payment and allocating it in the browser: the screen proposes oldest-due-first,
keeps "remaining unapplied" current while amounts are typed, warns about over-allocation, and
the payment's page shows what was applied."""

from datetime import date
from decimal import Decimal

from playwright.sync_api import expect

from accounts.roles import Role
from receivables.models import Allocation, Payment
from tests.browser.helpers import login
from tests.factories import CustomerFactory, UserFactory, issued_invoice, recorded_payment


def test_finance_records_a_payment_and_allocates_edited_amounts(page, live_url):
    finance = UserFactory(username="finance_b", role=Role.FINANCE)
    customer = CustomerFactory()
    # NET30: due 2026-01-09 (1000.00) and 2026-02-09 (800.00).
    january = issued_invoice(
        customer, actor=finance, amount=Decimal("1000.00"), issue_date=date(2025, 12, 10)
    )
    february = issued_invoice(
        customer, actor=finance, amount=Decimal("800.00"), issue_date=date(2026, 1, 10)
    )
    january_row = january.installments.get()
    february_row = february.installments.get()
    login(page, live_url, "finance_b")

    page.goto(f"{live_url}/payments/new/?customer={customer.pk}")
    page.fill('input[name="received_on"]', "2026-01-20")
    page.fill('input[name="amount"]', "1500.00")
    page.fill('input[name="reference"]', "招商银行 0120")
    page.get_by_role("button", name="Record and allocate").click()

    payment = Payment.objects.get()
    expect(page).to_have_url(f"{live_url}/payments/{payment.pk}/allocate/")
    january_input = page.locator(f'input[name="amount_{january_row.pk}"]')
    february_input = page.locator(f'input[name="amount_{february_row.pk}"]')
    remaining = page.locator("#remaining-unapplied")
    january_over_open = (
        page.locator("[data-allocation-row]")
        .filter(has=january_input)
        .locator('[data-row-warning="over-open"]')
    )
    expect(january_input).to_have_value("1000.00")
    expect(february_input).to_have_value("500.00")
    expect(remaining).to_have_text("¥0.00")

    february_input.fill("200.25")
    expect(remaining).to_have_text("¥299.75")
    january_input.fill("1400")
    expect(remaining).to_have_text("-¥100.25")
    expect(page.locator("[data-overallocated-warning]")).to_be_visible()
    expect(january_over_open).to_be_visible()
    january_input.fill("900.10")
    expect(remaining).to_have_text("¥399.65")
    expect(page.locator("[data-overallocated-warning]")).to_be_hidden()
    expect(january_over_open).to_be_hidden()

    page.get_by_role("button", name="Apply payment").click()

    expect(page).to_have_url(f"{live_url}/payments/{payment.pk}/")
    allocations = page.locator("#allocation-table tbody tr")
    expect(allocations).to_have_count(2)
    expect(allocations.filter(has_text=january.number)).to_contain_text("¥900.10")
    expect(allocations.filter(has_text=february.number)).to_contain_text("¥200.25")
    expect(page.locator('[data-amount="unapplied"]')).to_have_text("¥399.65")
    assert sorted(Allocation.objects.values_list("installment_id", "amount")) == sorted(
        [(january_row.pk, Decimal("900.10")), (february_row.pk, Decimal("200.25"))]
    )
    assert page.console_errors == []


def test_the_allocation_screen_can_be_cleared_and_proposed_again(page, live_url):
    finance = UserFactory(username="finance_b", role=Role.FINANCE)
    customer = CustomerFactory()
    invoice = issued_invoice(customer, actor=finance, amount=Decimal("300.00"))
    payment = recorded_payment(customer, actor=finance, amount=Decimal("120.00"))
    row_input = f'input[name="amount_{invoice.installments.get().pk}"]'
    login(page, live_url, "finance_b")

    page.goto(f"{live_url}/payments/{payment.pk}/allocate/")
    page.get_by_role("button", name="Clear all").click()
    expect(page.locator(row_input)).to_have_value("")
    expect(page.locator("#remaining-unapplied")).to_have_text("¥120.00")
    page.get_by_role("button", name="Oldest due first").click()
    expect(page.locator(row_input)).to_have_value("120.00")
    expect(page.locator("#remaining-unapplied")).to_have_text("¥0.00")
    assert page.console_errors == []
