"""The README's pictures, taken on the demo data by the suite's own browser: `make screenshots`
writes them to docs/screenshots/ (HUIKUAN_SCREENSHOT_DIR); an ordinary run checks that the
pages behind them render without errors and, on a phone, without sideways scrolling."""

from datetime import date

import pytest
from django.core.management import call_command

from customers.models import Customer
from receivables.selectors import customers_with_balances
from tests.browser.helpers import has_horizontal_scroll, login

DEMO_PASSWORD = "huikuan-demo"
AS_OF = date(2026, 11, 23)


@pytest.fixture
def demo_data(transactional_db):
    call_command("seed_demo", customers=40, seed=7, as_of=AS_OF, allow_without_debug=True)


def _largest_debtor(manager) -> Customer:
    return customers_with_balances(user=manager, on_date=AS_OF).order_by("-overdue_base").first()


def test_dashboard_and_customer_page_pictures(
    demo_data, new_page, live_url, save_screenshot, django_user_model
):
    desktop = new_page()
    login(desktop, live_url, "manager", DEMO_PASSWORD)
    desktop.goto(f"{live_url}/?as_of={AS_OF.isoformat()}")
    desktop.wait_for_function("() => document.querySelectorAll('canvas').length > 0")
    save_screenshot(desktop, "dashboard")

    debtor = _largest_debtor(django_user_model.objects.get(username="manager"))
    desktop.goto(f"{live_url}/customers/{debtor.pk}/")
    save_screenshot(desktop, "customer")

    phone = new_page(phone=True)
    login(phone, live_url, "manager", DEMO_PASSWORD)
    phone.goto(f"{live_url}/customers/{debtor.pk}/")
    save_screenshot(phone, "customer-phone")

    assert not has_horizontal_scroll(phone)
    assert desktop.console_errors == []
    assert phone.console_errors == []
