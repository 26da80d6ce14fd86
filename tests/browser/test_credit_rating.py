"""The credit rating page in the browser: a manager recomputes a customer's rating on a phone
and sees the new grade, its breakdown and the change-request link, within the screen's width."""

import importlib
from datetime import timedelta
from decimal import Decimal

from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from credit.models import ScoringPolicy
from tests.browser.helpers import has_horizontal_scroll, login
from tests.credit.histories import paid_invoice
from tests.factories import CustomerFactory, UserFactory, issued_invoice


def _default_policies():
    # Browser tests run on a flushed database: put back what the data migration creates.
    if not ScoringPolicy.objects.exists():
        migration = importlib.import_module("credit.migrations.0002_default_policies")
        migration.create_default_policies(apps, None)


def test_a_manager_recomputes_a_rating_on_a_phone(new_page, live_url):
    _default_policies()
    finance = UserFactory(username="finance_b", role=Role.FINANCE)
    UserFactory(username="manager_b", role=Role.MANAGER)
    customer = CustomerFactory(
        legal_name="内蒙古自治区呼和浩特市赛罕区国际贸易与供应链管理集团有限责任公司",
        short_name="呼和浩特国际贸易供应链管理集团",
        credit_limit=Decimal("100000.00"),
    )
    today = timezone.localdate()
    paid_invoice(
        customer,
        actor=finance,
        amount="30000.00",
        issue_date=today - timedelta(days=200),
        paid_on=today - timedelta(days=150),
    )
    issued_invoice(
        customer, actor=finance, amount=Decimal("20000.00"), issue_date=today - timedelta(days=10)
    )
    page = new_page(phone=True)
    login(page, live_url, "manager_b")

    page.goto(f"{live_url}{reverse('credit-rating-detail', args=[customer.pk])}")
    expect(page.locator("[data-not-rated]")).to_be_visible()
    page.get_by_role("button", name="Recompute now").click()

    expect(page.locator(".alert-success")).to_contain_text("Rated")
    expect(page.locator("[data-rating-grade]")).to_have_text(customer.ratings.get().grade)
    expect(page.locator("[data-breakdown] tbody tr")).to_have_count(9)
    expect(page.locator("[data-rating-history] tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name="Request this change")).to_be_visible()
    assert not has_horizontal_scroll(page)
    assert page.console_errors == []
