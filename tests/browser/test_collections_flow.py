"""Finance edits a dunning template in Chinese and previews it, then logs a call with a promise
to pay from the worklist; the customer's timeline shows both."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from arcollections.models import Activity, DunningStep, DunningTemplate, PromiseToPay
from tests.browser.helpers import login
from tests.collections.conftest import seed_policies
from tests.factories import ContactFactory, CustomerFactory, UserFactory, issued_invoice

SUBJECT = "付款提醒：{{ customer_name }}"
BODY = (
    "尊敬的{{ contact_name }}：\n"
    "截至{{ as_of }}，贵司逾期款项合计{{ total_overdue }}，请于{{ pay_by }}前支付。"
)


@pytest.fixture
def overdue_customer():
    seed_policies()  # the live server's tests empty the tables the data migration filled
    finance = UserFactory(username="finance_c", role=Role.FINANCE)
    customer = CustomerFactory(
        code="HZ001", legal_name="杭州远航贸易有限公司", short_name="远航贸易", credit_rating="B"
    )
    ContactFactory(customer=customer, name="王经理", receives_reminders=True, is_primary=True)
    issued_invoice(
        customer,
        actor=finance,
        amount=Decimal("12000.00"),
        issue_date=timezone.localdate() - timedelta(days=50),
    )
    return finance, customer


def test_finance_previews_a_chinese_template_then_logs_a_call_with_a_promise(
    new_page, live_url, overdue_customer, save_screenshot
):
    finance, customer = overdue_customer
    step = DunningStep.objects.get(policy__code="STANDARD", offset_days=1)
    page = new_page()
    login(page, live_url, finance.username)

    # The template editor: preview renders the Chinese text for the customer, nothing saved.
    page.goto(f"{live_url}/collections/steps/{step.pk}/templates/zh-hans/")
    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_label("Message").fill(BODY)
    page.get_by_label("Preview for customer").fill(customer.code)
    page.locator("[data-preview-button]").click()
    expect(page.locator("[data-preview-subject]")).to_have_text("付款提醒：杭州远航贸易有限公司")
    expect(page.locator("[data-preview-body]")).to_contain_text("尊敬的王经理：")
    expect(page.locator("[data-preview-body]")).to_contain_text("贵司逾期款项合计")
    assert not DunningTemplate.objects.filter(step=step, subject=SUBJECT).exists()
    page.locator("[data-save-button]").click()
    expect(page).to_have_url(f"{live_url}/collections/policies/{step.policy_id}/")
    saved = DunningTemplate.objects.get(step=step, language="zh-hans")
    assert (saved.subject, saved.body) == (SUBJECT, BODY)

    # The worklist: one click opens the log form under the customer's row.
    page.goto(f"{live_url}/collections/worklist/")
    row = page.locator(f'[data-worklist-customer="{customer.pk}"]')
    expect(row.locator("[data-overdue]")).to_have_text("¥12,000.00")
    row.locator("[data-log-activity]").click()
    form = page.locator(f'[data-activity-form="{customer.pk}"]')
    expect(form).to_be_visible()
    form.get_by_label("Contact").select_option(label="王经理")
    form.get_by_label("Note").fill("客户承诺月底前付款")
    form.get_by_label("Promised amount").fill("5000.00")
    promised_date = timezone.localdate() + timedelta(days=10)
    form.get_by_label("Promised payment date").fill(promised_date.isoformat())
    save_screenshot(page, "collections-worklist-log")
    form.get_by_role("button", name="Log activity").click()
    expect(page).to_have_url(f"{live_url}/collections/worklist/")
    expect(page.get_by_role("alert")).to_contain_text("Activity logged")

    activity = Activity.objects.get()
    promise = PromiseToPay.objects.get()
    assert (activity.kind, activity.outcome, activity.note, activity.performed_by) == (
        "call",
        "promised",
        "客户承诺月底前付款",
        finance,
    )
    assert (promise.amount, promise.promised_date, promise.activity) == (
        Decimal("5000.00"),
        promised_date,
        activity,
    )

    # The customer's timeline shows the call and the promise.
    page.goto(f"{live_url}/customers/{customer.pk}/?tab=collections")
    entries = page.locator("[data-timeline-entry]")
    expect(entries).to_have_count(2)
    expect(page.locator('[data-timeline-entry="activity"]')).to_contain_text("客户承诺月底前付款")
    expect(page.locator('[data-timeline-entry="promise"]')).to_contain_text("¥5,000.00")
    expect(page.locator("[data-promise-status]")).to_have_text("Open")
    save_screenshot(page, "collections-timeline")
    assert page.console_errors == []
