"""Cash application in the browser: Finance uploads a bank CSV, finds the credit in the review
queue with its suggestion and evidence, accepts it with the keyboard, and undoes it on the
line's page (the payment is reversed, the line back in the queue)."""

from decimal import Decimal

from playwright.sync_api import expect

from accounts.roles import Role
from receivables.models import Payment
from reconciliation.models import BankLine, MatchSuggestion, MatchSuggestionItem
from tests.browser.helpers import has_horizontal_scroll, login
from tests.factories import CustomerFactory, UserFactory, bank_account, bank_line, issued_invoice

STATEMENT = (
    "交易日期,交易时间,贷方金额,借方金额,对方户名,对方账号,摘要,交易流水号\n"
    '2026-02-03,09:15:22,"1,000.00",,华润万家有限公司,31001590000050012345,货款,G1001\n'
    "2026-02-04,10:30:00,,15.00,,,手续费,G1002\n"
)


def test_import_accept_with_the_keyboard_and_undo(page, live_url, tmp_path):
    finance = UserFactory(username="finance_rec", role=Role.FINANCE)
    buyer = CustomerFactory(code="HR001", legal_name="华润万家有限公司")
    invoice = issued_invoice(buyer, actor=finance, amount=Decimal("1000.00"))
    installment = invoice.installments.get()
    account = bank_account("CMB-BASIC")
    statement = tmp_path / "cmb.csv"
    statement.write_text(STATEMENT, encoding="utf-8")
    login(page, live_url, "finance_rec")

    page.goto(f"{live_url}/bank/imports/new/")
    page.select_option('select[name="account"]', str(account.pk))
    page.set_input_files('input[name="file"]', str(statement))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("[data-import-counts]")).to_contain_text("2 new, 0 already imported")

    # What the matching engine would propose (it runs in the background worker).
    credit = BankLine.objects.get(direction="credit")
    suggestion = MatchSuggestion.objects.create(
        line=credit,
        customer=buyer,
        confidence=82,
        evidence=[{"kind": "name_exact", "detail": "华润万家有限公司", "points": 40}],
    )
    MatchSuggestionItem.objects.create(
        suggestion=suggestion, installment=installment, amount=Decimal("1000.00")
    )
    BankLine.objects.filter(pk=credit.pk).update(status="suggested", customer=buyer, confidence=82)

    page.goto(f"{live_url}/bank/review/")
    row = page.locator(f'[data-review-line="{credit.pk}"]')
    expect(page.locator("[data-review-line]")).to_have_count(1)
    expect(row.locator("[data-suggested-customer]")).to_contain_text("HR001")
    expect(row).to_contain_text(invoice.number)
    expect(row).to_contain_text("Payer's name is the customer's legal name")
    assert not has_horizontal_scroll(page)

    page.keyboard.press("?")
    expect(page.locator("#keyboard-help")).to_have_attribute("open", "")
    page.keyboard.press("j")
    expect(row).to_be_focused()
    page.keyboard.press("a")
    expect(page.locator("[data-empty-state]")).to_be_visible()

    credit.refresh_from_db()
    assert credit.status == "applied"
    payment = Payment.objects.get()
    assert (payment.amount, payment.customer) == (Decimal("1000.00"), buyer)

    page.goto(f"{live_url}/bank/lines/{credit.pk}/")
    expect(page.locator("[data-line-payment]")).to_have_text(payment.number)
    page.fill('#undo-form input[name="reason"]', "付款人要求退回")
    page.get_by_role("button", name="Undo application").click()
    expect(page.locator('[data-line-status="unmatched"]')).to_be_visible()

    credit.refresh_from_db()
    payment.refresh_from_db()
    installment.refresh_from_db()
    assert (credit.status, credit.auto_apply_blocked) == ("unmatched", True)
    assert payment.status == Payment.Status.REVERSED
    assert installment.open_amount == Decimal("1000.00")
    assert page.console_errors == []


def test_the_queue_fits_a_phone(phone_page, live_url):
    UserFactory(username="finance_rec_phone", role=Role.FINANCE)
    bank_line(amount="12800.00", counterparty_name="华润万家（中国）有限公司", remittance="货款")
    login(phone_page, live_url, "finance_rec_phone")

    phone_page.goto(f"{live_url}/bank/review/")

    expect(phone_page.locator("[data-review-line]")).to_have_count(1)
    assert not has_horizontal_scroll(phone_page)
    assert phone_page.console_errors == []
