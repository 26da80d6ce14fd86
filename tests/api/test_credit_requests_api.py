"""/api/v1/credit-requests/: asking for a credit limit or payment terms change, a manager's
decision, scoping per role, and the OpenAPI description."""

from decimal import Decimal

import pytest

from customers import services
from customers.models import CreditChangeRequest
from tests.api.ledger_world import api_client
from tests.factories import CustomerFactory, PaymentTermsFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/credit-requests/"


@pytest.fixture
def other_customer(other_sales_user):
    return CustomerFactory(owner=other_sales_user)


def _request(customer, actor, **fields):
    return services.credit_change_request(
        actor=actor, customer=customer, reason=fields.pop("reason", "x"), **fields
    )


def test_finance_asks_and_a_manager_approves_the_new_terms(customer, finance_user, manager_user):
    net60 = PaymentTermsFactory(code="NET60", name="Net 60", net_days=60)

    created = api_client(finance_user).post(
        URL,
        {"customer": customer.pk, "default_payment_terms": net60.pk, "reason": "行业惯例"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert {key: body[key] for key in ("status", "credit_limit", "currency", "requested_by")} == {
        "status": "pending",
        "credit_limit": None,
        "currency": "CNY",
        "requested_by": finance_user.pk,
    }

    approved = api_client(manager_user).post(f"{URL}{body['id']}/approve/", {"note": "同意"})

    assert approved.status_code == 200, approved.content
    assert (approved.json()["status"], approved.json()["decision_note"]) == ("approved", "同意")
    customer.refresh_from_db()
    assert customer.default_payment_terms == net60
    history = api_client(finance_user).get(f"{URL}{body['id']}/history/").json()
    assert [entry["user"] for entry in history] == ["manager_t", "finance_t"]


def test_the_requester_cannot_decide_and_nothing_changes(customer, manager_user):
    change = _request(customer, manager_user, credit_limit=Decimal("5.00"))

    for action in ("approve", "reject"):
        response = api_client(manager_user).post(f"{URL}{change.pk}/{action}/", {})
        assert response.status_code == 403
        assert response.json() == {
            "status": ["You asked for this credit change; another manager must decide it."]
        }

    change.refresh_from_db()
    customer.refresh_from_db()
    assert (change.status, customer.credit_limit) == ("pending", Decimal("100000.00"))


def test_a_manager_rejects_and_the_requester_withdraws(
    customer, other_customer, finance_user, manager_user
):
    rejected = _request(customer, finance_user, credit_limit=Decimal("5.00"))
    withdrawn = _request(other_customer, finance_user, credit_limit=Decimal("5.00"))

    assert api_client(manager_user).post(f"{URL}{rejected.pk}/reject/", {}).status_code == 200
    assert api_client(manager_user).post(f"{URL}{withdrawn.pk}/withdraw/").status_code == 403
    assert api_client(finance_user).post(f"{URL}{withdrawn.pk}/withdraw/").status_code == 200

    assert dict(CreditChangeRequest.objects.values_list("pk", "status")) == {
        rejected.pk: "rejected",
        withdrawn.pk: "withdrawn",
    }


@pytest.mark.parametrize(
    ("role", "create", "approve", "listed"),
    [
        ("finance_user", 201, 403, {"own", "other"}),
        ("second_manager", 201, 200, {"own", "other"}),
        ("sales_user", 403, 403, {"own"}),
        ("auditor_user", 403, 403, {"own", "other"}),
    ],
)
def test_who_may_ask_decide_and_see(
    request, customer, other_customer, manager_user, role, create, approve, listed
):
    user = request.getfixturevalue(role)
    requests = {
        "own": _request(customer, manager_user, credit_limit=Decimal("5.00")),
        "other": _request(other_customer, manager_user, credit_limit=Decimal("6.00")),
    }
    client = api_client(user)

    shown = {row["id"] for row in client.get(URL).json()["results"]}
    created = client.post(
        URL,
        {
            "customer": CustomerFactory(owner=customer.owner).pk,
            "credit_limit": "7.00",
            "reason": "x",
        },
        format="json",
    )
    decided = client.post(f"{URL}{requests['own'].pk}/approve/", {})

    assert shown == {requests[scope].pk for scope in listed}
    assert created.status_code == create
    assert decided.status_code == approve


def test_a_sales_rep_gets_404_on_another_reps_customers_request(
    other_customer, manager_user, sales_user
):
    change = _request(other_customer, manager_user, credit_limit=Decimal("5.00"))

    assert api_client(sales_user).get(f"{URL}{change.pk}/").status_code == 404


def test_a_request_for_an_unknown_customer_names_the_field(finance_user):
    response = api_client(finance_user).post(
        URL, {"customer": 999999, "credit_limit": "5.00", "reason": "x"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["customer"]
    assert not CreditChangeRequest.objects.exists()


def test_the_endpoints_are_described_in_the_openapi_schema(finance_user):
    schema = api_client(finance_user).get("/api/schema/", {"format": "json"}).json()

    assert {
        "/api/v1/credit-requests/",
        "/api/v1/credit-requests/{id}/approve/",
        "/api/v1/credit-requests/{id}/reject/",
        "/api/v1/credit-requests/{id}/withdraw/",
    } <= set(schema["paths"])
    assert "CreditChangeRequest" in schema["components"]["schemas"]
