"""The customer picker in a real browser: suggestions follow the typing (pinyin initials find
杭州科技), choosing one and submitting records the payment for that customer; in the invoice
editor the contract choices follow the customer; it fits a phone."""

from datetime import date
from decimal import Decimal

from playwright.sync_api import Page, expect

from accounts.roles import Role
from customers.services import name_initials
from receivables import services
from receivables.models import Invoice, Payment
from tests.browser.helpers import has_horizontal_scroll, login
from tests.factories import CustomerFactory, UserFactory


def named_customer(legal_name: str, short_name: str, **fields):
    return CustomerFactory(
        legal_name=legal_name,
        short_name=short_name,
        name_initials=name_initials(legal_name, short_name),
        **fields,
    )


def suggestions(page: Page):
    return page.locator("#id_customer_suggestions option")


def test_finance_finds_a_customer_by_pinyin_initials_and_records_its_payment(page, live_url):
    UserFactory(username="finance_p", role=Role.FINANCE)
    hangzhou = named_customer("杭州科技有限公司", "杭州科技", code="HZ-001")
    named_customer("杭州科创有限公司", "杭州科创", code="HZ-002", is_archived=True)
    named_customer("北京贸易有限公司", "北京贸易", code="BJ-001")
    login(page, live_url, "finance_p")

    page.goto(f"{live_url}/payments/new/")
    box = page.locator("#id_customer")
    expect(box).to_have_attribute("type", "search")
    expect(suggestions(page)).to_have_count(0)
    box.press_sequentially("hzkj")

    expect(suggestions(page)).to_have_count(1)
    expect(suggestions(page)).to_have_attribute("value", "HZ-001")
    # What was typed is part of the label, or the browser would not offer the suggestion.
    expect(suggestions(page)).to_have_text("HZ-001 · 杭州科技 · 杭州科技有限公司 · HZKJ")

    box.fill("HZ-001")
    page.locator("#id_amount").fill("1234.56")
    page.get_by_role("button", name="Record and allocate").click()

    payment = Payment.objects.get()
    expect(page).to_have_url(f"{live_url}/payments/{payment.pk}/allocate/")
    assert (payment.customer, payment.amount, payment.currency) == (
        hangzhou,
        Decimal("1234.56"),
        "CNY",
    )
    assert page.console_errors == []


def test_the_name_shown_belongs_to_the_code_in_the_box(page, live_url):
    UserFactory(username="finance_p", role=Role.FINANCE)
    hangzhou = named_customer("杭州科技有限公司", "杭州科技", code="HZ-001")
    named_customer("北京贸易有限公司", "北京贸易", code="BJ-001")
    login(page, live_url, "finance_p")

    page.goto(f"{live_url}/payments/new/?customer={hangzhou.pk}")
    name = page.locator("#id_customer_name")
    expect(page.locator("#id_customer")).to_have_value("HZ-001")
    expect(name).to_have_text("杭州科技")

    page.locator("#id_customer").fill("bjmy")
    expect(name).to_be_hidden()
    expect(suggestions(page)).to_have_attribute("value", "BJ-001")
    page.locator("#id_customer").fill("HZ-001")
    expect(name).to_be_visible()
    assert page.console_errors == []


def test_a_sales_rep_is_never_offered_another_reps_customer(page, live_url):
    rep = UserFactory(username="sales_p", role=Role.SALES)
    other_rep = UserFactory(username="sales_q", role=Role.SALES)
    named_customer("杭州科技有限公司", "杭州科技", code="HZ-001", owner=rep)
    named_customer("杭州科创有限公司", "杭州科创", code="HZ-002", owner=other_rep)
    login(page, live_url, "sales_p")

    page.goto(f"{live_url}/invoices/")
    page.locator("#id_customer").press_sequentially("hzk")

    expect(suggestions(page)).to_have_count(1)
    expect(suggestions(page)).to_have_attribute("value", "HZ-001")
    assert page.console_errors == []


def test_the_editors_contracts_follow_the_customer_typed(page, live_url):
    finance = UserFactory(username="finance_p", role=Role.FINANCE)
    hangzhou = named_customer("杭州科技有限公司", "杭州科技", code="HZ-001")
    beijing = named_customer("北京贸易有限公司", "北京贸易", code="BJ-001")
    for customer, number in ((hangzhou, "HT-HZ"), (beijing, "HT-BJ")):
        services.contract_create(
            actor=finance,
            customer=customer,
            number=number,
            title="供货合同",
            signed_on=date(2026, 1, 5),
            amount=Decimal("1000.00"),
        )
    login(page, live_url, "finance_p")

    page.goto(f"{live_url}/invoices/new/")
    contracts = page.locator("#id_contract option")
    expect(contracts).to_have_text(["No contract"])
    page.locator("#id_customer").fill("bj-001")
    expect(contracts).to_have_text(["No contract", "HT-BJ 供货合同"])
    page.locator("#id_contract").select_option(label="HT-BJ 供货合同")
    page.locator('[name="lines-0-description"]').fill("Pump")
    page.locator('[name="lines-0-quantity"]').fill("2")
    page.locator('[name="lines-0-unit_price"]').fill("50")
    page.locator('[name="lines-0-tax_percent"]').fill("13")
    expect(page.locator('#invoice-preview [data-preview="total"]')).to_have_text("¥113.00")

    page.locator("#id_customer").fill("HZ-001")
    expect(contracts).to_have_text(["No contract", "HT-HZ 供货合同"])
    expect(page.locator("#id_contract")).to_have_value("")
    page.locator("#id_customer").fill("BJ-001")
    expect(contracts).to_have_text(["No contract", "HT-BJ 供货合同"])
    page.locator("#id_contract").select_option(label="HT-BJ 供货合同")
    # Retyping the same customer keeps the contract chosen.
    page.locator("#id_customer").fill("bj-001")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#id_contract")).to_have_value(str(beijing.contracts.get().pk))
    page.get_by_role("button", name="Save draft").click()

    expect(page.locator("#invoice-title")).to_contain_text("Draft")
    invoice = Invoice.objects.get()
    assert (invoice.customer, invoice.contract.number, invoice.total) == (
        beijing,
        "HT-BJ",
        Decimal("113.00"),
    )
    assert page.console_errors == []


def test_the_picker_fits_a_phone(new_page, live_url):
    page = new_page(phone=True)
    UserFactory(username="finance_p", role=Role.FINANCE)
    customer = named_customer(
        "内蒙古自治区呼和浩特市某某超长名称国际贸易集团有限责任公司",
        "呼和浩特国际贸易集团",
        code="NM-001",
    )
    login(page, live_url, "finance_p")

    for path in (
        f"/payments/new/?customer={customer.pk}",
        f"/invoices/new/?customer={customer.pk}",
        f"/invoices/?customer={customer.pk}",
        "/contracts/new/",
    ):
        page.goto(f"{live_url}{path}")
        page.locator("#id_customer").fill("")
        page.locator("#id_customer").press_sequentially("nm")
        expect(suggestions(page)).to_have_count(1)
        assert not has_horizontal_scroll(page), path
    assert page.console_errors == []
