"""The Django admin: every model has a working, searchable list; ledger documents are read-only
there; customer edits go through the same service as the API."""

from decimal import Decimal

import pytest
from django.contrib import admin

from customers.models import Customer
from tests.factories import CustomerFactory, issued_invoice, recorded_payment, valid_uscc

pytestmark = pytest.mark.django_db

READ_ONLY_LEDGER = [
    "invoice",
    "installment",
    "payment",
    "allocation",
    "creditnote",
    "writeoff",
    "refund",
    "documentsequence",
]


@pytest.fixture
def staff_client(client, admin_user_, finance_user):
    admin_user_.is_staff = admin_user_.is_superuser = True
    admin_user_.save()
    customer = CustomerFactory()
    invoice = issued_invoice(customer, actor=finance_user)
    payment = recorded_payment(customer, actor=finance_user)
    from receivables import services

    services.payment_allocate_auto(actor=finance_user, payment=payment)
    client.force_login(admin_user_)
    client.invoice = invoice
    return client


@pytest.mark.parametrize(
    "model",
    [
        m
        for m in admin.site._registry
        if m._meta.app_label not in {"auth", "authtoken", "django_celery_beat"}
    ],
    ids=lambda m: m._meta.label,
)
def test_every_model_has_a_searchable_filterable_list(staff_client, model):
    model_admin = admin.site._registry[model]
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    assert model_admin.search_fields, f"{model._meta.label} has no search"
    # The company profile is a single row: filters would have nothing to narrow.
    if model._meta.label != "core.CompanyProfile":
        assert model_admin.list_filter, f"{model._meta.label} has no filters"
    response = staff_client.get(url, {"q": "C0"})
    assert response.status_code == 200


@pytest.mark.parametrize("model_name", READ_ONLY_LEDGER)
def test_ledger_documents_cannot_be_added_in_the_admin(staff_client, model_name):
    assert staff_client.get(f"/admin/receivables/{model_name}/add/").status_code == 403


def test_issued_invoice_change_page_is_read_only_and_history_visible(staff_client):
    invoice = staff_client.invoice
    page = staff_client.get(f"/admin/receivables/invoice/{invoice.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    history = staff_client.get(f"/admin/receivables/invoice/{invoice.pk}/history/")
    assert history.status_code == 200
    assert b"finance_t" in history.content


def test_customer_added_in_the_admin_goes_through_the_service(staff_client, admin_user_):
    response = staff_client.post(
        "/admin/customers/customer/add/",
        {
            "code": "ADM1",
            "legal_name": "北京管理后台测试有限公司",
            "country": "CN",
            "uscc": valid_uscc(4242),
            "tier": "B",
            "status": "active",
            "currency": "CNY",
            "credit_limit": "5000.00",
            "language": "zh-hans",
            "statement_frequency": "monthly",
            "statement_confirmation": "positive",
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    customer = Customer.objects.get(code="ADM1")
    assert customer.name_initials == "BJGLHTCSYXGS"
    assert customer.credit_limit == Decimal("5000.00")
    assert customer.history.get().history_user == admin_user_
