"""GET /api/v1/reports/aging/: the hand-computed example, scoping, parameters refused by
name, the schema, and a fixed number of queries whatever the data size."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import api_client_for
from tests.factories import CustomerFactory, UserFactory
from tests.reports.aging_world import (
    AS_OF,
    CHINESE_NAME,
    build_example_ledger,
    invoice,
    pay,
    relax_credit_control,
)

pytestmark = pytest.mark.django_db

URL = reverse("api:reports-aging")


@pytest.fixture
def ledger(finance_user):
    return build_example_ledger(finance_user)


def test_the_report_as_json(ledger, finance_user):
    response = api_client_for(finance_user).get(
        URL, {"as_of": "2026-03-31"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == "2026-03-31"
    assert body["group_by"] == "customer"
    assert body["basis"] == "past_due"
    assert body["base_currency"] == "CNY"
    assert [bucket["key"] for bucket in body["buckets"]] == [
        "current",
        "days_1_30",
        "days_31_60",
        "days_61_90",
        "days_91_180",
        "days_181_365",
        "over_365",
    ]
    assert body["buckets"][-1] == {
        "key": "over_365",
        "label": "Over 365 days",
        "min_days": 366,
        "max_days": None,
    }
    assert body["rows"][0] == {
        "group": str(ledger.a.pk),
        "label": f"A001 {CHINESE_NAME}",
        "amounts": {
            "current": "2000.00",
            "days_1_30": "0.00",
            "days_31_60": "400.00",
            "days_61_90": "0.00",
            "days_91_180": "0.00",
            "days_181_365": "0.00",
            "over_365": "450.00",
        },
        "total": "2850.00",
        "currency_amounts": None,
        "currency_total": None,
    }
    assert body["totals"]["days_31_60"] == "1100.00"
    assert body["total"] == "3933.31"
    assert body["missing_rates"] == []


def test_grouped_by_currency_with_custom_buckets(ledger, finance_user):
    response = api_client_for(finance_user).get(
        URL, {"as_of": "2026-03-31", "group_by": "currency", "buckets": "30,60,90"}
    )

    rows = {row["group"]: row for row in response.json()["rows"]}
    assert rows["USD"]["amounts"] == {
        "current": "0.00",
        "days_1_30": "0.00",
        "days_31_60": "700.00",
        "days_61_90": "0.00",
        "over_90": "233.31",
    }
    assert rows["USD"]["currency_amounts"]["over_90"] == "33.33"
    assert rows["USD"]["currency_total"] == "133.33"
    assert rows["CNY"]["total"] == "3000.00"


def test_grouped_by_sales_rep_by_invoice_date(ledger, finance_user):
    response = api_client_for(finance_user).get(
        URL, {"as_of": "2026-03-31", "group_by": "sales_rep", "basis": "invoice_date"}
    )

    body = response.json()
    assert [(row["group"], row["total"]) for row in body["rows"]] == [
        (str(ledger.rep_a.pk), "2850.00"),
        (str(ledger.rep_b.pk), "933.31"),
        ("", "150.00"),
    ]
    assert body["buckets"][0]["key"] == "days_0_30"
    assert body["totals"]["days_0_30"] == "2080.00"


def test_a_sales_rep_gets_only_their_customers(ledger):
    response = api_client_for(ledger.rep_b).get(URL, {"as_of": "2026-03-31"})

    body = response.json()
    assert [row["label"] for row in body["rows"]] == ["B001 Northwind"]
    assert body["total"] == "933.31"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"as_of": "31/03/2026"}, "as_of"),
        ({"group_by": "planet"}, "group_by"),
        ({"basis": "moon"}, "basis"),
        ({"buckets": "30,abc"}, "buckets"),
        ({"buckets": "90,30"}, "buckets"),
        ({"owner": "x"}, "owner"),
        ({"currency": "usd"}, "currency"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_parameter(finance_user, params, field):
    response = api_client_for(finance_user).get(URL, params)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_anonymous_callers_are_refused():
    assert api_client_for(None).get(URL).status_code in (401, 403)


def test_the_schema_documents_the_endpoint(finance_user):
    schema = api_client_for(finance_user).get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/reports/aging/"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} >= {
        "as_of",
        "group_by",
        "basis",
        "buckets",
    }


def _customers(count: int, actor) -> None:
    relax_credit_control()
    rep = UserFactory(username="api_size_rep", role="Sales")
    for n in range(count):
        customer = CustomerFactory(owner=rep if n % 2 else None, region=f"R{n % 4}")
        old = invoice(customer, actor, "300.00", AS_OF - timedelta(days=30 * n + 45))
        pay(customer, actor, old, "100.00", AS_OF - timedelta(days=1))
        invoice(customer, actor, "80.00", AS_OF - timedelta(days=2))


@pytest.mark.parametrize("group_by", ["customer", "sales_rep", "region", "tier", "currency"])
def test_the_same_queries_at_two_sizes(finance_user, group_by):
    client = api_client_for(finance_user)
    params = {"as_of": AS_OF.isoformat(), "group_by": group_by}

    def queries() -> int:
        # The roles are cached on the (forced) user object by the first request: warm up.
        client.get(URL, params)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, params).status_code == 200
        return len(captured)

    _customers(2, finance_user)
    small = queries()
    _customers(12, finance_user)
    large = queries()

    assert small == large
    assert D(client.get(URL, params).json()["total"]) == 14 * D("280.00")
