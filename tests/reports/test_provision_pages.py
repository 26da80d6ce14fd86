"""The provision pages: the report and its XLSX export, and the specific provisions' create,
detail and end pages (roles, invalid input changing nothing, fixed query counts)."""

from datetime import date, timedelta
from decimal import Decimal as D
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from reports import services
from reports.models import SpecificProvision
from tests.factories import CustomerFactory
from tests.pages import history_created, queries_to_render
from tests.reports.aging_world import AS_OF, build_example_ledger, invoice, relax_credit_control

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    # Pages in English, so that labels can be compared (the default language is Chinese).
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def ledger(finance_user):
    return build_example_ledger(finance_user)


def report_url(as_of: date = AS_OF) -> str:
    return f"{reverse('provision-report')}?as_of={as_of.isoformat()}"


def provide(actor, customer, **terms):
    return services.specific_provision_create(
        actor=actor, customer=customer, reason="诉讼中", effective_on=date(2026, 1, 1), **terms
    )


def test_the_report_page(client, finance_user, ledger):
    provide(finance_user, ledger.b, percent=D("50"))
    client.force_login(finance_user)

    response = client.get(report_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert "¥127.50" in page  # 0–365 days: 2,550.00 at 5%
    assert "¥466.66" in page  # B's specific provision
    assert "¥639.16" in page  # in total
    assert response.context["report"].total_provision == D("639.16")


def test_a_bad_date_is_reported_on_its_field(client, finance_user):
    client.force_login(finance_user)

    response = client.get(f"{reverse('provision-report')}?as_of=2026-13-01")

    assert response.status_code == 400
    assert 'data-field-error="as_of"' in response.content.decode()


def test_the_xlsx_export(client, finance_user, ledger):
    provide(finance_user, ledger.b, percent=D("50"))
    client.force_login(finance_user)

    response = client.get(f"{reverse('provision-export')}?as_of=2026-03-31")

    assert response["Content-Disposition"] == 'attachment; filename="provision-2026-03-31.xlsx"'
    rows = [list(row) for row in load_workbook(BytesIO(response.content)).active.values]
    first_bracket = next(row for row in rows if row[0] == "0–365 days")
    assert first_bracket[:4] == ["0–365 days", 2550, 5, 127.5]
    specific_line = next(row for row in rows if row[0] == "B001 Northwind Trading Ltd")
    assert specific_line[1:5] == [pytest.approx(933.31), 50, pytest.approx(466.66), "诉讼中"]
    total = next(row for row in rows if row[0] == "Total")
    assert total[1:4] == [pytest.approx(3933.31), None, pytest.approx(639.16)]


def test_the_report_costs_the_same_queries_at_two_sizes(client, finance_user):
    relax_credit_control()
    client.force_login(finance_user)

    def add_customers(count):
        for n in range(count):
            customer = CustomerFactory(credit_limit=D("1e7"))
            invoice(customer, finance_user, "100.00", AS_OF - timedelta(days=400 * n + 40))
            if n % 3 == 0:
                provide(finance_user, customer, percent=D("20"))

    add_customers(2)
    small = [queries_to_render(client, url) for url in (report_url(), reverse("provision-export"))]
    add_customers(12)
    large = [queries_to_render(client, url) for url in (report_url(), reverse("provision-export"))]

    assert small == large


def test_creating_a_specific_provision(client, manager_user):
    customer = CustomerFactory()
    client.force_login(manager_user)

    form_page = client.get(f"{reverse('specific-provision-create')}?customer={customer.pk}")
    response = client.post(
        reverse("specific-provision-create"),
        {
            "customer": customer.pk,
            "percent": "35",
            "amount": "",
            "reason": "客户破产清算",
            "effective_on": "2026-03-01",
        },
    )

    assert form_page.status_code == 200
    assert f'value="{customer.code}"' in form_page.content.decode()
    created = SpecificProvision.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("specific-provision-detail", args=[created.pk])
    assert (created.customer, created.percent, created.amount, created.reason) == (
        customer,
        D("35.00"),
        None,
        "客户破产清算",
    )
    assert (created.effective_on, created.ended_on, created.created_by) == (
        date(2026, 3, 1),
        None,
        manager_user,
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"percent": "10", "amount": "100.00"}, "percent"),
        ({"percent": "", "amount": ""}, "percent"),
        ({"percent": "120"}, "percent"),
        ({"percent": "10", "effective_on": "not a date"}, "effective_on"),
        ({"percent": "10", "reason": ""}, "reason"),
    ],
)
def test_invalid_input_is_shown_on_its_field_and_changes_nothing(client, finance_user, data, field):
    customer = CustomerFactory()
    client.force_login(finance_user)
    posted = {"customer": customer.pk, "reason": "x", "effective_on": "2026-03-01", **data}

    response = client.post(reverse("specific-provision-create"), posted)

    assert response.status_code == 400
    assert f'data-field-error="{field}"' in response.content.decode()
    assert not SpecificProvision.objects.exists()


def test_an_overlapping_provision_is_refused_on_the_form(client, finance_user):
    customer = CustomerFactory()
    existing = provide(finance_user, customer, percent=D("10"))
    client.force_login(finance_user)

    response = client.post(
        reverse("specific-provision-create"),
        {"customer": customer.pk, "percent": "20", "reason": "x", "effective_on": "2026-05-01"},
    )

    assert response.status_code == 400
    assert 'data-field-error="effective_on"' in response.content.decode()
    assert list(SpecificProvision.objects.all()) == [existing]


def test_the_detail_page_shows_the_audit_trail_and_ends_the_provision(client, finance_user):
    customer = CustomerFactory()
    existing = provide(finance_user, customer, amount=D("800.00"))
    client.force_login(finance_user)
    detail = reverse("specific-provision-detail", args=[existing.pk])

    page = client.get(detail).content.decode()
    refused = client.post(
        reverse("specific-provision-end", args=[existing.pk]),
        {"ended_on": "2025-12-31", "end_reason": "收回"},
    )
    ended = client.post(
        reverse("specific-provision-end", args=[existing.pk]),
        {"ended_on": "2026-04-01", "end_reason": "收回"},
    )

    assert history_created(page)["Reason"] == "诉讼中"
    assert 'id="specific-provision-end-form"' in page
    assert refused.status_code == 400
    assert 'data-field-error="ended_on"' in refused.content.decode()
    assert ended.status_code == 302
    existing.refresh_from_db()
    assert (existing.ended_on, existing.end_reason) == (date(2026, 4, 1), "收回")
    assert 'id="specific-provision-end-form"' not in client.get(detail).content.decode()


def test_an_auditor_sees_but_cannot_change(client, auditor_user, finance_user):
    customer = CustomerFactory()
    existing = provide(finance_user, customer, percent=D("10"))
    client.force_login(auditor_user)

    page = client.get(reverse("specific-provision-detail", args=[existing.pk]))
    report = client.get(report_url())
    create = client.post(
        reverse("specific-provision-create"),
        {"customer": customer.pk, "percent": "20", "reason": "x", "effective_on": "2027-01-01"},
    )
    end = client.post(
        reverse("specific-provision-end", args=[existing.pk]),
        {"ended_on": "2026-04-01", "end_reason": "x"},
    )

    assert page.status_code == report.status_code == 200
    assert "specific-provision-end-form" not in page.content.decode()
    assert reverse("specific-provision-create") not in report.content.decode()
    assert create.status_code == end.status_code == 403
    existing.refresh_from_db()
    assert existing.ended_on is None
    assert list(SpecificProvision.objects.all()) == [existing]


def test_a_sales_rep_gets_a_404_for_another_reps_customer(
    client, finance_user, sales_user, other_sales_user
):
    theirs = provide(finance_user, CustomerFactory(owner=other_sales_user), percent=D("10"))
    mine = provide(finance_user, CustomerFactory(owner=sales_user), percent=D("10"))
    client.force_login(sales_user)

    assert client.get(reverse("specific-provision-detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("specific-provision-detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("specific-provision-create")).status_code == 403
