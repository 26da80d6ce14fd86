"""The statement PDF: Chinese text with real glyphs, figures agreeing with the ledger, the reply
slip matching the confirmation kind, and byte-identical output for the same input."""

import hashlib
import re
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from core.templatetags.huikuan import money
from receivables import services
from receivables.selectors import customer_net_balance
from statements.documents import statement_pdf
from statements.selectors import statement_of_account
from tests.factories import CustomerFactory, issued_invoice, recorded_payment

pytestmark = pytest.mark.django_db

JAN = (date(2026, 1, 1), date(2026, 1, 31))
GENERATED_AT = datetime(2026, 2, 3, 1, 30, tzinfo=UTC)
REPLY_DUE_ON = date(2026, 2, 18)
REPLY_URL = "http://testserver/statements/reply/17/AbCdEf:1vXyZ:signature/"


def poppler(tool: str, pdf: bytes, tmp_path, *args: str) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def pdf_text(pdf: bytes, tmp_path) -> str:
    return poppler("pdftotext", pdf, tmp_path, "-layout")


def flat(text: str) -> str:
    """The text with line breaks and layout spacing collapsed, for phrases that wrap."""
    return " ".join(text.split())


def render(customer, *, language="zh-hans", kind="positive", generated_at=GENERATED_AT):
    statement = statement_of_account(customer=customer, period_start=JAN[0], period_end=JAN[1])
    return statement_pdf(
        statement,
        language=language,
        confirmation_kind=kind,
        reply_url=REPLY_URL,
        reply_due_on=REPLY_DUE_ON,
        generated_at=generated_at,
    )


@pytest.fixture
def chinese_customer(finance_user):
    """December: invoice 1,000 (brought forward). January: invoice 2,345.67, a payment of
    500 applied (to December), a 200 credit note, and 50 paid in advance (unapplied)."""
    customer = CustomerFactory(
        legal_name="杭州西湖贸易有限公司", code="HZ-001", address="杭州市西湖区文三路90号"
    )
    issued_invoice(customer, actor=finance_user, issue_date=date(2025, 12, 5))
    january = issued_invoice(
        customer, actor=finance_user, amount=Decimal("2345.67"), issue_date=date(2026, 1, 8)
    )
    paid = recorded_payment(
        customer, actor=finance_user, amount=Decimal("500.00"), received_on=date(2026, 1, 20)
    )
    services.payment_allocate_auto(actor=finance_user, payment=paid, applied_on=date(2026, 1, 20))
    services.credit_note_issue(
        actor=finance_user,
        invoice=january,
        amount=Decimal("200.00"),
        reason="质量问题退货",
        issue_date=date(2026, 1, 22),
    )
    recorded_payment(
        customer, actor=finance_user, amount=Decimal("50.00"), received_on=date(2026, 1, 29)
    )
    return customer


def test_chinese_statement_prints_chinese_text_and_the_ledger_closing_balance(
    chinese_customer, tmp_path
):
    text = pdf_text(render(chinese_customer), tmp_path)

    for chinese in ("杭州西湖贸易有限公司", "杭州市西湖区文三路90号", "货物", "质量问题退货"):
        assert chinese in text
    assert "回款示范有限公司" in text  # letterhead
    assert "招商银行上海分行营业部" in text  # how to pay
    ledger = customer_net_balance(customer=chinese_customer, as_of=JAN[1])
    assert ledger == {"CNY": Decimal("2595.67")}
    # The reply slip's balance row: currency, balance due, of which overdue.
    slip_row = re.search(r"^\s*CNY\s+(\S+)\s+(\S+)\s*$", text, re.MULTILINE)
    assert slip_row.group(1) == money(ledger["CNY"], "CNY") == "¥2,595.67"
    assert slip_row.group(2) == "¥500.00"  # the rest of December's invoice


def test_statement_embeds_a_noto_cjk_font(chinese_customer, tmp_path):
    fonts = poppler("pdffonts", render(chinese_customer), tmp_path).splitlines()[2:]
    cjk = [line for line in fonts if "Noto-Sans-CJK-SC" in line]
    assert cjk
    # Columns: name type encoding emb sub uni ...: embedded and subset.
    assert all(line.split()[-5:-3] == ["yes", "yes"] for line in cjk)


def test_english_statement_has_english_labels_and_every_movement(chinese_customer, tmp_path):
    text = pdf_text(render(chinese_customer, language="en"), tmp_path)

    for label in (
        "Statement of account",
        "Opening balance",
        "Balance brought forward",
        "Open items as of 2026-01-31",
        "How to pay",
        "Huikuan Demo Co., Ltd.",
        "quote your customer code HZ-001",
    ):
        assert label in flat(text)
    pages = int(re.search(r"Page 1 of (\d+)", text).group(1))
    assert f"Page {pages} of {pages}" in text
    lines = text.splitlines()
    expected = [
        ("2026-01-08", "INV-2026-000001", "¥3,345.67"),
        ("2026-01-20", "RCV-2026-000001", "¥2,845.67"),
        ("2026-01-22", "CN-2026-000001", "¥2,645.67"),
        ("2026-01-29", "RCV-2026-000002", "¥2,595.67"),
    ]
    positions = []
    for day, reference, balance in expected:
        index, line = next(
            (i, line) for i, line in enumerate(lines) if line.strip().startswith(day)
        )
        assert reference in line
        assert line.split()[-1] == balance  # the running balance closes the row
        positions.append(index)
    assert positions == sorted(positions)  # in date order
    assert re.search(r"Totals for the period\s+¥2,345\.67\s+¥750\.00\s+¥2,595\.67", text)
    assert "Payments of ¥50.00 received from you are not yet applied" in flat(text)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_same_content_and_time_give_byte_identical_pdfs(chinese_customer, language):
    first = render(chinese_customer, language=language)
    second = render(chinese_customer, language=language)

    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()


def test_pdf_dates_come_from_generated_at(chinese_customer, tmp_path):
    later = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    first = render(chinese_customer)
    info = poppler("pdfinfo", render(chinese_customer, generated_at=later), tmp_path, "-isodates")

    assert re.search(r"^CreationDate:\s+2026-03-01T08:00:00Z$", info, re.MULTILINE)
    assert re.search(r"^ModDate:\s+2026-03-01T08:00:00Z$", info, re.MULTILINE)
    assert render(chinese_customer, generated_at=later) != first


def test_positive_reply_slip_asks_for_a_reply_in_any_case(chinese_customer, tmp_path):
    text = flat(pdf_text(render(chinese_customer, language="en", kind="positive"), tmp_path))

    assert "Positive confirmation: please reply in any case" in text
    assert "1. The information above is correct." in text
    assert "2. The information above does not agree; please list the items that differ" in text
    assert "return this slip to us by 2026-02-18" in text
    assert REPLY_URL in text
    assert "we will take the balance as agreed" not in text


def test_negative_reply_slip_asks_for_a_reply_only_on_disagreement(chinese_customer, tmp_path):
    text = flat(pdf_text(render(chinese_customer, language="en", kind="negative"), tmp_path))

    assert "Negative confirmation: reply only if the balance does not agree" in text
    assert "If we receive no reply by that date, we will take the balance as agreed." in text
    assert "1. The information above is correct." not in text
    assert "The information above does not agree; please list the items that differ" in text
    assert REPLY_URL in text


def test_customer_without_activity_gets_a_statement_saying_so(tmp_path):
    customer = CustomerFactory(legal_name="宁波空白有限公司")
    text = pdf_text(render(customer, language="en"), tmp_path)

    assert "There is no balance and no movement on your account for this period." in text
    assert "宁波空白有限公司" in text


def test_aging_labels_are_in_the_customers_language_whoever_computed_them(
    chinese_customer, tmp_path
):
    # The fixture computes in English (tests/conftest.py); the customer reads Chinese.
    text = pdf_text(render(chinese_customer, language="zh-hans"), tmp_path)

    assert "未到期" in text  # "Current"
    assert "Current" not in text
