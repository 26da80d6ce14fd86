"""Shared data and helpers for the API tests: two customers with a small ledger each, one user
per role, and a snapshot of every ledger and archive row (history included) to prove that a
refused request wrote nothing."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.apps import apps
from django.db import transaction
from rest_framework.test import APIClient

from accounts.roles import Role
from customers.models import Contact, Customer
from receivables import services
from receivables.models import (
    Allocation,
    Contract,
    CreditNote,
    ExchangeRate,
    Installment,
    Invoice,
    Payment,
    PaymentTerms,
    WriteOff,
)
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    PaymentTermsFactory,
    UserFactory,
    issued_invoice,
    recorded_payment,
)

ISSUE_DATE = date(2026, 1, 10)
RECEIVED_ON = date(2026, 1, 20)
# Every dated action in the tests uses this day, so nothing depends on the real date.
ACTION_DATE = date(2026, 2, 1)

# Key of each role in test tables, with the group it puts the user in (None: no role at all).
ROLE_USERS = {
    "finance": Role.FINANCE,
    "sales": Role.SALES,
    "manager": Role.MANAGER,
    "admin": Role.ADMIN,
    "auditor": Role.AUDITOR,
    "norole": None,
}

# Apps whose tables (and simple-history tables) a refused request must leave untouched.
SNAPSHOT_APPS = ("customers", "receivables")


def api_client(user=None) -> APIClient:
    """A client that authenticates as `user` (anonymous when None) and asks for English, so
    that error messages are compared to the source strings whatever translations exist."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def db_state() -> dict[str, list[dict]]:
    """Every row of the archive and ledger tables, history tables included, by model."""
    state = {}
    for app_label in SNAPSHOT_APPS:
        for model in apps.get_app_config(app_label).get_models():
            state[model._meta.label] = list(model.objects.order_by("pk").values())
    return state


def row_counts(state: dict[str, list[dict]]) -> dict[str, int]:
    return {label: len(rows) for label, rows in state.items()}


@dataclass
class Ledger:
    """One customer's archive entry and ledger documents."""

    customer: Customer
    contact: Contact
    contract: Contract
    draft: Invoice
    invoice: Invoice
    installment: Installment
    payment: Payment
    allocation: Allocation
    credit_note: CreditNote
    write_off: WriteOff


@dataclass
class World:
    users: dict[str, object]
    terms: PaymentTerms
    exchange_rate: ExchangeRate
    own: Ledger
    other: Ledger

    def ledger(self, scope: str) -> Ledger:
        return {"own": self.own, "other": self.other}[scope]


def build_ledger(customer: Customer, *, actor, serial: int) -> Ledger:
    """A contact, a contract, a draft and an issued invoice of 1000.00; a payment of 1000.00
    with 300.00 applied; a 50.00 credit note; a pending 100.00 write-off request."""
    contact = ContactFactory(customer=customer)
    contract = services.contract_create(
        actor=actor,
        customer=customer,
        number=f"HT-{serial:04d}",
        signed_on=date(2025, 12, 1),
        amount=Decimal("5000.00"),
    )
    invoice = issued_invoice(customer, actor=actor, issue_date=ISSUE_DATE)
    installment = invoice.installments.get()
    draft = services.invoice_create_draft(
        actor=actor,
        customer=customer,
        issue_date=ISSUE_DATE,
        lines=[{"description": "服务费", "quantity": "2", "unit_price": "150.00"}],
    )
    payment = recorded_payment(customer, actor=actor, received_on=RECEIVED_ON)
    (allocation,) = services.payment_allocate(
        actor=actor,
        payment=payment,
        allocations=[(installment.pk, Decimal("300.00"))],
        applied_on=RECEIVED_ON,
    )
    credit_note = services.credit_note_issue(
        actor=actor,
        invoice=invoice,
        amount=Decimal("50.00"),
        reason="价格调整",
        issue_date=RECEIVED_ON,
    )
    write_off = services.write_off_request(
        actor=actor, installment=installment, amount=Decimal("100.00"), reason="客户破产"
    )
    for document in (invoice, installment, payment):
        document.refresh_from_db()
    return Ledger(
        customer=customer,
        contact=contact,
        contract=contract,
        draft=draft,
        invoice=invoice,
        installment=installment,
        payment=payment,
        allocation=allocation,
        credit_note=credit_note,
        write_off=write_off,
    )


@transaction.atomic
def build_world() -> World:
    users = {key: UserFactory(username=f"api_{key}", role=role) for key, role in ROLE_USERS.items()}
    other_rep = UserFactory(username="api_sales_other", role=Role.SALES)
    terms = PaymentTermsFactory()
    own_customer = CustomerFactory(owner=users["sales"], default_payment_terms=terms)
    other_customer = CustomerFactory(owner=other_rep, default_payment_terms=terms)
    finance = users["finance"]
    exchange_rate = services.exchange_rate_set(
        actor=finance, currency="USD", rate_date=ISSUE_DATE, rate_to_base=Decimal("7.10")
    )
    return World(
        users=users,
        terms=terms,
        exchange_rate=exchange_rate,
        own=build_ledger(own_customer, actor=finance, serial=1),
        other=build_ledger(other_customer, actor=finance, serial=2),
    )


def matrix_request(endpoint: str, action: str, *, detail, payload) -> tuple[str, str, dict | None]:
    """(method, url, body) of one permission-matrix row: the REST shape every API here follows.
    `detail` gives the object a detail action addresses (called only for those)."""
    base = f"/api/v1/{endpoint}/"
    if action == "list":
        return "get", base, None
    if action == "create":
        return "post", base, payload
    url = f"{base}{detail().pk}/"
    match action:
        case "retrieve":
            return "get", url, None
        case "history":
            return "get", f"{url}history/", None
        case "update":
            return "patch", url, payload
        case "delete":
            return "delete", url, None
        case _:
            return "post", f"{url}{action}/", payload
