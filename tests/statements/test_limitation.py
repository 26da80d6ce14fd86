"""Open items nearing their limitation date (诉讼时效): the selector collections reuse, Finance's
page, and the limitation date on the customer page's open items."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from receivables.models import Installment
from receivables.selectors import installments_nearing_limitation
from tests.alerts.conftest import pay
from tests.factories import CustomerFactory, PaymentTermsFactory, issued_invoice

pytestmark = pytest.mark.django_db

ON = date(2026, 1, 1)


def _debt(customer, actor, due: date, amount="1000.00"):
    """An open installment due on `due` (net 30 from the issue date)."""
    invoice = issued_invoice(
        customer,
        actor=actor,
        amount=Decimal(amount),
        issue_date=due - timedelta(days=30),
        terms=PaymentTermsFactory(net_days=30),
    )
    return invoice.installments.get()


@pytest.fixture
def debts(sales_user, other_sales_user, finance_user):
    mine = CustomerFactory(owner=sales_user)
    theirs = CustomerFactory(owner=other_sales_user)
    return {
        # limitation dates: 2025-12-01 (ended), 2026-03-31 (89 days), 2026-04-01 (90 days),
        # 2026-04-02 (91 days: not yet listed)
        "ended": _debt(mine, finance_user, date(2022, 12, 1)),
        "soon": _debt(mine, finance_user, date(2023, 3, 31)),
        "edge": _debt(theirs, finance_user, date(2023, 4, 1)),
        "later": _debt(theirs, finance_user, date(2023, 4, 2)),
    }


def _ids(queryset):
    return [installment.pk for installment in queryset]


def test_items_ending_within_90_days_or_already_ended_are_listed_soonest_first(debts, finance_user):
    rows = installments_nearing_limitation(user=finance_user, on_date=ON)

    assert _ids(rows) == [debts["ended"].pk, debts["soon"].pk, debts["edge"].pk]


def test_a_sales_rep_sees_only_their_own_customers_items(debts, sales_user):
    rows = installments_nearing_limitation(user=sales_user, on_date=ON)

    assert _ids(rows) == [debts["ended"].pk, debts["soon"].pk]


def test_an_acknowledgement_and_a_payment_take_items_off_the_list(debts, finance_user):
    Installment.objects.filter(pk=debts["ended"].pk).update(
        limitation_restarted_on=date(2025, 6, 1)
    )
    pay(debts["soon"], actor=finance_user, on=date(2025, 12, 20))

    assert _ids(installments_nearing_limitation(user=finance_user, on_date=ON)) == [
        debts["edge"].pk
    ]


def test_the_page_shows_each_items_limitation_date_and_last_confirmation(
    client, debts, finance_user
):
    customer = debts["ended"].customer
    customer.last_balance_confirmed_on = date(2022, 11, 15)
    customer.save()
    client.force_login(finance_user)
    today = timezone.localdate()
    # Relative to the real today: move every due date so the same limitation dates hold.
    shift = today - ON
    for installment in Installment.objects.all():
        Installment.objects.filter(pk=installment.pk).update(due_date=installment.due_date + shift)

    response = client.get(reverse("limitation-list"), HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert [row.pk for row in response.context["page"]] == [
        debts["ended"].pk,
        debts["soon"].pk,
        debts["edge"].pk,
    ]
    assert response.context["page"][0].limitation_expires_on == date(2025, 12, 1) + shift
    assert f'data-installment="{debts["later"].pk}"' not in page
    assert "2022-11-15" in page
    assert "Ended" in page


def test_the_page_costs_the_same_queries_at_two_and_twelve_rows(client, finance_user):
    client.force_login(finance_user)
    customer = CustomerFactory()
    old = timezone.localdate() - timedelta(days=3 * 365)

    def add(count):
        for index in range(count):
            _debt(customer, finance_user, old - timedelta(days=index + len(_all())))

    def _all():
        return list(Installment.objects.all())

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("limitation-list")).status_code == 200
        return len(captured)

    add(2)
    with_two = queries()
    add(10)
    assert queries() == with_two
    assert Installment.objects.count() == 12


def test_the_customer_pages_open_items_show_the_limitation_date(client, finance_user):
    customer = CustomerFactory()
    installment = _debt(customer, finance_user, date(2025, 3, 31))
    Installment.objects.filter(pk=installment.pk).update(limitation_restarted_on=date(2025, 6, 30))
    client.force_login(finance_user)

    page = client.get(reverse("customer-detail", args=[customer.pk])).content.decode()

    assert "data-limitation-date>2028-06-30<" in page
