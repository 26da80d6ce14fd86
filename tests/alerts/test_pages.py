"""Alert pages through Django's test client: the list (scope, filters, sort, constant queries),
one alert, acknowledging and assigning, and who may do what; the nav badge's count."""

import re
from datetime import date

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from alerts.context_processors import open_alerts
from alerts.models import Alert, AlertRule
from alerts.selectors import open_alerts_count
from alerts.services import alert_acknowledge, alert_assign, alerts_evaluate
from core.exceptions import PermissionDeniedError
from tests.factories import CustomerFactory, issued_invoice
from tests.pages import history_changes, queries_to_render

pytestmark = pytest.mark.django_db

ON_DATE = date(2026, 3, 3)


@pytest.fixture
def client():
    """A browser asking for English (the default language is Simplified Chinese)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _overdue(customer, actor):
    issued_invoice(customer, actor=actor, issue_date=date(2026, 1, 1))


@pytest.fixture
def rule(only_rule):
    return only_rule(AlertRule.Kind.OVERDUE_DAYS, "30")


@pytest.fixture
def own_alert(rule, customer, finance_user) -> Alert:
    """An open alert on the sales rep's (sales_user's) customer."""
    _overdue(customer, finance_user)
    alerts_evaluate(on_date=ON_DATE, customer_ids=[customer.pk])
    return Alert.objects.get(customer=customer)


@pytest.fixture
def others_alert(rule, other_sales_user, finance_user) -> Alert:
    """An open alert on another sales rep's customer."""
    customer = CustomerFactory(owner=other_sales_user)
    _overdue(customer, finance_user)
    alerts_evaluate(on_date=ON_DATE, customer_ids=[customer.pk])
    return Alert.objects.get(customer=customer)


def _listed(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-alert="(\d+)"', response.content.decode())]


def _state():
    return list(
        Alert.objects.order_by("pk").values_list(
            "status", "acknowledged_by", "acknowledged_at", "assigned_to"
        )
    )


# --- the list ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user_fixture", ["finance_user", "manager_user", "admin_user_", "auditor_user"]
)
def test_everyone_who_sees_all_customers_lists_every_alert(
    client, request, own_alert, others_alert, user_fixture
):
    client.force_login(request.getfixturevalue(user_fixture))

    response = client.get(reverse("alert-list"))

    assert response.status_code == 200
    assert sorted(_listed(response)) == [own_alert.pk, others_alert.pk]


def test_a_sales_rep_lists_only_their_customers_alerts(client, sales_user, own_alert, others_alert):
    client.force_login(sales_user)

    response = client.get(reverse("alert-list"))

    assert _listed(response) == [own_alert.pk]
    assert 'name="owner"' not in response.content.decode()


def test_the_list_filters_by_status_rule_severity_owner_and_assignee(
    client, finance_user, manager_user, sales_user, own_alert, others_alert
):
    alert_acknowledge(actor=finance_user, alert=others_alert)
    Alert.objects.filter(pk=own_alert.pk).update(assigned_to=manager_user)
    critical = AlertRule.objects.create(
        kind=AlertRule.Kind.OVERDUE_DAYS, threshold=40, severity=AlertRule.Severity.CRITICAL
    )
    client.force_login(manager_user)
    url = reverse("alert-list")

    assert _listed(client.get(url, {"status": "acknowledged"})) == [others_alert.pk]
    assert _listed(client.get(url, {"status": "open"})) == [own_alert.pk]
    assert _listed(client.get(url, {"rule": critical.pk})) == []
    assert _listed(client.get(url, {"severity": "critical"})) == []
    assert _listed(client.get(url, {"severity": "warning", "sort": "customer"})) == [
        own_alert.pk,
        others_alert.pk,
    ]
    assert _listed(client.get(url, {"owner": sales_user.pk})) == [own_alert.pk]
    assert _listed(client.get(url, {"mine": "on"})) == [own_alert.pk]


def test_closed_alerts_are_listed_only_when_asked_for(client, finance_user, own_alert):
    Alert.objects.filter(pk=own_alert.pk).update(status="closed", closed_at=own_alert.opened_at)
    client.force_login(finance_user)

    assert _listed(client.get(reverse("alert-list"))) == []
    assert _listed(client.get(reverse("alert-list"), {"status": "closed"})) == [own_alert.pk]
    assert _listed(client.get(reverse("alert-list"), {"status": "any"})) == [own_alert.pk]


def test_the_list_sorts_by_severity(client, finance_user, rule, customer):
    critical = AlertRule.objects.create(
        kind=AlertRule.Kind.OVERDUE_DAYS, threshold=31, severity=AlertRule.Severity.CRITICAL
    )
    _overdue(customer, finance_user)
    alerts_evaluate(on_date=date(2026, 3, 4))  # 32 days: both rules
    client.force_login(finance_user)

    listed = _listed(client.get(reverse("alert-list"), {"sort": "-severity"}))

    assert listed == [
        Alert.objects.get(rule=critical).pk,
        Alert.objects.get(rule=rule).pk,
    ]


def test_the_list_costs_the_same_queries_with_2_and_12_alerts(client, rule, finance_user):
    def add_alerts(count):
        customers = [CustomerFactory() for _index in range(count)]
        for customer in customers:
            _overdue(customer, finance_user)
        alerts_evaluate(on_date=ON_DATE, customer_ids=[c.pk for c in customers])

    client.force_login(finance_user)
    add_alerts(2)
    with_two = queries_to_render(client, reverse("alert-list"))
    add_alerts(10)
    assert Alert.objects.count() == 12
    assert queries_to_render(client, reverse("alert-list")) == with_two


# --- one alert --------------------------------------------------------------------------------


def test_the_alert_page_shows_the_measure_rule_and_history(client, finance_user, own_alert):
    alert_acknowledge(actor=finance_user, alert=own_alert)
    client.force_login(finance_user)

    page = client.get(reverse("alert-detail", args=[own_alert.pk])).content.decode()

    assert re.search(
        r"data-measured-value>31 days <span[^>]*>\(oldest due date: 2026-01-31\)", page
    )
    assert re.search(r"data-rule>Oldest open item more than 30 days past due<", page)
    assert ("status", "Status", "Open", "Acknowledged") in history_changes(page)


def test_a_sales_rep_gets_404_on_another_reps_alert(client, sales_user, others_alert):
    client.force_login(sales_user)
    before = _state()

    assert client.get(reverse("alert-detail", args=[others_alert.pk])).status_code == 404
    assert client.post(reverse("alert-acknowledge", args=[others_alert.pk])).status_code == 404
    response = client.post(
        reverse("alert-assign", args=[others_alert.pk]), {"assigned_to": sales_user.pk}
    )
    assert response.status_code == 404
    assert _state() == before


def test_an_auditor_sees_no_buttons_and_is_refused(client, auditor_user, finance_user, own_alert):
    client.force_login(auditor_user)
    before = _state()

    page = client.get(reverse("alert-detail", args=[own_alert.pk])).content.decode()
    listing = client.get(reverse("alert-list")).content.decode()

    assert "Acknowledge</button>" not in page + listing
    assert reverse("alert-assign", args=[own_alert.pk]) not in page
    assert client.post(reverse("alert-acknowledge", args=[own_alert.pk])).status_code == 403
    response = client.post(
        reverse("alert-assign", args=[own_alert.pk]), {"assigned_to": finance_user.pk}
    )
    assert response.status_code == 403
    assert _state() == before


# --- acknowledging and assigning --------------------------------------------------------------


def test_a_sales_rep_acknowledges_their_customers_alert_and_returns_to_the_list(
    client, sales_user, own_alert
):
    client.force_login(sales_user)
    back_to = f"{reverse('alert-list')}?severity=warning"

    response = client.post(reverse("alert-acknowledge", args=[own_alert.pk]), {"next": back_to})

    assert response.status_code == 302
    assert response.url == back_to
    own_alert.refresh_from_db()
    assert (own_alert.status, own_alert.acknowledged_by) == ("acknowledged", sales_user)
    assert own_alert.acknowledged_at is not None


def test_acknowledging_leaves_for_the_alert_page_unless_the_next_page_is_local(
    client, finance_user, own_alert
):
    client.force_login(finance_user)

    response = client.post(
        reverse("alert-acknowledge", args=[own_alert.pk]), {"next": "https://evil.example/"}
    )

    assert response.url == reverse("alert-detail", args=[own_alert.pk])


def test_acknowledging_twice_is_refused_and_changes_nothing(
    client, finance_user, manager_user, own_alert
):
    alert_acknowledge(actor=finance_user, alert=own_alert)
    before = _state()
    client.force_login(manager_user)

    response = client.post(reverse("alert-acknowledge", args=[own_alert.pk]))

    assert response.status_code == 400
    assert "Only an open alert can be acknowledged; this one is acknowledged." in (
        response.content.decode()
    )
    assert _state() == before


def test_finance_assigns_an_alert_to_the_customers_sales_rep(
    client, finance_user, sales_user, own_alert
):
    client.force_login(finance_user)

    response = client.post(
        reverse("alert-assign", args=[own_alert.pk]), {"assigned_to": sales_user.pk}
    )

    assert response.status_code == 302
    own_alert.refresh_from_db()
    assert own_alert.assigned_to == sales_user
    # ...and takes it back.
    client.post(reverse("alert-assign", args=[own_alert.pk]), {"assigned_to": ""})
    own_alert.refresh_from_db()
    assert own_alert.assigned_to is None


def test_a_sales_rep_assigns_their_alert_to_finance(client, sales_user, finance_user, own_alert):
    client.force_login(sales_user)

    client.post(reverse("alert-assign", args=[own_alert.pk]), {"assigned_to": finance_user.pk})

    own_alert.refresh_from_db()
    assert own_alert.assigned_to == finance_user


@pytest.mark.parametrize("assignee_fixture", ["other_sales_user", "auditor_user"])
def test_an_alert_cannot_go_to_someone_who_may_not_handle_it(
    client, request, finance_user, own_alert, assignee_fixture
):
    assignee = request.getfixturevalue(assignee_fixture)
    client.force_login(finance_user)
    before = _state()

    response = client.post(
        reverse("alert-assign", args=[own_alert.pk]), {"assigned_to": assignee.pk}
    )

    assert response.status_code == 400
    assert 'data-field-error="assigned_to"' in response.content.decode()
    assert _state() == before


def test_a_closed_alert_cannot_be_assigned(client, finance_user, sales_user, own_alert):
    Alert.objects.filter(pk=own_alert.pk).update(status="closed", closed_at=own_alert.opened_at)
    client.force_login(finance_user)
    before = _state()

    response = client.post(
        reverse("alert-assign", args=[own_alert.pk]), {"assigned_to": sales_user.pk}
    )

    assert response.status_code == 400
    assert "A closed alert cannot be assigned." in response.content.decode()
    assert _state() == before


# --- the nav badge ----------------------------------------------------------------------------


def test_the_badge_counts_open_alerts_in_the_users_scope(
    finance_user, sales_user, other_sales_user, auditor_user, own_alert, others_alert
):
    assert open_alerts_count(finance_user) == 2
    assert open_alerts_count(auditor_user) == 2
    assert open_alerts_count(sales_user) == 1
    alert_acknowledge(actor=sales_user, alert=own_alert)
    assert open_alerts_count(sales_user) == 0
    assert open_alerts_count(other_sales_user) == 1


def test_the_badge_is_in_the_template_context_of_signed_in_users(sales_user, own_alert):
    request = RequestFactory().get("/")
    request.user = sales_user

    assert open_alerts(request)["open_alerts"]() == 1


@pytest.mark.parametrize("actor_fixture", ["other_sales_user", "auditor_user"])
def test_the_services_refuse_whoever_may_not_handle_the_alert(
    request, finance_user, own_alert, actor_fixture
):
    actor = request.getfixturevalue(actor_fixture)
    before = _state()

    with pytest.raises(PermissionDeniedError):
        alert_acknowledge(actor=actor, alert=own_alert)
    with pytest.raises(PermissionDeniedError):
        alert_assign(actor=actor, alert=own_alert, assignee=finance_user)
    assert _state() == before
