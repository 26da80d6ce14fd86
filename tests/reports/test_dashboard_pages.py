"""The home dashboard through the test client: each role's sections, scoping, the as-of date,
and a query count that does not grow with the data."""

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from receivables import services
from tests.factories import CustomerFactory, PaymentTermsFactory, UserFactory, issued_invoice
from tests.pages import queries_to_render

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)
URL = f"/?as_of={AS_OF.isoformat()}"
SECTIONS = {
    "company": 'id="company-dashboard"',
    "finance": 'id="finance-work-queue"',
    "sales": 'id="my-numbers"',
}


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def sections_shown(html: str) -> list[str]:
    """The dashboard's sections in the order the page shows them."""
    shown = [(html.index(marker), name) for name, marker in SECTIONS.items() if marker in html]
    return [name for _position, name in sorted(shown)]


def chart_data(html: str, element_id: str) -> dict:
    """What the page hands to dashboard.js in a json_script element."""
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert found, f"no {element_id} on the page"
    return json.loads(found.group(1))


def invoice_due(customer, actor, due_date: date, amount: str):
    terms = PaymentTermsFactory(code="NET10", name="Net 10", net_days=10)
    return issued_invoice(
        customer,
        actor=actor,
        amount=Decimal(amount),
        issue_date=due_date - timedelta(days=10),
        terms=terms,
    )


@pytest.mark.parametrize(
    ("role", "sections"),
    [
        (Role.MANAGER, ["company"]),
        (Role.ADMIN, ["company"]),
        (Role.AUDITOR, ["company"]),
        (Role.FINANCE, ["finance"]),
        (Role.SALES, ["sales"]),
    ],
)
def test_each_role_sees_its_sections_and_not_the_others(role, sections):
    response = client_for(UserFactory(role=role)).get(URL)

    assert response.status_code == 200
    assert sections_shown(response.content.decode()) == sections


def test_a_user_with_several_roles_sees_each_section_company_view_first():
    user = UserFactory(role=Role.SALES)
    for role in (Role.FINANCE, Role.MANAGER):
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])

    html = client_for(user).get(URL).content.decode()

    assert sections_shown(html) == ["company", "finance", "sales"]


def test_my_numbers_cover_my_own_customers_when_i_also_see_everyones(finance_user):
    manager_and_rep = UserFactory(role=Role.MANAGER)
    manager_and_rep.groups.add(Group.objects.get_or_create(name=Role.SALES.value)[0])
    invoice_due(CustomerFactory(owner=manager_and_rep), finance_user, date(2026, 6, 1), "25.00")
    invoice_due(CustomerFactory(owner=None), finance_user, date(2026, 6, 1), "75.00")

    html = client_for(manager_and_rep).get(URL).content.decode()

    assert 'data-kpi="company-open">¥100.00<' in html
    assert 'data-kpi="my-open">¥25.00<' in html


def test_chart_js_is_loaded_only_with_the_charts(manager_user, finance_user):
    manager_page = client_for(manager_user).get(URL).content.decode()
    finance_page = client_for(finance_user).get(URL).content.decode()

    assert "chart.umd.min.js" in manager_page
    assert "js/dashboard.js" in manager_page
    assert "chart.umd.min.js" not in finance_page
    assert "<canvas" not in finance_page


def test_sign_in_is_required():
    response = Client().get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_a_sales_rep_sees_only_their_own_customers_numbers(
    customer, sales_user, other_sales_user, finance_user
):
    invoice_due(customer, finance_user, date(2026, 6, 1), "150.00")
    invoice_due(customer, finance_user, date(2026, 7, 3), "40.00")
    theirs = CustomerFactory(owner=other_sales_user, code="THEIRS")
    invoice_due(theirs, finance_user, date(2026, 6, 1), "4321.00")
    # Limits lowered after the invoices went out (credit control would have refused them).
    customer.credit_limit = Decimal("100.00")
    customer.save(update_fields=["credit_limit"])
    theirs.credit_limit = Decimal("1.00")
    theirs.save(update_fields=["credit_limit"])

    html = client_for(sales_user).get(URL).content.decode()

    assert 'data-kpi="my-open">¥190.00<' in html
    assert 'data-kpi="my-overdue">¥150.00<' in html
    assert 'data-kpi="my-due-soon">¥40.00<' in html
    assert customer.code in html
    assert "190.0%" in html
    assert "THEIRS" not in html
    assert "4321" not in html
    assert "4,321" not in html


def test_the_company_view_shows_exact_totals_charts_data_and_tables(
    customer, manager_user, finance_user, sales_user
):
    invoice_due(customer, finance_user, date(2026, 6, 25), "100.00")
    invoice_due(CustomerFactory(owner=None), finance_user, date(2026, 3, 1), "300.00")
    services.payment_record(
        actor=finance_user, customer=customer, received_on=date(2026, 6, 5), amount=Decimal("50")
    )

    response = client_for(manager_user).get(URL)
    html = response.content.decode()

    assert 'data-kpi="company-open">¥400.00<' in html
    assert 'data-kpi="company-overdue">¥400.00<' in html
    assert 'data-kpi="company-overdue-percent">100.0%' in html
    assert 'data-kpi="company-unapplied">¥50.00<' in html
    aging = chart_data(html, "aging-chart-data")
    assert aging["amounts"] == [
        "0.00",
        "100.00",
        "0.00",
        "0.00",
        "300.00",
        "0.00",
        "0.00",
    ]
    assert aging["labels"][0] == "Current"
    assert aging["currency"] == "CNY"
    trend = chart_data(html, "trend-chart-data")
    assert len(trend["labels"]) == 12
    assert trend["labels"][-4:] == ["2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30"]
    # The older invoice was issued on 19 February and due on 1 March; the newer in June.
    assert trend["open"][-5:] == ["300.00", "300.00", "300.00", "300.00", "400.00"]
    assert trend["overdue"][-5:] == ["0.00", "300.00", "300.00", "300.00", "400.00"]
    assert (trend["open_label"], trend["overdue_label"]) == ("Open", "Overdue")
    assert sales_user.username in html
    assert "No sales rep" in html


def test_missing_exchange_rates_are_named(manager_user, finance_user):
    invoice_due(CustomerFactory(currency="EUR"), finance_user, date(2026, 6, 1), "10.00")

    html = client_for(manager_user).get(URL).content.decode()

    assert "data-missing-rates" in html
    assert "No exchange rate to CNY is known for EUR" in html


def test_finance_work_queue_links_to_the_lists(customer, finance_user):
    invoice_due(customer, finance_user, date(2026, 6, 1), "100.00")
    services.payment_record(
        actor=finance_user, customer=customer, received_on=date(2026, 6, 5), amount=Decimal("70")
    )

    html = client_for(finance_user).get(URL).content.decode()

    assert 'href="/payments/?unapplied_only=on" data-queue="unapplied-payments"' in html
    assert 'href="/invoices/?disputed=on"' in html
    assert 'href="/invoices/?unsent=on"' in html
    assert 'href="/write-offs/?status=pending"' in html
    assert "¥70.00 unapplied" in html


def test_a_bad_as_of_date_is_reported_and_today_is_used(manager_user):
    response = client_for(manager_user).get("/?as_of=2026-02-30")

    assert response.status_code == 200
    assert "is not a date" in response.content.decode()
    assert response.context["as_of"] == timezone.localdate()


def test_the_as_of_date_reproduces_the_past(customer, manager_user, finance_user):
    invoice = invoice_due(customer, finance_user, date(2026, 6, 1), "100.00")
    payment = services.payment_record(
        actor=finance_user, customer=customer, received_on=date(2026, 7, 2), amount=Decimal("100")
    )
    services.payment_allocate(
        actor=finance_user,
        payment=payment,
        allocations=[(invoice.installments.get().pk, Decimal("100"))],
        applied_on=date(2026, 7, 2),
    )
    client = client_for(manager_user)

    assert 'data-kpi="company-open">¥100.00<' in client.get(URL).content.decode()
    assert 'data-kpi="company-open">¥0.00<' in client.get("/?as_of=2026-07-02").content.decode()


def _ledger(count: int, actor, reps):
    for index in range(count):
        customer = CustomerFactory(owner=reps[index % len(reps)])
        invoice = invoice_due(customer, actor, date(2026, 6, 1) + timedelta(days=index), "100.00")
        payment = services.payment_record(
            actor=actor, customer=customer, received_on=date(2026, 6, 20), amount=Decimal("60")
        )
        services.payment_allocate(
            actor=actor,
            payment=payment,
            allocations=[(invoice.installments.get().pk, Decimal("40"))],
            applied_on=date(2026, 6, 20),
        )


@pytest.mark.parametrize("role", [Role.MANAGER, Role.FINANCE, Role.SALES])
def test_query_count_does_not_grow_with_the_data(role):
    user = UserFactory(role=role)
    actor = UserFactory(role=Role.FINANCE)
    reps = [user, UserFactory(role=Role.SALES)]
    client = client_for(user)

    _ledger(2, actor, reps)
    with_two = queries_to_render(client, URL)
    _ledger(10, actor, reps)
    with_twelve = queries_to_render(client, URL)

    assert with_two == with_twelve
