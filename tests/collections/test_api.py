"""The collections API: who may do what (every role x endpoint x action x own/other customer, as
tests/api/test_permission_matrix.py does for the ledger), exact shapes of the main answers, and
list endpoints costing the same number of queries at any length.

The sales rep owns customer A ("own"); customer B belongs to another rep ("other"). Each cell is
a status code, ALL / OWN (a list of every row / only the rep's customers' rows) or Invalid(field)
(a 400 naming exactly those fields). A refused request leaves the database untouched; an
accepted write changes it."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import Role
from arcollections.models import (
    Activity,
    DunningMessage,
    DunningPolicy,
    PromiseToPay,
)
from customers.models import Customer
from receivables.models import Dispute, Installment, Invoice
from receivables.services import dispute_open
from tests.api.ledger_world import ROLE_USERS, api_client, matrix_request
from tests.collections.conftest import seed_policies
from tests.factories import ContactFactory, CustomerFactory, UserFactory, issued_invoice

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Listed:
    scope: str


@dataclass(frozen=True)
class Invalid:
    fields: tuple[str, ...]


ALL = Listed("all")
OWN = Listed("own")
NO_CUST = Invalid(("customer",))
# Another rep's items "do not exist" for the rep either.
NO_CUST_ITEMS = Invalid(("customer", "installments"))
ROLES = ("finance", "sales", "manager", "admin", "auditor", "norole", "anonymous")
SNAPSHOT_APPS = ("customers", "receivables", "arcollections")


@dataclass
class Book:
    """One customer's collections records."""

    customer: Customer
    disputed: Invoice
    overdue: Invoice
    activity: Activity
    promise: PromiseToPay
    dispute: Dispute
    message: DunningMessage


@dataclass
class World:
    users: dict
    policy: DunningPolicy
    own: Book
    other: Book

    def book(self, scope):
        return {"own": self.own, "other": self.other}[scope]


def _book(customer, *, finance, step, serial) -> Book:
    contact = ContactFactory(customer=customer, receives_reminders=True)
    disputed = issued_invoice(customer, actor=finance, issue_date=date(2026, 1, 10))
    overdue = issued_invoice(customer, actor=finance, issue_date=date(2026, 1, 12))
    activity = Activity.objects.create(
        customer=customer,
        kind=Activity.Kind.CALL,
        occurred_at=timezone.now() - timedelta(days=1),
        performed_by=finance,
        contact=contact,
        outcome=Activity.Outcome.REACHED,
    )
    promise = PromiseToPay.objects.create(
        customer=customer,
        amount=Decimal("500.00"),
        currency="CNY",
        promised_on=timezone.localdate(),
        promised_date=timezone.localdate() + timedelta(days=10),
        created_by=finance,
    )
    dispute = dispute_open(
        actor=finance,
        customer=customer,
        source=Dispute.Source.CUSTOMER_CONTACT,
        reason=Dispute.Reason.PRICE,
        currency="CNY",
        opened_on=date(2026, 2, 1),
        installments=[disputed.installments.get()],
        description="单价不符",
    )
    message = DunningMessage.objects.create(
        customer=customer,
        step=step,
        run_date=date(2026, 2, 10),
        channel=step.channel,
        status=DunningMessage.Status.SENT,
        language="zh-hans",
        subject=f"催款通知 {serial}",
    )
    return Book(customer, disputed, overdue, activity, promise, dispute, message)


def build_world() -> World:
    seed_policies()
    users = {key: UserFactory(username=f"col_{key}", role=role) for key, role in ROLE_USERS.items()}
    other_rep = UserFactory(username="col_sales_other", role=Role.SALES)
    policy = DunningPolicy.objects.get(code="STANDARD")
    step = policy.steps.get(offset_days=1)
    finance = users["finance"]
    return World(
        users=users,
        policy=policy,
        own=_book(CustomerFactory(owner=users["sales"]), finance=finance, step=step, serial=1),
        other=_book(CustomerFactory(owner=other_rep), finance=finance, step=step, serial=2),
    )


@pytest.fixture
def world(db) -> World:
    return build_world()


def db_state() -> dict:
    state = {}
    for app_label in SNAPSHOT_APPS:
        for model in apps.get_app_config(app_label).get_models():
            state[model._meta.label] = list(model.objects.order_by("pk").values())
    return state


# fmt: off
MATRIX = [
    # endpoint           action        scope   finance sales  manager admin  auditor norole anon
    ("dunning-policies", "list",       "-",    ALL,    ALL,   ALL,    ALL,   ALL,    403,   401),
    ("dunning-policies", "retrieve",   "-",    200,    200,   200,    200,   200,    403,   401),
    ("dunning-policies", "create",     "-",    201,    403,   403,    201,   403,    403,   401),
    ("dunning-policies", "update",     "-",    200,    403,   403,    200,   403,    403,   401),
    ("dunning-steps",    "create",     "-",    201,    403,   403,    201,   403,    403,   401),
    ("dunning-steps",    "update",     "-",    200,    403,   403,    200,   403,    403,   401),
    ("dunning-steps",    "delete",     "-",    204,    403,   403,    204,   403,    403,   401),
    ("dunning-templates", "create",    "-",    200,    403,   403,    200,   403,    403,   401),

    ("worklist",         "list",       "-",    ALL,    OWN,   ALL,    ALL,   ALL,    403,   401),

    ("activities",       "list",       "-",    ALL,    OWN,   ALL,    ALL,   ALL,    403,   401),
    ("activities",       "retrieve",   "other", 200,   404,   200,    200,   200,    403,   401),
    ("activities",       "create",     "own",  201,    201,   201,    201,   403,    403,   401),
    ("activities",       "create",     "other", 201,   NO_CUST, 201,  201,   403,    403,   401),

    ("promises",         "list",       "-",    ALL,    OWN,   ALL,    ALL,   ALL,    403,   401),
    ("promises",         "create",     "own",  201,    201,   201,    201,   403,    403,   401),
    ("promises",         "create",     "other", 201,   NO_CUST, 201,  201,   403,    403,   401),
    ("promises",         "cancel",     "own",  200,    200,   200,    200,   403,    403,   401),
    ("promises",         "cancel",     "other", 200,   404,   200,    200,   403,    403,   401),

    ("disputes",         "list",       "-",    ALL,    OWN,   ALL,    ALL,   ALL,    403,   401),
    ("disputes",         "retrieve",   "own",  200,    200,   200,    200,   200,    403,   401),
    ("disputes",         "retrieve",   "other", 200,   404,   200,    200,   200,    403,   401),
    ("disputes",         "history",    "other", 200,   404,   200,    200,   200,    403,   401),
    ("disputes",         "create",     "own",  201,    201,   201,    201,   403,    403,   401),
    ("disputes",         "create",     "other", 201,   NO_CUST_ITEMS, 201, 201, 403,   403,   401),
    ("disputes",         "assign",     "own",  200,    200,   200,    200,   403,    403,   401),
    ("disputes",         "assign",     "other", 200,   404,   200,    200,   403,    403,   401),
    ("disputes",         "resolve",    "own",  200,    403,   403,    200,   403,    403,   401),

    ("dunning-messages", "list",       "-",    ALL,    OWN,   ALL,    ALL,   ALL,    403,   401),
    ("dunning-messages", "retrieve",   "other", 200,   404,   200,    200,   200,    403,   401),

    ("fee-invoices",     "create",     "own",  201,    403,   403,    201,   403,    403,   401),
    ("fee-invoices",     "create",     "other", 201,   403,   403,    201,   403,    403,   401),
]
# fmt: on

READ_ACTIONS = {"list", "retrieve", "history"}
DENIED_BODY = {
    401: {"detail": "Authentication credentials were not provided."},
    403: {"detail": "You do not have permission to perform this action."},
}


def _payload(world, endpoint, action, book):
    today = timezone.localdate()
    match (endpoint, action):
        case ("dunning-policies", "create"):
            return {"code": "SOFT", "name": "宽松催收", "for_tiers": "C"}
        case ("dunning-policies", "update"):
            return {"name": "标准催收策略（修订）"}
        case ("dunning-steps", "create"):
            return {
                "policy": world.policy.pk,
                "name": "第二次提醒",
                "offset_days": 3,
                "channel": "email",
            }
        case ("dunning-steps", "update"):
            return {"name": "逾期第一天提醒"}
        case ("dunning-templates", "create"):
            step = world.policy.steps.get(offset_days=1)
            return {
                "step": step.pk,
                "language": "zh-hans",
                "subject": "付款提醒 {{ customer_name }}",
                "body": "尊敬的{{ customer_name }}：请于{{ pay_by }}前付款。",
            }
        case ("activities", "create"):
            return {
                "customer": book.customer.pk,
                "kind": "call",
                "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
                "outcome": "reached",
                "note": "财务王经理说月底付款",
            }
        case ("promises", "create"):
            return {
                "customer": book.customer.pk,
                "amount": "800.00",
                "currency": "CNY",
                "promised_date": (today + timedelta(days=20)).isoformat(),
            }
        case ("promises", "cancel"):
            return {"reason": "录入错误"}
        case ("disputes", "create"):
            return {
                "customer": book.customer.pk,
                "reason": "quantity",
                "currency": "CNY",
                "opened_on": "2026-02-15",
                "installments": [book.overdue.installments.get().pk],
                "description": "少发 10 件",
            }
        case ("disputes", "assign"):
            return {"owner": world.users["finance"].pk}
        case ("disputes", "resolve"):
            return {"resolution_kind": "rejected", "resolution": "价格按合同执行"}
        case ("fee-invoices", "create"):
            return {"customer": book.customer.pk, "as_of": "2026-03-31", "currency": "CNY"}
    return None


def _target(world, endpoint, book):
    if endpoint == "dunning-policies":
        return world.policy
    if endpoint == "dunning-steps":
        # The +3 step is free to change and delete: nothing was ever sent for it.
        return world.policy.steps.order_by("offset_days").first()
    return {
        "activities": book.activity if book else None,
        "promises": book.promise if book else None,
        "disputes": book.dispute if book else None,
        "dunning-messages": book.message if book else None,
    }[endpoint]


def request_for(world, endpoint, action, scope):
    book = world.book(scope) if scope != "-" else None
    return matrix_request(
        endpoint,
        action,
        detail=lambda: _target(world, endpoint, book),
        payload=_payload(world, endpoint, action, book),
    )


LIST_MODELS = {
    "dunning-policies": DunningPolicy,
    "worklist": Customer,
    "activities": Activity,
    "promises": PromiseToPay,
    "disputes": Dispute,
    "dunning-messages": DunningMessage,
}


def _rows_in_list(world, endpoint, listed: Listed) -> set[int]:
    if endpoint == "dunning-policies":
        return set(DunningPolicy.objects.values_list("pk", flat=True))
    if endpoint == "worklist":
        customers = {world.own.customer.pk, world.other.customer.pk}
        return {world.own.customer.pk} if listed is OWN else customers
    rows = LIST_MODELS[endpoint].objects.all()
    if listed is OWN:
        rows = rows.filter(customer=world.own.customer)
    return set(rows.values_list("pk", flat=True))


CASES = [
    pytest.param(endpoint, action, scope, role, expected, id=f"{endpoint}-{action}-{scope}-{role}")
    for endpoint, action, scope, *cells in MATRIX
    for role, expected in zip(ROLES, cells, strict=True)
]


@pytest.mark.parametrize(("endpoint", "action", "scope", "role", "expected"), CASES)
def test_role_gets_the_status_the_matrix_gives(world, endpoint, action, scope, role, expected):
    method, url, payload = request_for(world, endpoint, action, scope)
    client = api_client(world.users.get(role))
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
    elif isinstance(expected, Invalid):
        assert response.status_code == 400, response.content
        assert list(response.json()) == list(expected.fields)
    else:
        assert response.status_code == expected, response.content
        if expected in DENIED_BODY:
            assert response.json() == DENIED_BODY[expected]
    if action not in READ_ACTIONS and 200 <= response.status_code < 300:
        assert after != before
    else:
        assert after == before


# --- shapes and rules --------------------------------------------------------------------------


def test_a_dispute_is_listed_with_its_timing_and_contested_amount(world):
    client = api_client(world.users["sales"])

    body = client.get("/api/v1/disputes/", {"status": "open"}).json()

    (row,) = body["results"]
    dispute = world.own.dispute
    assert row == {
        "id": dispute.pk,
        "customer": world.own.customer.pk,
        "customer_code": world.own.customer.code,
        "source": "customer_contact",
        "reason": "price",
        "status": "open",
        "owner": None,
        "currency": "CNY",
        "amount_claimed": None,
        "installments": [world.own.disputed.installments.get().pk],
        "contested_open_amount": "1000.00",
        "description": "单价不符",
        "opened_on": "2026-02-01",
        "opened_by": world.users["finance"].pk,
        "created_at": row["created_at"],
        "resolution_kind": "",
        "resolution": "",
        "resolved_by": None,
        "resolved_at": None,
        "age_days": (timezone.localdate() - date(2026, 2, 1)).days,
        "days_to_resolve": None,
    }


def test_resolving_through_the_api_with_a_credit_note(world):
    client = api_client(world.users["finance"])
    dispute, invoice = world.own.dispute, world.own.disputed

    response = client.post(
        f"/api/v1/disputes/{dispute.pk}/resolve/",
        {
            "resolution_kind": "credit_note",
            "resolution": "同意让价 100 元",
            "credit_notes": [{"invoice": invoice.pk, "amount": "100.00"}],
            "credit_note_date": "2026-02-20",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["days_to_resolve"]) == (
        "resolved",
        (timezone.localdate() - date(2026, 2, 1)).days,
    )
    assert Installment.objects.get(invoice=invoice).open_amount == Decimal("900.00")
    invoice.refresh_from_db()
    assert invoice.is_disputed is False


def test_a_resolution_without_text_names_the_field(world):
    response = api_client(world.users["finance"]).post(
        f"/api/v1/disputes/{world.own.dispute.pk}/resolve/",
        {"resolution_kind": "rejected", "resolution": " "},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["resolution"]


def test_an_activity_with_a_promise_creates_both(world):
    client = api_client(world.users["sales"])
    promised = (timezone.localdate() + timedelta(days=7)).isoformat()

    response = client.post(
        "/api/v1/activities/",
        {
            "customer": world.own.customer.pk,
            "kind": "call",
            "occurred_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
            "note": "答应下周付款",
            "promise": {"amount": "1000.00", "currency": "CNY", "promised_date": promised},
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    activity = Activity.objects.get(pk=response.json()["id"])
    promise = PromiseToPay.objects.get(activity=activity)
    assert response.json()["promises"] == [promise.pk]
    assert (activity.outcome, promise.amount, promise.promised_date.isoformat()) == (
        "promised",
        Decimal("1000.00"),
        promised,
    )


def test_a_fee_invoice_through_the_api_is_a_draft_of_the_interest(world):
    response = api_client(world.users["finance"]).post(
        "/api/v1/fee-invoices/",
        {"customer": world.own.customer.pk, "as_of": "2026-03-31", "currency": "CNY"},
        format="json",
    )

    assert response.status_code == 201, response.content
    # 1,000 due 2026-02-11 at the default 0.05 % a day for 48 days; the disputed one is left out.
    assert (response.json()["status"], response.json()["total"]) == ("draft", "24.00")


def test_a_template_that_does_not_compile_names_the_field(world):
    step = world.policy.steps.get(offset_days=1)

    response = api_client(world.users["finance"]).post(
        "/api/v1/dunning-templates/",
        {"step": step.pk, "language": "en", "subject": "Reminder", "body": "{% if %}"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["body"]


def test_the_worklist_ranks_and_shows_the_next_step(world):
    body = api_client(world.users["finance"]).get("/api/v1/worklist/").json()

    rows = body["results"]
    assert {row["id"] for row in rows} == {world.own.customer.pk, world.other.customer.pk}
    scores = [Decimal(row["risk_score"]) for row in rows]
    assert scores == sorted(scores, reverse=True)
    assert set(rows[0]) >= {"overdue_base", "days_overdue", "next_step", "dunning_paused"}


# --- constant queries --------------------------------------------------------------------------


def _queries(url, user) -> int:
    client = api_client(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "endpoint",
    ["disputes", "activities", "promises", "dunning-messages", "worklist", "dunning-policies"],
)
def test_list_endpoints_cost_the_same_queries_at_any_length(world, endpoint):
    finance = world.users["finance"]
    step = world.policy.steps.get(offset_days=1)
    url = f"/api/v1/{endpoint}/"
    small = _queries(url, finance)

    for serial in range(3, 7):
        _book(CustomerFactory(), finance=finance, step=step, serial=serial)
    DunningPolicy.objects.create(code=f"P{serial}", name="more")

    assert _queries(url, finance) == small
