from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import ApplicationError
from customers import services
from customers.models import Contact, Customer
from customers.selectors import customers_visible_to
from tests.factories import CustomerFactory, issued_invoice, valid_uscc

pytestmark = pytest.mark.django_db


def test_create_normalises_uscc_and_fills_pinyin_initials(finance_user, sales_user):
    customer = services.customer_create(
        actor=finance_user,
        code="HW001",
        legal_name="华为技术有限公司",
        short_name="华为",
        uscc=valid_uscc(7).lower()[:9] + " " + valid_uscc(7)[9:],
        owner=sales_user,
    )
    assert customer.uscc == valid_uscc(7)
    assert customer.name_initials == "HWJSYXGS HW"
    assert customer.currency == "CNY"


def test_bad_uscc_check_digit_names_the_field_and_writes_nothing(finance_user):
    bad = valid_uscc(8)[:-1] + ("0" if valid_uscc(8)[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        services.customer_create(actor=finance_user, code="X1", legal_name="坏码公司", uscc=bad)
    assert "uscc" in exc.value.message_dict
    assert "check digit" in exc.value.message_dict["uscc"][0]
    assert Customer.objects.count() == 0


def test_uscc_only_for_chinese_customers(finance_user):
    with pytest.raises(ValidationError) as exc:
        services.customer_create(
            actor=finance_user, code="US1", legal_name="Acme Inc.", country="US", uscc=valid_uscc(9)
        )
    assert "uscc" in exc.value.message_dict


def test_two_customers_cannot_share_a_uscc(finance_user):
    services.customer_create(
        actor=finance_user, code="A1", legal_name="甲公司", uscc=valid_uscc(10)
    )
    with pytest.raises(ValidationError) as exc:
        services.customer_create(
            actor=finance_user, code="A2", legal_name="甲公司分部", uscc=valid_uscc(10)
        )
    assert exc.value.message_dict == {"uscc": ["Another customer has this USCC."]}
    assert Customer.objects.count() == 1


def test_customer_with_invoices_cannot_be_deleted_only_archived(customer, finance_user):
    issued_invoice(customer, actor=finance_user)
    with pytest.raises(ApplicationError) as exc:
        services.customer_delete(actor=finance_user, customer=customer)
    assert exc.value.code == "customer_has_ledger"
    assert Customer.objects.filter(pk=customer.pk).exists()
    services.customer_archive(actor=finance_user, customer=customer)
    customer.refresh_from_db()
    assert customer.is_archived


def test_customer_without_documents_can_be_deleted(finance_user):
    customer = CustomerFactory()
    customer_id = customer.pk
    services.customer_delete(actor=finance_user, customer=customer)
    assert not Customer.objects.filter(pk=customer_id).exists()
    deletion = Customer.history.filter(id=customer_id, history_type="-").get()
    assert deletion.history_user == finance_user


def test_archived_customer_gets_no_new_invoice(customer, finance_user):
    services.customer_archive(actor=finance_user, customer=customer)
    customer.refresh_from_db()
    with pytest.raises(ApplicationError) as exc:
        issued_invoice(customer, actor=finance_user)
    assert exc.value.code == "customer_archived"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("13800138000", "+8613800138000"),
        ("010-6552 9988", "+861065529988"),
        ("+1 415 555 2671", "+14155552671"),
    ],
)
def test_contact_phone_is_validated_and_normalised(customer, finance_user, raw, stored):
    contact = services.contact_create(actor=finance_user, customer=customer, name="张三", phone=raw)
    assert contact.phone == stored


@pytest.mark.parametrize("raw", ["12345", "not a phone", "1380013800"])
def test_bad_phone_names_the_field(customer, finance_user, raw):
    with pytest.raises(ValidationError) as exc:
        services.contact_create(actor=finance_user, customer=customer, name="李四", phone=raw)
    assert "phone" in exc.value.message_dict
    assert Contact.objects.count() == 0


def test_sales_rep_sees_only_own_customers(
    sales_user, other_sales_user, finance_user, auditor_user
):
    mine = CustomerFactory(owner=sales_user)
    theirs = CustomerFactory(owner=other_sales_user)
    assert list(customers_visible_to(sales_user)) == [mine]
    assert set(customers_visible_to(finance_user)) == {mine, theirs}
    assert set(customers_visible_to(auditor_user)) == {mine, theirs}


def test_user_without_role_sees_nothing(db):
    from tests.factories import UserFactory

    CustomerFactory()
    assert not customers_visible_to(UserFactory(username="nobody")).exists()


def test_negative_credit_limit_is_refused(finance_user):
    with pytest.raises(ValidationError) as exc:
        services.customer_create(
            actor=finance_user, code="N1", legal_name="负额度", credit_limit=Decimal("-1")
        )
    assert "credit_limit" in exc.value.message_dict or "__all__" in exc.value.message_dict
