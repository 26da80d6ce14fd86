"""Who may do what through the API: every role x endpoint x action x own/other customer.

The sales rep owns customer A ("own"); customer B belongs to another rep ("other"). "-" marks
rows that do not depend on a customer (master data, lists). Each cell is what the role gets:
a status code, ALL / OWN for a list showing every row / only the rep's own customers' rows, or
Invalid(field) for a 400 naming `field`. A refused request must leave the database untouched;
an accepted write must change it.
"""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from tests.api.ledger_world import ACTION_DATE, api_client, db_state, matrix_request
from tests.factories import valid_uscc


@dataclass(frozen=True)
class Listed:
    """A list answered with 200 and the rows of every customer (ALL) or only the rep's (OWN)."""

    scope: str


@dataclass(frozen=True)
class Invalid:
    """A 400 whose body names exactly `field`."""

    field: str


ALL = Listed("all")
OWN = Listed("own")
# A rep attaching a contact to another rep's customer: that customer "does not exist" for them.
NO_CUST = Invalid("customer")

ROLES = ("finance", "sales", "manager", "admin", "auditor", "norole", "anonymous")

# fmt: off
MATRIX = [
    # endpoint          action           scope     finance sales  manager admin  auditor norole anon
    ("customers",      "list",          "-",      ALL,    OWN,   ALL,    ALL,   ALL,    403,   401),
    ("customers",      "retrieve",      "own",    200,    200,   200,    200,   200,    403,   401),
    ("customers",      "retrieve",      "other",  200,    404,   200,    200,   200,    403,   401),
    ("customers",      "create",        "-",      201,    403,   403,    201,   403,    403,   401),
    ("customers",      "update",        "own",    200,    403,   403,    200,   403,    403,   401),
    ("customers",      "update",        "other",  200,    403,   403,    200,   403,    403,   401),
    ("customers",      "archive",       "own",    200,    403,   403,    200,   403,    403,   401),
    ("customers",      "archive",       "other",  200,    403,   403,    200,   403,    403,   401),
    ("customers",      "history",       "own",    200,    200,   200,    200,   200,    403,   401),
    ("customers",      "history",       "other",  200,    404,   200,    200,   200,    403,   401),

    ("contacts",       "list",          "-",      ALL,    OWN,   ALL,    ALL,   ALL,    403,   401),
    ("contacts",       "retrieve",      "own",    200,    200,   200,    200,   200,    403,   401),
    ("contacts",       "retrieve",      "other",  200,    404,   200,    200,   200,    403,   401),
    ("contacts",       "create",        "own",    201,    201,   403,    201,   403,    403,   401),
    ("contacts",       "create",        "other",  201,    NO_CUST, 403,  201,   403,    403,   401),
    ("contacts",       "update",        "own",    200,    200,   403,    200,   403,    403,   401),
    ("contacts",       "update",        "other",  200,    404,   403,    200,   403,    403,   401),
    ("contacts",       "delete",        "own",    204,    204,   403,    204,   403,    403,   401),
    ("contacts",       "delete",        "other",  204,    404,   403,    204,   403,    403,   401),
    ("contacts",       "history",       "own",    200,    200,   200,    200,   200,    403,   401),
    ("contacts",       "history",       "other",  200,    404,   200,    200,   200,    403,   401),

    ("contracts",      "list",          "-",      ALL,    OWN,   ALL,    ALL,   ALL,    403,   401),
    ("contracts",      "retrieve",      "own",    200,    200,   200,    200,   200,    403,   401),
    ("contracts",      "retrieve",      "other",  200,    404,   200,    200,   200,    403,   401),
    ("contracts",      "create",        "own",    201,    403,   403,    201,   403,    403,   401),
    ("contracts",      "create",        "other",  201,    403,   403,    201,   403,    403,   401),
    ("contracts",      "update",        "own",    200,    403,   403,    200,   403,    403,   401),
    ("contracts",      "update",        "other",  200,    403,   403,    200,   403,    403,   401),
    ("contracts",      "history",       "own",    200,    200,   200,    200,   200,    403,   401),
    ("contracts",      "history",       "other",  200,    404,   200,    200,   200,    403,   401),

    # Payment terms and exchange rates are master data: every role reads all of them.
    ("payment-terms",  "list",          "-",      ALL,    ALL,   ALL,    ALL,   ALL,    403,   401),
    ("payment-terms",  "retrieve",      "-",      200,    200,   200,    200,   200,    403,   401),
    ("payment-terms",  "create",        "-",      201,    403,   403,    201,   403,    403,   401),
    ("payment-terms",  "update",        "-",      200,    403,   403,    200,   403,    403,   401),
    ("payment-terms",  "history",       "-",      200,    200,   200,    200,   200,    403,   401),

    ("invoices",       "list",          "-",      ALL,    OWN,   ALL,    ALL,   ALL,    403,   401),
    ("invoices",       "retrieve",      "own",    200,    200,   200,    200,   200,    403,   401),
    ("invoices",       "retrieve",      "other",  200,    404,   200,    200,   200,    403,   401),
    ("invoices",       "create",        "own",    201,    403,   403,    201,   403,    403,   401),
    ("invoices",       "create",        "other",  201,    403,   403,    201,   403,    403,   401),
    ("invoices",       "update",        "own",    200,    403,   403,    200,   403,    403,   401),
    ("invoices",       "update",        "other",  200,    403,   403,    200,   403,    403,   401),
    ("invoices",       "issue",         "own",    200,    403,   403,    200,   403,    403,   401),
    ("invoices",       "issue",         "other",  200,    403,   403,    200,   403,    403,   401),
    ("invoices",       "cancel",        "own",    200,    403,   403,    200,   403,    403,   401),
    ("invoices",       "cancel",        "other",  200,    403,   403,    200,   403,    403,   401),
    ("invoices",       "dispute",       "own",    200,    403,   403,    200,   403,    403,   401),
    ("invoices",       "dispute",       "other",  200,    403,   403,    200,   403,    403,   401),
    ("invoices",       "delivery",      "own",    200,    403,   403,    200,   403,    403,   401),
    ("invoices",       "delivery",      "other",  200,    403,   403,    200,   403,    403,   401),
    ("invoices",       "history",       "own",    200,    200,   200,    200,   200,    403,   401),
    ("invoices",       "history",       "other",  200,    404,   200,    200,   200,    403,   401),

    ("installments",   "list",          "-",      ALL,    OWN,   ALL,    ALL,   ALL,    403,   401),
    ("installments",   "retrieve",      "own",    200,    200,   200,    200,   200,    403,   401),
    ("installments",   "retrieve",      "other",  200,    404,   200,    200,   200,    403,   401),
    ("installments",   "history",       "own",    200,    200,   200,    200,   200,    403,   401),
    ("installments",   "history",       "other",  200,    404,   200,    200,   200,    403,   401),

    ("payments",       "list",          "-",      ALL,    OWN,   ALL,    ALL,   ALL,    403,   401),
    ("payments",       "retrieve",      "own",    200,    200,   200,    200,   200,    403,   401),
    ("payments",       "retrieve",      "other",  200,    404,   200,    200,   200,    403,   401),
    ("payments",       "create",        "own",    201,    403,   403,    201,   403,    403,   401),
    ("payments",       "create",        "other",  201,    403,   403,    201,   403,    403,   401),
    ("payments",       "allocate",      "own",    200,    403,   403,    200,   403,    403,   401),
    ("payments",       "allocate",      "other",  200,    403,   403,    200,   403,    403,   401),
    ("payments",       "auto-allocate", "own",    200,    403,   403,    200,   403,    403,   401),
    ("payments",       "auto-allocate", "other",  200,    403,   403,    200,   403,    403,   401),
    ("payments",       "reverse",       "own",    200,    403,   403,    200,   403,    403,   401),
    ("payments",       "reverse",       "other",  200,    403,   403,    200,   403,    403,   401),
    ("payments",       "refund",        "own",    201,    403,   403,    201,   403,    403,   401),
    ("payments",       "refund",        "other",  201,    403,   403,    201,   403,    403,   401),
    ("payments",       "history",       "own",    200,    200,   200,    200,   200,    403,   401),
    ("payments",       "history",       "other",  200,    404,   200,    200,   200,    403,   401),

    ("allocations",    "list",          "-",      ALL,    OWN,   ALL,    ALL,   ALL,    403,   401),
    ("allocations",    "retrieve",      "own",    200,    200,   200,    200,   200,    403,   401),
    ("allocations",    "retrieve",      "other",  200,    404,   200,    200,   200,    403,   401),
    ("allocations",    "reverse",       "own",    201,    403,   403,    201,   403,    403,   401),
    ("allocations",    "reverse",       "other",  201,    403,   403,    201,   403,    403,   401),

    ("credit-notes",   "list",          "-",      ALL,    OWN,   ALL,    ALL,   ALL,    403,   401),
    ("credit-notes",   "retrieve",      "own",    200,    200,   200,    200,   200,    403,   401),
    ("credit-notes",   "retrieve",      "other",  200,    404,   200,    200,   200,    403,   401),
    ("credit-notes",   "create",        "own",    201,    403,   403,    201,   403,    403,   401),
    ("credit-notes",   "create",        "other",  201,    403,   403,    201,   403,    403,   401),
    ("credit-notes",   "history",       "own",    200,    200,   200,    200,   200,    403,   401),
    ("credit-notes",   "history",       "other",  200,    404,   200,    200,   200,    403,   401),

    # Finance requests write-offs, managers decide them (the pending ones were asked by Finance).
    ("write-offs",     "list",          "-",      ALL,    OWN,   ALL,    ALL,   ALL,    403,   401),
    ("write-offs",     "retrieve",      "own",    200,    200,   200,    200,   200,    403,   401),
    ("write-offs",     "retrieve",      "other",  200,    404,   200,    200,   200,    403,   401),
    ("write-offs",     "create",        "own",    201,    403,   201,    201,   403,    403,   401),
    ("write-offs",     "create",        "other",  201,    403,   201,    201,   403,    403,   401),
    ("write-offs",     "approve",       "own",    403,    403,   200,    200,   403,    403,   401),
    ("write-offs",     "approve",       "other",  403,    403,   200,    200,   403,    403,   401),
    ("write-offs",     "reject",        "own",    403,    403,   200,    200,   403,    403,   401),
    ("write-offs",     "reject",        "other",  403,    403,   200,    200,   403,    403,   401),
    ("write-offs",     "history",       "own",    200,    200,   200,    200,   200,    403,   401),
    ("write-offs",     "history",       "other",  200,    404,   200,    200,   200,    403,   401),

    ("exchange-rates", "list",          "-",      ALL,    ALL,   ALL,    ALL,   ALL,    403,   401),
    ("exchange-rates", "retrieve",      "-",      200,    200,   200,    200,   200,    403,   401),
    ("exchange-rates", "create",        "-",      201,    403,   403,    201,   403,    403,   401),
    ("exchange-rates", "history",       "-",      200,    200,   200,    200,   200,    403,   401),
]
# fmt: on

DENIED_BODY = {
    401: {"detail": "Authentication credentials were not provided."},
    403: {"detail": "You do not have permission to perform this action."},
}
READ_ACTIONS = {"list", "retrieve", "history"}


DAY = ACTION_DATE.isoformat()

# The object each detail action works on, in the ledger of the row's customer.
TARGETS = {
    "customers": lambda ledger: ledger.customer,
    "contacts": lambda ledger: ledger.contact,
    "contracts": lambda ledger: ledger.contract,
    "invoices": lambda ledger: ledger.invoice,
    "installments": lambda ledger: ledger.installment,
    "payments": lambda ledger: ledger.payment,
    "allocations": lambda ledger: ledger.allocation,
    "credit-notes": lambda ledger: ledger.credit_note,
    "write-offs": lambda ledger: ledger.write_off,
}
# Actions that only a draft accepts.
DRAFT_ACTIONS = {("invoices", "update"), ("invoices", "issue"), ("invoices", "cancel")}

# A valid body for each write, given the ledger of the row's customer (None for "-" rows).
PAYLOADS = {
    ("customers", "create"): lambda ledger: {
        "code": "C-NEW",
        "legal_name": "杭州新客户科技有限公司",
        "uscc": valid_uscc(990001),
    },
    ("customers", "update"): lambda ledger: {"notes": "年底对账"},
    ("contacts", "create"): lambda ledger: {
        "customer": ledger.customer.pk,
        "name": "王经理",
        "phone": "+8613912345678",
    },
    ("contacts", "update"): lambda ledger: {"title": "财务总监"},
    ("contracts", "create"): lambda ledger: {
        "customer": ledger.customer.pk,
        "number": "HT-NEW",
        "signed_on": "2026-01-05",
        "amount": "1000.00",
    },
    ("contracts", "update"): lambda ledger: {"title": "年度框架合同"},
    ("payment-terms", "create"): lambda ledger: {"code": "NET60", "name": "Net 60", "net_days": 60},
    ("payment-terms", "update"): lambda ledger: {"name": "Net 30 days"},
    ("invoices", "create"): lambda ledger: {
        "customer": ledger.customer.pk,
        "issue_date": DAY,
        "lines": [
            {"description": "货物", "quantity": "1", "unit_price": "100.00", "tax_rate": "0.13"}
        ],
    },
    ("invoices", "update"): lambda ledger: {"notes": "加急"},
    ("invoices", "dispute"): lambda ledger: {"is_disputed": True},
    ("invoices", "delivery"): lambda ledger: {"sent_on": "2026-01-12"},
    ("payments", "create"): lambda ledger: {
        "customer": ledger.customer.pk,
        "received_on": DAY,
        "amount": "500.00",
    },
    ("payments", "allocate"): lambda ledger: {
        "allocations": [{"installment": ledger.installment.pk, "amount": "100.00"}],
        "applied_on": DAY,
    },
    ("payments", "auto-allocate"): lambda ledger: {"applied_on": DAY},
    ("payments", "reverse"): lambda ledger: {"reversed_on": DAY, "reason": "退票"},
    ("payments", "refund"): lambda ledger: {"amount": "10.00", "refunded_on": DAY},
    ("allocations", "reverse"): lambda ledger: {"reversed_on": DAY},
    ("credit-notes", "create"): lambda ledger: {
        "invoice": ledger.invoice.pk,
        "amount": "10.00",
        "reason": "折让",
        "issue_date": DAY,
    },
    ("write-offs", "create"): lambda ledger: {
        "installment": ledger.installment.pk,
        "amount": "10.00",
        "reason": "无法收回",
    },
    ("write-offs", "approve"): lambda ledger: {"effective_on": DAY},
    ("write-offs", "reject"): lambda ledger: {"note": "继续催收"},
    ("exchange-rates", "create"): lambda ledger: {
        "currency": "USD",
        "rate_date": DAY,
        "rate_to_base": "7.20",
    },
}


def _detail_object(world, endpoint, action, ledger):
    if endpoint == "payment-terms":
        return world.terms
    if endpoint == "exchange-rates":
        return world.exchange_rate
    if (endpoint, action) in DRAFT_ACTIONS:
        return ledger.draft
    return TARGETS[endpoint](ledger)


def request_for(world, endpoint, action, scope) -> tuple[str, str, dict | None]:
    """(method, url, body) of one matrix row."""
    ledger = world.ledger(scope) if scope != "-" else None
    return matrix_request(
        endpoint,
        action,
        detail=lambda: _detail_object(world, endpoint, action, ledger),
        payload=PAYLOADS.get((endpoint, action), lambda ledger: None)(ledger),
    )


def _rows_in_list(world, endpoint, listed: Listed) -> set[int]:
    """The ids the list must show: every row, or the rows of the rep's own customer."""
    if endpoint == "payment-terms":
        return {world.terms.pk}
    if endpoint == "exchange-rates":
        return {world.exchange_rate.pk}
    model = type(TARGETS[endpoint](world.own))
    rows = model.objects.all()
    if listed is OWN:
        owner_field = "pk" if endpoint == "customers" else "customer"
        rows = rows.filter(**{owner_field: world.own.customer.pk})
    return set(rows.values_list("pk", flat=True))


CASES = [
    pytest.param(endpoint, action, scope, role, expected, id=f"{endpoint}-{action}-{scope}-{role}")
    for endpoint, action, scope, *cells in MATRIX
    for role, expected in zip(ROLES, cells, strict=True)
]


@pytest.mark.parametrize(("endpoint", "action", "scope", "role", "expected"), CASES)
def test_role_gets_the_status_the_matrix_gives(world, db, endpoint, action, scope, role, expected):
    method, url, payload = request_for(world, endpoint, action, scope)
    client = api_client(world.users.get(role))  # "anonymous" has no user
    before = db_state()

    if method in ("get", "delete"):
        response = getattr(client, method)(url)
    else:
        response = getattr(client, method)(url, payload, format="json")

    after = db_state()
    if isinstance(expected, Listed):
        assert response.status_code == 200, response.content
        expected_ids = _rows_in_list(world, endpoint, expected)
        assert {row["id"] for row in response.json()["results"]} == expected_ids
        assert response.json()["count"] == len(expected_ids)
    elif isinstance(expected, Invalid):
        assert response.status_code == 400, response.content
        assert list(response.json()) == [expected.field]
    else:
        assert response.status_code == expected, response.content
        if expected in DENIED_BODY:
            assert response.json() == DENIED_BODY[expected]
    write_succeeded = action not in READ_ACTIONS and 200 <= response.status_code < 300
    if write_succeeded:
        assert after != before
    else:
        assert after == before


def test_every_list_of_customer_rows_holds_rows_the_sales_rep_must_not_see(world, db):
    """Guards the matrix: an OWN list only proves scoping if the table has other reps' rows."""
    for endpoint in TARGETS:
        assert _rows_in_list(world, endpoint, OWN) < _rows_in_list(world, endpoint, ALL), endpoint


def test_manager_cannot_approve_a_write_off_they_requested(world, db):
    manager = api_client(world.users["manager"])
    requested = manager.post(
        "/api/v1/write-offs/",
        {"installment": world.own.installment.pk, "amount": "20.00", "reason": "无法联系"},
        format="json",
    )
    assert requested.status_code == 201, requested.content
    before = db_state()

    response = manager.post(
        f"/api/v1/write-offs/{requested.json()['id']}/approve/", {}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {
        "write_off": ["You requested this write-off; another manager must decide it."]
    }
    assert db_state() == before


def test_a_credit_limit_changes_only_by_a_request_another_manager_approves(world, db):
    """Credit limits are a manager's decision (内部控制): the archive refuses them, a manager
    other than the requester approves a credit change request, and the customer's history
    shows the approver."""
    customer = world.own.customer
    finance = api_client(world.users["finance"])
    manager = api_client(world.users["manager"])
    before = db_state()

    assert (
        manager.patch(
            f"/api/v1/customers/{customer.pk}/", {"credit_limit": "250000.00"}, format="json"
        ).status_code
        == 403
    )
    direct = finance.patch(
        f"/api/v1/customers/{customer.pk}/", {"credit_limit": "250000.00"}, format="json"
    )
    assert direct.status_code == 400
    assert direct.json() == {
        "credit_limit": [
            "The credit limit changes only when a manager approves a credit change request: "
            "request the change instead."
        ]
    }
    assert db_state() == before

    requested = finance.post(
        "/api/v1/credit-requests/",
        {"customer": customer.pk, "credit_limit": "250000.00", "reason": "年度框架协议"},
        format="json",
    )
    assert requested.status_code == 201, requested.content
    approved = manager.post(f"/api/v1/credit-requests/{requested.json()['id']}/approve/", {})
    assert approved.status_code == 200, approved.content
    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("250000.00")
    assert customer.history.first().history_user == world.users["manager"]
