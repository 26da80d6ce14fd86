"""The customer picker's suggestions (/customers/lookup/?q=): the visible, trading customers
matching what was typed (code, names, USCC, pinyin initials), at most 20, in one query."""

import html
import re

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.roles import user_roles
from customers.services import name_initials
from customers.views import customer_lookup
from tests.factories import CustomerFactory, valid_uscc

pytestmark = pytest.mark.django_db

LOOKUP = reverse("customer-lookup")


def named_customer(legal_name: str, short_name: str, **fields):
    return CustomerFactory(
        legal_name=legal_name,
        short_name=short_name,
        name_initials=name_initials(legal_name, short_name),
        **fields,
    )


def suggestions(client: Client, **query) -> list[tuple[str, str]]:
    """(value, text) of each <option> the lookup answers."""
    response = client.get(LOOKUP, query)
    assert response.status_code == 200
    return [
        (html.unescape(value), html.unescape(text))
        for value, text in re.findall(
            r'<option value="([^"]*)">([^<]*)</option>', response.content.decode()
        )
    ]


@pytest.fixture
def hangzhou(sales_user):
    return named_customer(
        "杭州科技有限公司", "杭州科技", code="HZ-001", uscc=valid_uscc(777), owner=sales_user
    )


@pytest.fixture
def beijing(sales_user):
    return named_customer("北京贸易有限公司", "北京贸易", code="BJ-001", owner=sales_user)


HANGZHOU = "HZ-001 · 杭州科技 · 杭州科技有限公司"


@pytest.mark.parametrize(
    ("typed", "label"),
    [
        ("hz-0", HANGZHOU),  # part of the code
        ("科技有限", HANGZHOU),  # part of the legal name
        # Browsers show a suggestion only if what was typed is part of its value or label:
        # what matched is added when the label does not show it.
        ("hzkj", f"{HANGZHOU} · HZKJ"),  # pinyin initials of the short name
        ("HZKJYX", f"{HANGZHOU} · HZKJYXGS"),  # … and of the legal name
        (valid_uscc(777)[-6:], f"{HANGZHOU} · {valid_uscc(777)}"),  # the end of the USCC
    ],
)
def test_a_customer_is_suggested_by_what_people_type(
    client, finance_user, hangzhou, beijing, typed, label
):
    client.force_login(finance_user)

    found = suggestions(client, q=typed)

    assert found == [("HZ-001", label)]
    assert typed.upper() in label.upper()


def test_a_customer_without_short_name_shows_code_and_legal_name(client, finance_user):
    named_customer("深圳电子有限公司", "", code="SZ-001")
    client.force_login(finance_user)

    assert suggestions(client, q="sz") == [("SZ-001", "SZ-001 · 深圳电子有限公司")]


def test_a_sales_rep_gets_only_their_own_customers(client, sales_user, other_sales_user, hangzhou):
    named_customer("杭州科创有限公司", "杭州科创", code="HZ-002", owner=other_sales_user)
    client.force_login(sales_user)

    assert [value for value, _ in suggestions(client, q="hzk")] == ["HZ-001"]
    assert suggestions(client, q="HZ-002") == []


def test_archived_customers_are_left_out_unless_asked_for(client, finance_user, hangzhou):
    named_customer("杭州科学有限公司", "杭州科学", code="HZ-009", is_archived=True)
    client.force_login(finance_user)

    assert [value for value, _ in suggestions(client, q="hzk")] == ["HZ-001"]
    assert [value for value, _ in suggestions(client, q="hzk", archived="1")] == [
        "HZ-001",
        "HZ-009",
    ]


def test_at_most_20_suggestions_by_code(client, finance_user):
    for number in range(25, 0, -1):
        CustomerFactory(code=f"SH-{number:03d}")
    client.force_login(finance_user)

    assert [value for value, _ in suggestions(client, q="sh-")] == [
        f"SH-{number:03d}" for number in range(1, 21)
    ]


def test_blank_text_suggests_nothing(client, finance_user, hangzhou):
    client.force_login(finance_user)

    assert suggestions(client, q=" ") == []
    assert suggestions(client) == []


@pytest.mark.parametrize("customers", [2, 30])
def test_suggestions_cost_one_query_whatever_the_number_of_customers(
    django_assert_num_queries, finance_user, customers
):
    for number in range(customers):
        CustomerFactory(code=f"SH-{number:03d}")
    request = RequestFactory().get(LOOKUP, {"q": "sh"})
    request.user = finance_user
    user_roles(finance_user)  # the access check's, read once per request

    with django_assert_num_queries(1):
        response = customer_lookup(request)

    assert response.content.decode().count("<option") == min(customers, 20)


def test_the_lookup_answers_get_only(client, finance_user):
    client.force_login(finance_user)

    assert client.post(LOOKUP, {"q": "hz"}).status_code == 405


def test_the_lookup_needs_sign_in(client, hangzhou):
    response = client.get(LOOKUP, {"q": "hz"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
