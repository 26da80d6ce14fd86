"""A sales rep acknowledges an alert from the alerts list in the browser."""

from datetime import date
from decimal import Decimal

from playwright.sync_api import expect

from accounts.roles import Role
from alerts.models import Alert, AlertRule
from alerts.services import alerts_evaluate
from tests.browser.helpers import has_horizontal_scroll, login
from tests.factories import CustomerFactory, UserFactory, issued_invoice


def _open_alert_for(owner) -> Alert:
    finance = UserFactory(username="finance_b", role=Role.FINANCE)
    AlertRule.objects.update(is_active=False)
    AlertRule.objects.create(kind=AlertRule.Kind.OVERDUE_DAYS, threshold=Decimal("30"))
    customer = CustomerFactory(owner=owner, short_name="预警客户")
    issued_invoice(customer, actor=finance, issue_date=date(2026, 1, 1))
    alerts_evaluate(on_date=date(2026, 3, 3))
    return Alert.objects.get()


def test_a_sales_rep_acknowledges_an_alert_from_the_list(page, live_url):
    rep = UserFactory(username="sales_b", role=Role.SALES)
    alert = _open_alert_for(rep)
    login(page, live_url, "sales_b")

    page.goto(f"{live_url}/alerts/")
    row = page.locator(f'tr[data-alert="{alert.pk}"]')
    expect(row).to_contain_text("预警客户")
    expect(row).to_contain_text("Oldest open item more than 30 days past due")
    expect(row.locator("[data-measured-value]")).to_have_text("31 days")
    row.get_by_role("button", name="Acknowledge").click()

    expect(page).to_have_url(f"{live_url}/alerts/")
    expect(page.get_by_text("Alert acknowledged for")).to_be_visible()
    expect(row.locator("[data-alert-status]")).to_have_text("Acknowledged")
    expect(row.get_by_role("button", name="Acknowledge")).to_have_count(0)
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == (Alert.Status.ACKNOWLEDGED, rep)
    assert page.console_errors == []


def test_the_alerts_list_fits_a_phone(phone_page, live_url):
    rep = UserFactory(username="sales_b", role=Role.SALES)
    _open_alert_for(rep)
    login(phone_page, live_url, "sales_b")

    phone_page.goto(f"{live_url}/alerts/")

    expect(phone_page.locator("tr[data-alert]")).to_have_count(1)
    assert not has_horizontal_scroll(phone_page)
    assert phone_page.console_errors == []
