from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.test import RequestFactory

from core.pages import sort_queryset
from core.templatetags.huikuan import money, money_by_currency


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("1234.5"), "CNY", "¥1,234.50"),
        (Decimal("-1234567.005"), "USD", "-$1,234,567.01"),
        (Decimal("1234.5"), "JPY", "JP¥1,235"),
        (Decimal("0.125"), "SGD", "SGD 0.13"),
        (Decimal("12"), "", "12.00"),
        (None, "CNY", ""),
    ],
)
def test_money_is_grouped_and_rounded_half_up_to_the_minor_unit(amount, currency, shown):
    assert money(amount, currency) == shown


def test_amounts_in_several_currencies_are_listed_in_code_order():
    assert money_by_currency({"USD": Decimal("20"), "CNY": Decimal("1000")}) == "¥1,000.00 · $20.00"


def test_sort_links_toggle_direction_and_keep_the_filters_but_not_the_page():
    request = RequestFactory().get("/invoices/?status=issued&page=3&sort=total")
    template = Template('{% load huikuan %}{% sort_link "total" "Total" current %}')

    html = template.render(Context({"request": request, "current": "total"}))

    assert 'href="?status=issued&amp;sort=-total"' in html
    assert 'aria-sort="ascending"' in html


def test_query_with_replaces_one_parameter_and_keeps_the_rest():
    request = RequestFactory().get("/payments/?customer=4&page=2")
    template = Template("{% load huikuan %}{% query_with page=3 %}")

    assert template.render(Context({"request": request})) == "customer=4&amp;page=3"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sort", "expected"),
    [("last_login", ["a", "b", "never"]), ("-last_login", ["b", "a", "never"])],
)
def test_sorting_puts_empty_values_last_in_either_direction(sort, expected):
    users = get_user_model().objects
    users.create(username="never", last_login=None)
    users.create(username="a", last_login=datetime(2026, 1, 1, tzinfo=UTC))
    users.create(username="b", last_login=datetime(2026, 2, 1, tzinfo=UTC))
    request = RequestFactory().get(f"/?sort={sort}")

    ordered, current = sort_queryset(
        request, users.all(), {"last_login": "last_login"}, default="last_login"
    )

    assert [user.username for user in ordered] == expected
    assert current == sort


@pytest.mark.django_db
def test_an_unknown_sort_column_falls_back_to_the_default():
    request = RequestFactory().get("/?sort=-password")

    ordered, current = sort_queryset(
        request, get_user_model().objects.all(), {"username": "username"}, default="-username"
    )

    assert current == "-username"
    assert "password" not in str(ordered.query).split("ORDER BY")[1]
