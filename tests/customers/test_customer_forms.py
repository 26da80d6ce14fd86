"""Customer and contact forms: who may open and submit them, field-level errors from the services
in the user's language with nothing saved, and exactly what a successful submission changes."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from customers.models import Contact, Customer
from tests.factories import ContactFactory, CustomerFactory, PaymentTermsFactory, valid_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    """Pages in English, whatever the default language, so that tests can compare messages."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def field_errors(response) -> dict[str, list[str]]:
    """The field-level errors the form shows, by field name."""
    errors = {}
    for name, message in re.findall(
        r'data-field-error="([^"]+)">([^<]*)<', response.content.decode()
    ):
        errors.setdefault(name, []).append(message)
    return errors


def customer_snapshot() -> list[tuple]:
    return list(Customer.objects.order_by("pk").values_list())


def contact_snapshot() -> list[tuple]:
    return list(Contact.objects.order_by("pk").values_list())


def new_customer_data(**changes) -> dict:
    data = {
        "code": "HZ-001",
        "legal_name": "杭州科技有限公司",
        "short_name": "杭科",
        "country": "CN",
        "uscc": valid_uscc(4242),
        "industry": "软件",
        "region": "华东",
        "address": "杭州市西湖区",
        "tier": "A",
        "owner": "",
        "status": "active",
        "default_payment_terms": "",
        "currency": "CNY",
        "credit_limit": "200000.00",
        "language": "zh-hans",
        "statement_frequency": "quarterly",
        "statement_confirmation": "negative",
        "notes": "",
    }
    data.update(changes)
    return data


def edit_data(customer, **changes) -> dict:
    """The edit form as it is shown for `customer`, with some fields changed."""
    data = new_customer_data(
        code=customer.code,
        legal_name=customer.legal_name,
        short_name=customer.short_name,
        uscc=customer.uscc,
        industry=customer.industry,
        region=customer.region,
        address=customer.address,
        tier=customer.tier,
        owner=customer.owner_id or "",
        status=customer.status,
        default_payment_terms=customer.default_payment_terms_id or "",
        currency=customer.currency,
        credit_limit=str(customer.credit_limit),
        language=customer.language,
        notes=customer.notes,
    )
    data.update(changes)
    return data


# --- customers ----------------------------------------------------------------------------


def test_finance_creates_a_customer(client, finance_user, sales_user):
    terms = PaymentTermsFactory()
    client.force_login(finance_user)

    response = client.post(
        reverse("customer-create"),
        new_customer_data(owner=sales_user.pk, default_payment_terms=terms.pk),
    )

    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("customer-detail", args=[customer.pk])
    assert (
        customer.code,
        customer.legal_name,
        customer.short_name,
        customer.name_initials,
        customer.uscc,
        customer.owner,
        customer.default_payment_terms,
        customer.tier,
        customer.credit_limit,
    ) == (
        "HZ-001",
        "杭州科技有限公司",
        "杭科",
        "HZKJYXGS HK",
        valid_uscc(4242),
        sales_user,
        terms,
        "A",
        Decimal("200000.00"),
    )
    assert customer.history.get().history_user == finance_user
    # Finance chooses how the customer receives statements and confirms its balance.
    assert (customer.statement_frequency, customer.statement_confirmation) == (
        "quarterly",
        "negative",
    )


def test_a_wrong_uscc_check_digit_is_shown_on_the_field_and_nothing_is_saved(client, finance_user):
    wrong = valid_uscc(4242)[:-1] + ("0" if valid_uscc(4242)[-1] != "0" else "1")
    client.force_login(finance_user)

    response = client.post(reverse("customer-create"), new_customer_data(uscc=wrong))

    assert response.status_code == 400
    assert field_errors(response) == {
        "uscc": [f"USCC check digit is wrong: expected {valid_uscc(4242)[-1]}, got {wrong[-1]}."]
    }
    assert Customer.objects.count() == 0


def test_errors_come_in_the_users_language(finance_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(finance_user)

    response = client.post(reverse("customer-create"), new_customer_data(uscc="91110000ABC"))

    assert response.status_code == 400
    assert field_errors(response) == {"uscc": ["统一社会信用代码应为 18 位，当前为 11 位。"]}


def test_a_code_already_taken_is_shown_on_the_field(client, finance_user):
    existing = CustomerFactory(code="HZ-001")
    before = customer_snapshot()
    client.force_login(finance_user)

    response = client.post(reverse("customer-create"), new_customer_data(code=existing.code))

    assert response.status_code == 400
    assert list(field_errors(response)) == ["code"]
    assert customer_snapshot() == before


def test_a_required_field_left_empty_is_shown_on_the_field(client, finance_user):
    client.force_login(finance_user)

    response = client.post(reverse("customer-create"), new_customer_data(legal_name=""))

    assert response.status_code == 400
    assert field_errors(response) == {"legal_name": ["This field is required."]}
    assert Customer.objects.count() == 0


def test_finance_edits_a_customer(client, finance_user, customer):
    client.force_login(finance_user)

    response = client.post(
        reverse("customer-edit", args=[customer.pk]),
        # The credit limit is not on the edit form (it changes by a credit change request):
        # posted anyway, it is ignored.
        edit_data(customer, region="华南", credit_limit="150000.00", status="on_hold"),
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.region, customer.credit_limit, customer.status) == (
        "华南",
        Decimal("100000.00"),
        "on_hold",
    )


def test_the_edit_form_has_no_credit_fields_and_links_to_a_credit_change_request(
    client, finance_user, customer
):
    client.force_login(finance_user)

    page = client.get(reverse("customer-edit", args=[customer.pk])).content.decode()

    form = re.search(
        r'<form method="post" class="card card-body customer-form".*?</form>', page, re.S
    )
    names = set(re.findall(r' name="([a-z_]+)"', form.group(0)))
    assert "region" in names
    assert not names & {"credit_limit", "default_payment_terms"}
    assert reverse("credit-request-create", args=[customer.pk]) in page


def test_a_negative_credit_limit_is_shown_on_the_field_and_nothing_is_saved(client, finance_user):
    client.force_login(finance_user)

    response = client.post(reverse("customer-create"), new_customer_data(credit_limit="-1.00"))

    assert response.status_code == 400
    assert field_errors(response) == {"credit_limit": ["The credit limit cannot be negative."]}
    assert Customer.objects.count() == 0


def test_a_managers_edit_is_the_credit_change_request(client, manager_user, customer):
    client.force_login(manager_user)

    response = client.get(reverse("customer-edit", args=[customer.pk]))

    assert response.status_code == 302
    assert response.url == reverse("credit-request-create", args=[customer.pk])


def test_a_credit_limit_changes_by_an_approved_request_and_history_shows_before_and_after(
    client, manager_user, second_manager, customer
):
    client.force_login(manager_user)
    requested = client.post(
        reverse("credit-request-create", args=[customer.pk]),
        {
            "credit_limit": "50000.00",
            "default_payment_terms": customer.default_payment_terms_id,
            "reason": "逾期增加，降低额度",
        },
    )
    customer.refresh_from_db()
    assert (requested.status_code, customer.credit_limit) == (302, Decimal("100000.00"))

    client.force_login(second_manager)
    change_pk = int(requested.url.rstrip("/").rsplit("/", 1)[1])
    approved = client.post(reverse("credit-request-approve", args=[change_pk]), {"note": ""})

    assert approved.status_code == 302
    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("50000.00")
    history = client.get(
        reverse("customer-detail", args=[customer.pk]) + "?tab=history"
    ).content.decode()
    row = re.search(r'data-history-field="credit_limit">(.*?)</tr>', history, re.S).group(1)
    assert "manager_t2" in row
    assert re.search(r"data-before>100000.00<", row)
    assert re.search(r"data-after>50000.00<", row)


@pytest.mark.parametrize(
    ("role_fixture", "url_name", "status"),
    [
        ("sales_user", "customer-create", 403),
        ("manager_user", "customer-create", 403),
        ("auditor_user", "customer-create", 403),
        ("sales_user", "customer-edit", 403),
        ("auditor_user", "customer-edit", 403),
        ("finance_user", "customer-create", 200),
        ("finance_user", "customer-edit", 200),
        ("manager_user", "customer-edit", 302),
    ],
)
def test_who_may_open_the_customer_forms(client, request, customer, role_fixture, url_name, status):
    client.force_login(request.getfixturevalue(role_fixture))
    url = (
        reverse(url_name, args=[customer.pk]) if url_name == "customer-edit" else reverse(url_name)
    )

    assert client.get(url).status_code == status


# --- contacts -----------------------------------------------------------------------------


def contact_data(**changes) -> dict:
    data = {
        "name": "王经理",
        "title": "财务经理",
        "email": "wang@example.cn",
        "phone": "138 0013 8000",
        "is_primary": "on",
        "receives_statements": "on",
    }
    data.update(changes)
    return data


def test_a_sales_rep_adds_a_contact_to_their_customer(client, sales_user, customer):
    client.force_login(sales_user)

    response = client.post(reverse("contact-create", args=[customer.pk]), contact_data())

    assert response.status_code == 302
    assert response.url == reverse("customer-detail", args=[customer.pk]) + "?tab=contacts"
    assert list(
        Contact.objects.values_list(
            "customer", "name", "phone", "is_primary", "receives_statements", "receives_invoices"
        )
    ) == [(customer.pk, "王经理", "+8613800138000", True, True, False)]


def test_an_invalid_phone_is_shown_on_the_field_and_no_contact_is_saved(
    client, sales_user, customer
):
    client.force_login(sales_user)

    response = client.post(
        reverse("contact-create", args=[customer.pk]), contact_data(phone="12345")
    )

    assert response.status_code == 400
    assert field_errors(response) == {"phone": ["“12345” is not a valid phone number."]}
    assert Contact.objects.count() == 0


def test_a_sales_rep_edits_and_deletes_their_customers_contact(client, sales_user, customer):
    contact = ContactFactory(customer=customer)
    client.force_login(sales_user)

    edited = client.post(
        reverse("contact-edit", args=[contact.pk]), contact_data(name="李会计", phone="")
    )
    contact.refresh_from_db()
    assert edited.status_code == 302
    assert (contact.name, contact.phone) == ("李会计", "")

    deleted = client.post(reverse("contact-delete", args=[contact.pk]))
    assert deleted.status_code == 302
    assert Contact.objects.count() == 0


def test_an_invalid_edit_changes_nothing(client, sales_user, customer):
    ContactFactory(customer=customer)
    contact = Contact.objects.get()
    before = contact_snapshot()
    client.force_login(sales_user)

    response = client.post(
        reverse("contact-edit", args=[contact.pk]), contact_data(email="not-an-address")
    )

    assert response.status_code == 400
    assert list(field_errors(response)) == ["email"]
    assert contact_snapshot() == before


def test_a_sales_rep_cannot_touch_another_reps_contacts(client, other_sales_user, customer):
    contact = ContactFactory(customer=customer)
    before = contact_snapshot()
    client.force_login(other_sales_user)

    assert client.get(reverse("contact-create", args=[customer.pk])).status_code == 404
    assert (
        client.post(reverse("contact-create", args=[customer.pk]), contact_data()).status_code
        == 404
    )
    assert client.get(reverse("contact-edit", args=[contact.pk])).status_code == 404
    assert (
        client.post(reverse("contact-edit", args=[contact.pk]), contact_data()).status_code == 404
    )
    assert client.post(reverse("contact-delete", args=[contact.pk])).status_code == 404
    assert contact_snapshot() == before


def test_deleting_a_contact_needs_a_post(client, sales_user, customer):
    contact = ContactFactory(customer=customer)
    client.force_login(sales_user)

    assert client.get(reverse("contact-delete", args=[contact.pk])).status_code == 405
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_a_manager_may_not_manage_contacts(client, manager_user, customer):
    client.force_login(manager_user)

    response = client.post(reverse("contact-create", args=[customer.pk]), contact_data())

    assert response.status_code == 403
    assert Contact.objects.count() == 0


# --- the auditor --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "target"),
    [
        ("customer-create", None),
        ("customer-edit", "customer"),
        ("contact-create", "customer"),
        ("contact-edit", "contact"),
        ("contact-delete", "contact"),
    ],
)
def test_an_auditor_gets_403_on_every_post_and_nothing_changes(
    client, auditor_user, customer, url_name, target
):
    contact = ContactFactory(customer=customer)
    before = (customer_snapshot(), contact_snapshot())
    client.force_login(auditor_user)
    args = {"customer": [customer.pk], "contact": [contact.pk], None: []}[target]

    response = client.post(
        reverse(url_name, args=args), {**edit_data(customer, credit_limit="1.00"), **contact_data()}
    )

    assert response.status_code == 403
    assert (customer_snapshot(), contact_snapshot()) == before
