"""Customer pages in the browser: a sales rep finding their customer by pinyin initials (the
results follow the search box), never seeing another rep's, and the customer page at phone
width."""

import re
from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from customers.services import name_initials
from tests.browser.helpers import has_horizontal_scroll, login
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    PaymentTermsFactory,
    UserFactory,
    issued_invoice,
    recorded_payment,
)


def named_customer(legal_name: str, short_name: str, **fields):
    return CustomerFactory(
        legal_name=legal_name,
        short_name=short_name,
        name_initials=name_initials(legal_name, short_name),
        **fields,
    )


def customer_rows(page):
    return page.locator("#customer-table tbody tr[data-customer-row]")


def test_a_sales_rep_finds_their_customer_by_pinyin_initials_and_no_one_elses(page, live_url):
    rep = UserFactory(username="sales_b", role=Role.SALES)
    other_rep = UserFactory(username="sales_b2", role=Role.SALES)
    mine = named_customer("杭州科技有限公司", "杭州科技", code="HZ-001", owner=rep)
    named_customer("北京贸易有限公司", "北京贸易", code="BJ-001", owner=rep)
    # Its initials (HZKC…) start with the same letters: only scoping keeps it out.
    theirs = named_customer("杭州科创有限公司", "杭州科创", code="HZ-002", owner=other_rep)
    login(page, live_url, "sales_b")

    page.goto(f"{live_url}{reverse('customer-list')}")
    expect(customer_rows(page)).to_have_count(2)
    page.get_by_role("searchbox", name="Search").press_sequentially("hzk", delay=50)

    # The list follows the search box without a button press, and the address keeps the search.
    expect(page).to_have_url(re.compile(r"/customers/\?q=hzk(&|$)"))
    expect(customer_rows(page)).to_have_count(1)
    expect(customer_rows(page).first).to_contain_text("杭州科技")
    expect(page.get_by_text("杭州科创")).to_have_count(0)
    page.get_by_role("link", name="杭州科技", exact=True).click()
    expect(page).to_have_url(f"{live_url}{reverse('customer-detail', args=[mine.pk])}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("杭州科技")
    assert page.console_errors == []

    response = page.goto(f"{live_url}{reverse('customer-detail', args=[theirs.pk])}")

    assert response.status == 404
    expect(page.get_by_text("杭州科创")).to_have_count(0)


def test_the_customer_page_fits_a_phone_screen_on_every_tab(new_page, live_url, save_screenshot):
    finance = UserFactory(username="finance_b", role=Role.FINANCE)
    rep = UserFactory(username="sales_b", role=Role.SALES)
    customer = named_customer(
        "内蒙古自治区呼和浩特市赛罕区国际贸易与供应链管理集团有限责任公司",
        "呼和浩特国际贸易供应链",
        code="NMG-000001",
        owner=rep,
        region="华北",
        credit_rating="AA",
        # Room for the long amounts below (credit control refuses invoices over the limit).
        credit_limit=Decimal("999999999.00"),
    )
    terms = PaymentTermsFactory(net_days=30)
    today = timezone.localdate()
    for days in (45, 20, 5):
        issued_invoice(
            customer,
            actor=finance,
            amount=Decimal("123456789.12"),
            issue_date=today - timedelta(days=days),
            terms=terms,
        )
    recorded_payment(customer, actor=finance, amount=Decimal("98765.43"), received_on=today)
    ContactFactory(
        customer=customer, name="王经理", email="a-very-long-address.finance@example.com.cn"
    )
    page = new_page(phone=True)
    login(page, live_url, "sales_b")

    for tab in ("installments", "invoices", "payments", "contacts", "history"):
        page.goto(f"{live_url}{reverse('customer-detail', args=[customer.pk])}?tab={tab}")
        expect(page.locator(f'[data-tab-panel="{tab}"]')).to_be_visible()
        assert not has_horizontal_scroll(page), f"the {tab} tab scrolls sideways"

    # The tabs do not fit side by side: their strip scrolls inside its own container instead.
    assert page.locator(".customer-tabs-scroll").evaluate(
        "strip => strip.scrollWidth > strip.clientWidth"
    )
    assert page.console_errors == []
