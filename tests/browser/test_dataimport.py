"""Importing in the browser: Finance uploads a GBK-encoded CSV of customers with Chinese headers,
reads the preview (new rows, no error), imports, and finds the customers created; a file with a
bad row shows the row and column and offers no Import button."""

from playwright.sync_api import expect

from accounts.roles import Role
from customers.models import Customer
from tests.browser.helpers import has_horizontal_scroll, login
from tests.factories import UserFactory

GOOD = "客户编码,客户名称,币种\nGBK001,杭州西湖茶业有限公司,CNY\nGBK002,苏州园林建材有限公司,CNY\n"
BAD = "客户编码,客户名称,币种\nGBK003,宁波港口物流有限公司,XYZ\n"


def _upload(page, live_url, path):
    page.goto(f"{live_url}/imports/new/")
    page.select_option('select[name="kind"]', "customers")
    page.set_input_files('input[name="file"]', str(path))
    page.locator("#import-form button[type=submit]").click()


def test_preview_then_import_a_gbk_csv(page, live_url, tmp_path):
    UserFactory(username="finance_imp", role=Role.FINANCE)
    good = tmp_path / "customers.csv"
    good.write_bytes(GOOD.encode("gbk"))
    login(page, live_url, "finance_imp")

    _upload(page, live_url, good)

    expect(page.locator('[data-count="new"]')).to_have_text("2")
    expect(page.locator('[data-count="error"]')).to_have_text("0")
    assert not Customer.objects.filter(code__startswith="GBK").exists()
    page.locator("#import-run").click()
    expect(page.locator('[data-count="new"]')).to_have_text("2")
    expect(page.locator("#import-run")).to_have_count(0)
    assert set(
        Customer.objects.filter(code__startswith="GBK").values_list("legal_name", flat=True)
    ) == {
        "杭州西湖茶业有限公司",
        "苏州园林建材有限公司",
    }
    assert not has_horizontal_scroll(page)


def test_a_bad_row_is_shown_with_its_row_and_column(page, live_url, tmp_path):
    UserFactory(username="finance_imp2", role=Role.FINANCE)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(BAD.encode("gbk"))
    login(page, live_url, "finance_imp2")

    _upload(page, live_url, bad)

    expect(page.locator('[data-count="error"]')).to_have_text("1")
    expect(page.locator("#import-run")).to_have_count(0)
    expect(page.locator("body")).to_contain_text("币种")
    assert not Customer.objects.filter(code="GBK003").exists()
