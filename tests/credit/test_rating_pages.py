"""The customer's credit rating page and "recompute now", through Django's test client:
what each role sees, scoping, the suggestion's change-request link and the history."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from credit.models import CustomerRating
from credit.services import customers_rate
from customers.models import Customer
from tests.credit.histories import EXAMPLE_ON, worked_example
from tests.pages import queries_to_render

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    """A browser asking for English (the default language is Simplified Chinese)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def rated(customer, finance_user):
    """The sales rep's customer with the worked example's history, rated on 2026-06-30:
    C (55.02), suggesting a limit of 0.00 (grade C's factor is 0)."""
    customer.credit_limit = Decimal("100000.00")
    customer.save()
    worked_example(customer, actor=finance_user)
    customers_rate(on_date=EXAMPLE_ON)
    return customer


def _page(client, customer):
    return client.get(reverse("credit-rating-detail", args=[customer.pk]))


@pytest.mark.parametrize(
    "user_fixture", ["finance_user", "manager_user", "sales_user", "auditor_user", "admin_user_"]
)
def test_the_page_shows_grade_score_and_breakdown(client, request, rated, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))

    response = _page(client, rated)

    assert response.status_code == 200
    html = response.content.decode()
    assert "data-rating-grade>C<" in html
    assert "Score 55.02 of 100" in html
    assert html.count("<tr data-factor=") == 9
    assert "no data yet (arrives with collections)" in html


def test_a_sales_rep_cannot_see_another_reps_customer(client, rated, other_sales_user):
    client.force_login(other_sales_user)

    assert _page(client, rated).status_code == 404


def test_the_breakdown_shows_value_points_and_weight(client, rated, finance_user):
    client.force_login(finance_user)

    html = _page(client, rated).content.decode()

    row = html.split('<tr data-factor="days_beyond_terms">')[1].split("</tr>")[0]
    assert "10.0 days" in row
    assert '<td class="amount" data-points>20.83</td>' in row
    assert '<td class="amount" data-weight>25.00</td>' in row


def test_a_credit_manager_gets_a_link_to_request_the_suggested_change(client, rated, manager_user):
    client.force_login(manager_user)

    html = _page(client, rated).content.decode()

    expected = reverse("credit-request-create", args=[rated.pk]) + "?credit_limit=0.00"
    assert f'href="{expected}" data-request-change' in html
    assert "data-rate-now" in html


@pytest.mark.parametrize("user_fixture", ["sales_user", "auditor_user"])
def test_users_without_credit_rights_get_no_link_and_no_recompute(
    client, request, rated, user_fixture
):
    client.force_login(request.getfixturevalue(user_fixture))

    html = _page(client, rated).content.decode()

    assert "data-request-change" not in html
    assert "data-rate-now" not in html


def test_no_link_when_the_suggestion_matches_the_current_limit(client, rated, manager_user):
    Customer.objects.filter(pk=rated.pk).update(credit_limit=Decimal("0.00"))
    client.force_login(manager_user)

    html = _page(client, rated).content.decode()

    assert "data-request-change" not in html
    assert "data-no-change" in html


def test_an_unrated_customer_says_so(client, customer, finance_user):
    client.force_login(finance_user)

    html = _page(client, customer).content.decode()

    assert "data-not-rated" in html


def test_the_history_marks_grade_changes(client, rated, finance_user):
    CustomerRating.objects.filter(customer=rated).update(rated_on=date(2026, 6, 29))
    older = CustomerRating.objects.get(customer=rated)
    older.pk = None
    older.rated_on = date(2026, 6, 28)
    older.grade = "A"
    older.score = Decimal("72.00")
    older.save()
    client.force_login(finance_user)

    html = _page(client, rated).content.decode()

    assert 'data-grade-change="down">▼ A → C' in html
    assert html.count("data-grade-change") == 1


def test_the_page_costs_the_same_queries_with_2_and_12_ratings(client, rated, finance_user):
    client.force_login(finance_user)
    url = reverse("credit-rating-detail", args=[rated.pk])
    rating = CustomerRating.objects.get(customer=rated)

    def add_ratings(count):
        for offset in range(1, count + 1):
            rating.pk = None
            rating.rated_on = EXAMPLE_ON - timedelta(days=offset + CustomerRating.objects.count())
            rating.save()

    add_ratings(1)
    with_2 = queries_to_render(client, url)
    add_ratings(10)

    assert CustomerRating.objects.filter(customer=rated).count() == 12
    assert queries_to_render(client, url) == with_2


# --- recompute now -----------------------------------------------------------------------------


def test_a_manager_recomputes_the_rating_today(client, rated, manager_user):
    client.force_login(manager_user)
    today = timezone.localdate()

    response = client.post(reverse("credit-rate-now", args=[rated.pk]))

    assert response.status_code == 302
    assert response.url == reverse("credit-rating-detail", args=[rated.pk])
    rating = CustomerRating.objects.get(customer=rated, rated_on=today)
    assert rating.rated_by == manager_user
    rated.refresh_from_db()
    assert rated.credit_rating == rating.grade


@pytest.mark.parametrize("user_fixture", ["auditor_user", "sales_user"])
def test_roles_without_credit_rights_cannot_recompute(client, request, rated, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))
    before = list(CustomerRating.objects.values())

    response = client.post(reverse("credit-rate-now", args=[rated.pk]))

    assert response.status_code == 403
    assert list(CustomerRating.objects.values()) == before


def test_recompute_is_post_only(client, rated, manager_user):
    client.force_login(manager_user)

    assert client.get(reverse("credit-rate-now", args=[rated.pk])).status_code == 405


def test_recomputing_a_customer_with_nothing_to_rate_explains_why(client, customer, manager_user):
    client.force_login(manager_user)

    response = client.post(reverse("credit-rate-now", args=[customer.pk]), follow=True)

    assert "no posted invoice yet" in response.content.decode()
    assert not CustomerRating.objects.exists()
