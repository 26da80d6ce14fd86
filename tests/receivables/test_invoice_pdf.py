"""The invoice PDF: its content, the page and API downloads, and who may have it."""

import hashlib
import re
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from receivables import services
from receivables.documents import InvoiceNotPosted, invoice_pdf
from tests.conftest import api_client_for
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return " ".join(text.split())


@pytest.fixture
def split_terms(finance_user):
    return services.payment_terms_create(
        actor=finance_user,
        code="SPLIT-40-60",
        name="40% in 30 days, 60% in 60 days",
        net_days=60,
        schedule=[{"percent": Decimal("40"), "days": 30}, {"percent": Decimal("60"), "days": 60}],
    )


def draft_for(customer, *, actor, terms=None):
    return services.invoice_create_draft(
        actor=actor,
        customer=customer,
        issue_date=date(2026, 3, 2),
        payment_terms=terms,
        fapiao_number="04400123",
        lines=[
            {
                "description": "数控机床主轴",
                "quantity": Decimal("2"),
                "unit_price": Decimal("1500.00"),
                "tax_rate": Decimal("0.13"),
            },
            {
                "description": "安装调试服务",
                "quantity": Decimal("2.5"),
                "unit_price": Decimal("400.00"),
                "tax_rate": Decimal("0.06"),
            },
        ],
    )


@pytest.fixture
def invoice(customer, finance_user, split_terms):
    """Sales rep sales_t's customer; 3,000 at 13% + 1,000 at 6% = 4,000 + 450 tax."""
    customer.legal_name = "广州珠江精密机械有限公司"
    customer.language = "zh-hans"
    customer.save(update_fields=["legal_name", "language"])
    draft = draft_for(customer, actor=finance_user, terms=split_terms)
    return services.invoice_issue(actor=finance_user, invoice=draft)


def test_invoice_pdf_shows_lines_totals_schedule_and_bank_details(invoice, tmp_path):
    text = pdf_text(invoice_pdf(invoice, language="en"), tmp_path)

    assert "Invoice" in text
    assert invoice.number in text
    assert "Bill to" in text
    assert "广州珠江精密机械有限公司" in text
    assert f"Invoice number {invoice.number}" in text
    assert "Issue date 2026-03-02" in text
    assert "Fapiao number 04400123" in text
    assert "1 数控机床主轴 2 ¥1,500.00 ¥3,000.00 13% ¥390.00 ¥3,390.00" in text
    assert "2 安装调试服务 2.5 ¥400.00 ¥1,000.00 6% ¥60.00 ¥1,060.00" in text
    assert "Subtotal Tax Total due ¥4,000.00 ¥450.00 ¥4,450.00" in text
    assert re.search(r"1 ?/ ?2 2026-04-01 – ¥1,780\.00", text)
    assert re.search(r"2 ?/ ?2 2026-05-01 – ¥2,670\.00", text)
    assert f"Payment reference {invoice.number}" in text
    assert "Bank 招商银行上海分行营业部" in text


def test_invoice_pdf_in_chinese_keeps_chinese_text(invoice, tmp_path):
    text = pdf_text(invoice_pdf(invoice, language="zh-hans"), tmp_path)

    for chinese in ("广州珠江精密机械有限公司", "数控机床主轴", "安装调试服务", "回款示范有限公司"):
        assert chinese in text


def test_printing_an_invoice_twice_gives_the_same_file(invoice):
    first = invoice_pdf(invoice, language="zh-hans")
    second = invoice_pdf(invoice, language="zh-hans")

    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()


def test_a_draft_is_not_printed(customer, finance_user):
    draft = draft_for(customer, actor=finance_user)

    with pytest.raises(InvoiceNotPosted):
        invoice_pdf(draft, language="en")


# --- page ---


def page_url(invoice):
    return reverse("invoice-pdf", kwargs={"pk": invoice.pk})


@pytest.mark.parametrize("role_user", ["sales_user", "auditor_user", "finance_user"])
def test_roles_that_see_the_invoice_download_it(client, request, role_user, invoice):
    client.force_login(request.getfixturevalue(role_user))

    response = client.get(page_url(invoice))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    # In the customer's language whoever downloads it: the same bytes as invoice_pdf gives.
    assert response.content == invoice_pdf(invoice, language="zh-hans")


def test_another_reps_invoice_is_not_found(client, other_sales_user, invoice):
    client.force_login(other_sales_user)

    assert client.get(page_url(invoice)).status_code == 404


def test_a_drafts_pdf_is_not_found(client, finance_user, customer):
    draft = draft_for(customer, actor=finance_user)
    client.force_login(finance_user)

    assert client.get(page_url(draft)).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(client, invoice):
    response = client.get(page_url(invoice))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_detail_page_offers_the_pdf_for_posted_invoices_only(client, auditor_user, invoice):
    client.force_login(auditor_user)
    detail = client.get(reverse("invoice-detail", kwargs={"pk": invoice.pk})).content.decode()
    assert f'href="{page_url(invoice)}"' in detail

    draft = draft_for(invoice.customer, actor=invoice.issued_by)
    draft_page = client.get(reverse("invoice-detail", kwargs={"pk": draft.pk})).content.decode()
    assert 'id="invoice-pdf"' not in draft_page


# --- API ---


def api_url(invoice):
    return f"/api/v1/invoices/{invoice.pk}/pdf/"


@pytest.mark.parametrize("accept", ["application/pdf", "*/*"])
def test_api_returns_the_pdf(sales_user, invoice, accept):
    response = api_client_for(sales_user).get(api_url(invoice), HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    assert response.content == invoice_pdf(invoice, language="zh-hans")


def test_api_hides_another_reps_invoice_and_drafts(other_sales_user, finance_user, invoice):
    assert api_client_for(other_sales_user).get(api_url(invoice)).status_code == 404
    draft = draft_for(invoice.customer, actor=finance_user)
    assert api_client_for(finance_user).get(api_url(draft)).status_code == 404


def test_api_requires_authentication(invoice):
    from rest_framework.test import APIClient

    assert APIClient().get(api_url(invoice)).status_code in (401, 403)


def test_api_pdf_is_read_only(finance_user, invoice):
    assert api_client_for(finance_user).post(api_url(invoice)).status_code == 405


def test_usd_invoice_prints_dollars(finance_user, tmp_path):
    customer = CustomerFactory(currency="USD", language="en", legal_name="Acme Trading Ltd")
    draft = services.invoice_create_draft(
        actor=finance_user,
        customer=customer,
        issue_date=date(2026, 3, 2),
        lines=[
            {
                "description": "Spare parts",
                "quantity": Decimal("10"),
                "unit_price": Decimal("12.345"),
                "tax_rate": Decimal("0"),
            }
        ],
    )
    invoice = services.invoice_issue(actor=finance_user, invoice=draft)

    text = pdf_text(invoice_pdf(invoice, language="en"), tmp_path)

    assert "Currency USD" in text
    # The unit price keeps its precision; amounts are to the cent.
    assert "1 Spare parts 10 $12.345 $123.45 0% $0.00 $123.45" in text
