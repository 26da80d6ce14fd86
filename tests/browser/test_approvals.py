"""A manager decides a write-off request from the approvals inbox in the browser."""

from decimal import Decimal

from playwright.sync_api import expect

from accounts.roles import Role
from receivables import services
from receivables.models import Allocation, WriteOff
from tests.browser.helpers import login
from tests.factories import CustomerFactory, UserFactory, issued_invoice


def test_a_manager_approves_a_pending_write_off_from_the_inbox(page, live_url):
    finance = UserFactory(username="finance_b", role=Role.FINANCE)
    UserFactory(username="manager_b", role=Role.MANAGER)
    installment = issued_invoice(CustomerFactory(), actor=finance).installments.get()
    write_off = services.write_off_request(
        actor=finance, installment=installment, amount=Decimal("250.00"), reason="客户已注销"
    )
    login(page, live_url, "manager_b")

    page.goto(f"{live_url}/approvals/")
    row = page.locator(f'tr[data-write-off="{write_off.pk}"]')
    expect(row).to_contain_text("客户已注销")
    expect(row).to_contain_text(installment.invoice.number)
    row.get_by_label("Note").fill("Registry shows the company dissolved.")
    row.get_by_role("button", name="Approve").click()

    expect(page).to_have_url(f"{live_url}/approvals/")
    expect(page.get_by_text("Write-off approved and posted.")).to_be_visible()
    expect(page.locator(f'tr[data-write-off="{write_off.pk}"]')).to_have_count(0)
    expect(page.locator('[data-approval-kind="write_off"] [data-pending-count]')).to_have_text("0")
    write_off.refresh_from_db()
    assert (write_off.status, write_off.decision_note) == (
        WriteOff.Status.APPROVED,
        "Registry shows the company dissolved.",
    )
    assert list(Allocation.objects.values_list("kind", "amount")) == [
        (Allocation.Kind.WRITE_OFF, Decimal("250.00"))
    ]
    assert page.console_errors == []
