"""Reminder and demand letters (催款通知 / 催款函): the overdue items with days overdue and
late interest to the letter's date, a pay-by date, and the download page's access rules."""

import hashlib
import re
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from statements.documents import reminder_letter_pdf
from tests.factories import CustomerFactory, PaymentTermsFactory, issued_invoice

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 2, 10)


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return " ".join(text.split())


@pytest.fixture
def overdue_customer(finance_user):
    """Two invoices on 0.05 %/day late interest: 1,000.00 due 2026-01-04 (37 days overdue on
    AS_OF) and 500.00 due 2026-03-01 (not yet due)."""
    terms = PaymentTermsFactory(
        code="NET30-LI", name="Net 30, 0.05%/day", late_interest_daily_rate=Decimal("0.0005")
    )
    customer = CustomerFactory(
        legal_name="苏州拖欠机械有限公司", code="SZ-009", language="en", default_payment_terms=terms
    )
    overdue = issued_invoice(customer, actor=finance_user, issue_date=date(2025, 12, 5))
    not_due = issued_invoice(
        customer, actor=finance_user, amount=Decimal("500.00"), issue_date=date(2026, 1, 30)
    )
    return customer, overdue, not_due


def test_reminder_lists_overdue_items_with_interest_and_a_pay_by_date(overdue_customer, tmp_path):
    customer, overdue, not_due = overdue_customer
    text = pdf_text(
        reminder_letter_pdf(customer=customer, as_of=AS_OF, language="en", kind="reminder"),
        tmp_path,
    )

    assert "Payment reminder" in text
    assert "Formal demand" not in text
    # 1,000.00 × 0.0005 × 37 days = 18.50
    assert f"{overdue.number} 2025-12-05 2026-01-04 ¥1,000.00 37 ¥18.50" in text
    assert not_due.number not in text
    assert "Total overdue ¥1,000.00 ¥18.50" in text
    assert (
        "Total overdue Late interest to 2026-02-10 Total to pay ¥1,000.00 ¥18.50 ¥1,018.50" in text
    )
    assert "Please pay the overdue amounts by 2026-02-20." in text
    assert "Bank 招商银行上海分行营业部 Account number 1219 0000 0000 0000" in text
    assert "Payment reference SZ-009" in text


def test_demand_letter_is_formal_with_a_shorter_deadline(overdue_customer, tmp_path):
    customer, overdue, _not_due = overdue_customer
    text = pdf_text(
        reminder_letter_pdf(customer=customer, as_of=AS_OF, language="en", kind="demand"),
        tmp_path,
    )

    assert "Formal demand for payment" in text
    assert "Payment reminder" not in text
    assert f"{overdue.number} 2025-12-05 2026-01-04 ¥1,000.00 37 ¥18.50" in text
    assert "in full by 2026-02-17" in text
    assert "we will take legal action" in text
    assert "interrupts their limitation period" in text


def test_chinese_letter_prints_the_chinese_name(overdue_customer, tmp_path):
    customer, _overdue, _not_due = overdue_customer
    text = pdf_text(
        reminder_letter_pdf(customer=customer, as_of=AS_OF, language="zh-hans", kind="demand"),
        tmp_path,
    )

    assert "苏州拖欠机械有限公司" in text
    assert "回款示范有限公司" in text


def test_letter_without_overdue_items_says_so(finance_user, tmp_path):
    customer = CustomerFactory()
    issued_invoice(customer, actor=finance_user, issue_date=date(2026, 2, 1))
    text = pdf_text(
        reminder_letter_pdf(customer=customer, as_of=AS_OF, language="en", kind="reminder"),
        tmp_path,
    )

    assert "nothing on your account was overdue on 2026-02-10" in text
    assert "How to pay" not in text


def test_the_same_days_letter_is_the_same_file(overdue_customer):
    customer, _overdue, _not_due = overdue_customer
    first, second = (
        reminder_letter_pdf(customer=customer, as_of=AS_OF, language="zh-hans", kind="demand")
        for _ in range(2)
    )
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()


def test_unknown_letter_kind_is_refused(overdue_customer):
    customer, _overdue, _not_due = overdue_customer
    with pytest.raises(ValueError):
        reminder_letter_pdf(customer=customer, as_of=AS_OF, language="en", kind="lawsuit")


# --- the download page ---


def letter_url(customer, kind="reminder", **query):
    url = reverse("customer-letter-pdf", kwargs={"pk": customer.pk, "kind": kind})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.mark.parametrize("kind", ["reminder", "demand"])
def test_finance_downloads_a_letter_in_the_customers_language(
    client, finance_user, overdue_customer, kind, tmp_path
):
    customer, overdue, _not_due = overdue_customer
    client.force_login(finance_user)

    response = client.get(letter_url(customer, kind, as_of="2026-02-10"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="SZ-009-{kind}-2026-02-10.pdf"'
    )
    assert response.content == reminder_letter_pdf(
        customer=customer, as_of=AS_OF, language="en", kind=kind
    )
    assert overdue.number in pdf_text(response.content, tmp_path)


def test_letter_defaults_to_today(client, finance_user, overdue_customer, tmp_path):
    customer, _overdue, _not_due = overdue_customer
    client.force_login(finance_user)

    response = client.get(letter_url(customer))

    assert (
        f"SZ-009-reminder-{timezone.localdate().isoformat()}.pdf"
        in (response["Content-Disposition"])
    )


@pytest.mark.parametrize("role_user", ["sales_user", "auditor_user", "manager_user"])
def test_roles_that_do_not_keep_the_ledger_cannot_produce_letters(
    client, request, role_user, overdue_customer
):
    customer, _overdue, _not_due = overdue_customer
    customer.owner = request.getfixturevalue("sales_user")
    customer.save(update_fields=["owner"])
    client.force_login(request.getfixturevalue(role_user))

    assert client.get(letter_url(customer)).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(client, overdue_customer):
    customer, _overdue, _not_due = overdue_customer
    response = client.get(letter_url(customer))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_unknown_kind_unknown_customer_and_bad_date(client, finance_user, overdue_customer):
    customer, _overdue, _not_due = overdue_customer
    client.force_login(finance_user)

    assert client.get(letter_url(customer, "lawsuit")).status_code == 404
    missing = reverse("customer-letter-pdf", kwargs={"pk": customer.pk + 1000, "kind": "demand"})
    assert client.get(missing).status_code == 404
    bad = client.get(letter_url(customer, as_of="10.02.2026"))
    assert bad.status_code == 400
    assert re.search(r"YYYY-MM-DD", bad.content.decode())


def test_letter_page_only_reads(client, admin_user_, overdue_customer):
    customer, _overdue, _not_due = overdue_customer
    client.force_login(admin_user_)

    assert client.post(letter_url(customer)).status_code == 405
    assert client.get(letter_url(customer)).status_code == 200
