"""The customer picker's field: a customer by code (any case) or primary key, among those the
user may see; anything else, including another rep's customer, is refused with the same
message; the widget is one search box, never a list of the archive."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.roles import user_roles
from core.forms import Form
from customers.fields import CustomerField
from customers.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def refusal(field: CustomerField, value) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        field.clean(value)
    return refused.value.messages


class TradingCustomerForm(Form):
    """A form that needs a trading (not archived) customer, as the payment form does."""

    customer = CustomerField(label="Customer", queryset=Customer.objects.filter(is_archived=False))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].user = user


@pytest.mark.parametrize("typed", ["HZ-001", "hz-001", "  Hz-001 "])
def test_a_customer_is_found_by_its_code_in_any_case(sales_user, typed):
    mine = CustomerFactory(code="HZ-001", owner=sales_user)

    assert CustomerField(user=sales_user).clean(typed) == mine


def test_a_customer_is_found_by_its_primary_key_as_links_send_it(sales_user):
    mine = CustomerFactory(owner=sales_user)

    assert CustomerField(user=sales_user).clean(str(mine.pk)) == mine
    assert CustomerField(user=sales_user).clean(mine.pk) == mine


def test_a_code_made_of_digits_wins_over_an_equal_primary_key(finance_user):
    first = CustomerFactory()
    numbered = CustomerFactory(code=str(first.pk))
    other = CustomerFactory(code=f"{first.pk}0")

    assert CustomerField(user=finance_user).clean(str(first.pk)) == numbered
    assert CustomerField(user=finance_user).clean(str(other.pk)) == other


def test_another_reps_customer_is_refused_exactly_like_an_unknown_code(
    sales_user, other_sales_user
):
    theirs = CustomerFactory(code="BJ-009", owner=other_sales_user)
    field = CustomerField(user=sales_user)

    assert refusal(field, "BJ-009") == ["No customer with code “BJ-009” that you may see."]
    assert refusal(field, "NOPE-1") == ["No customer with code “NOPE-1” that you may see."]
    assert refusal(field, str(theirs.pk)) == [
        f"No customer with code “{theirs.pk}” that you may see."
    ]
    assert refusal(field, "99999999999999999999") == [
        "No customer with code “99999999999999999999” that you may see."
    ]


def test_a_user_who_sees_no_customers_can_choose_none(auditor_user, sales_user):
    mine = CustomerFactory(code="HZ-001", owner=sales_user)

    assert CustomerField(required=False).clean("") is None
    assert refusal(CustomerField(required=True), "HZ-001") == [
        "No customer with code “HZ-001” that you may see."
    ]
    assert CustomerField(user=auditor_user).clean("hz-001") == mine


def test_a_form_needing_a_trading_customer_refuses_an_archived_one(finance_user):
    CustomerFactory(code="OLD-1", is_archived=True)

    form = TradingCustomerForm({"customer": "OLD-1"}, user=finance_user)

    assert not form.is_valid()
    assert form.errors["customer"] == ["No customer with code “OLD-1” that you may see."]


def test_a_required_customer_left_blank_is_reported(finance_user):
    form = TradingCustomerForm({"customer": "  "}, user=finance_user)

    assert not form.is_valid()
    assert form.errors["customer"] == ["This field is required."]


def test_each_form_resolves_for_its_own_user(sales_user, other_sales_user):
    theirs = CustomerFactory(code="BJ-009", owner=other_sales_user)

    assert TradingCustomerForm({"customer": "BJ-009"}, user=other_sales_user).is_valid()
    form = TradingCustomerForm({"customer": "BJ-009"}, user=sales_user)

    assert not form.is_valid()
    assert theirs.legal_name not in str(form)


def test_the_widget_is_one_search_box_with_the_chosen_customers_code_and_name(finance_user):
    chosen = CustomerFactory(code="HZ-001", short_name="杭州科技", legal_name="杭州科技有限公司")
    other = CustomerFactory(code="BJ-001", short_name="北京贸易")
    user_roles(finance_user)  # read by the page's access check before any form

    with CaptureQueriesContext(connection) as queries:
        html = str(TradingCustomerForm(initial={"customer": chosen.pk}, user=finance_user))

    assert len(queries) == 1
    assert re.search(r'<input type="search" name="customer" value="HZ-001"[^>]*>', html)
    assert 'list="id_customer_suggestions"' in html
    assert 'hx-get="/customers/lookup/"' in html
    assert 'hx-trigger="input changed delay:250ms"' in html
    assert 'hx-target="#id_customer_suggestions"' in html
    assert '<datalist id="id_customer_suggestions"></datalist>' in html
    assert 'title="杭州科技有限公司">杭州科技</div>' in html
    assert "<option" not in html
    assert other.code not in html and other.short_name not in html


def test_rendering_a_submitted_form_reuses_the_customer_it_cleaned(finance_user):
    CustomerFactory(code="HZ-001", short_name="杭州科技")
    form = TradingCustomerForm({"customer": "hz-001"}, user=finance_user)
    user_roles(finance_user)  # read by the page's access check before any form

    with CaptureQueriesContext(connection) as queries:
        assert form.is_valid()
        html = str(form)

    assert len(queries) == 1
    assert 'value="HZ-001"' in html
    assert "杭州科技" in html


def test_what_was_typed_stays_in_the_box_when_it_names_no_customer(finance_user):
    form = TradingCustomerForm({"customer": "hzk"}, user=finance_user)

    assert not form.is_valid()
    html = str(form)
    assert 'value="hzk"' in html
    assert 'data-field-error="customer">No customer with code “hzk” that you may see.' in html
    assert "data-customer-name" not in html


def test_a_filter_asks_the_lookup_for_archived_customers_too(finance_user):
    field = CustomerField(user=finance_user, suggest_archived=True, required=False)

    assert 'hx-get="/customers/lookup/?archived=1"' in field.widget.render("customer", None)
