"""Every list endpoint answers in a fixed number of queries, however many rows it returns: the
same count for 3 customers' ledgers as for 12, for a user who sees everything and for a sales
rep whose rows are scoped to their own customers."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from receivables import services
from tests.api.ledger_world import api_client
from tests.factories import ContactFactory, CustomerFactory, UserFactory

# The measuring happens in a module fixture; the mark makes pytest-django create the test DB.
pytestmark = pytest.mark.django_db

ISSUE_DATE = date(2026, 1, 10)
PAID_ON = date(2026, 1, 20)

# Queries per list request, pinned: (1) the user's roles, (2) the page count, (3) the page,
# then one per prefetched relation.
EXPECTED_QUERIES = {
    "customers": 3,
    "contacts": 3,
    "contracts": 3,
    "payment-terms": 4,  # + schedules
    "invoices": 5,  # + lines, installments
    "installments": 3,
    "payments": 5,  # + allocations, refunds
    "allocations": 3,
    "credit-notes": 3,
    "write-offs": 3,
    "exchange-rates": 3,
}


def add_ledgers(count: int, *, rep, other_rep, finance, manager, first: int) -> None:
    """`count` customers, alternately the rep's and another rep's, each with two contacts, a
    contract, an invoice of two lines in two installments, a payment applied to both
    installments and partly refunded, a credit note, an approved and a pending write-off; and
    one more set of payment terms and exchange rate per customer."""
    for serial in range(first, first + count):
        terms = services.payment_terms_create(
            actor=finance,
            code=f"T{serial}",
            name=f"Terms {serial}",
            schedule=[
                {"percent": Decimal("40"), "days": 30},
                {"percent": Decimal("60"), "days": 60},
            ],
        )
        services.exchange_rate_set(
            actor=finance,
            currency="USD",
            rate_date=date(2025, 1, 1).replace(day=serial),
            rate_to_base=Decimal("7.1"),
        )
        customer = CustomerFactory(
            owner=rep if serial % 2 else other_rep, default_payment_terms=terms
        )
        ContactFactory.create_batch(2, customer=customer)
        services.contract_create(
            actor=finance,
            customer=customer,
            number=f"HT-{serial}",
            signed_on=date(2025, 12, 1),
            amount=Decimal("9000.00"),
        )
        draft = services.invoice_create_draft(
            actor=finance,
            customer=customer,
            issue_date=ISSUE_DATE,
            lines=[
                {
                    "description": "货物",
                    "quantity": "2",
                    "unit_price": "300.00",
                    "tax_rate": "0.13",
                },
                {"description": "运费", "quantity": "1", "unit_price": "400.00"},
            ],
        )
        invoice = services.invoice_issue(actor=finance, invoice=draft)
        first_due, second_due = invoice.installments.order_by("sequence")
        payment = services.payment_record(
            actor=finance, customer=customer, received_on=PAID_ON, amount=Decimal("500.00")
        )
        services.payment_allocate(
            actor=finance,
            payment=payment,
            allocations=[(first_due.pk, Decimal("200.00")), (second_due.pk, Decimal("200.00"))],
            applied_on=PAID_ON,
        )
        services.payment_refund(
            actor=finance, payment=payment, amount=Decimal("50.00"), refunded_on=PAID_ON
        )
        services.credit_note_issue(
            actor=finance,
            invoice=invoice,
            amount=Decimal("30.00"),
            reason="折让",
            issue_date=PAID_ON,
        )
        approved = services.write_off_request(
            actor=finance, installment=first_due, amount=Decimal("10.00"), reason="坏账"
        )
        services.write_off_approve(actor=manager, write_off=approved, effective_on=PAID_ON)
        services.write_off_request(
            actor=finance, installment=second_due, amount=Decimal("10.00"), reason="坏账"
        )


def list_and_count_queries(username: str, endpoint: str) -> tuple[int, int]:
    """(rows listed, queries run) for one request, as a freshly loaded user like a real
    request (no roles cached on the user object)."""
    client = api_client(get_user_model().objects.get(username=username))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/{endpoint}/", {"page_size": 500})
    assert response.status_code == 200, response.content
    return response.json()["count"], len(queries)


LISTERS = {Role.FINANCE: "fin", Role.SALES: "rep"}


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker):
    """(rows, queries) of every list for each lister, with 3 and then with 12 customers. Built
    once in a transaction rolled back at the end of the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        people = {
            "rep": UserFactory(username="rep", role=Role.SALES),
            "other_rep": UserFactory(username="other_rep", role=Role.SALES),
            "finance": UserFactory(username="fin", role=Role.FINANCE),
            "manager": UserFactory(username="mgr", role=Role.MANAGER),
        }
        add_ledgers(3, first=1, **people)
        list_and_count_queries("fin", "customers")  # warm process-wide caches
        sizes = []
        for count, first in ((0, 0), (9, 4)):
            add_ledgers(count, first=first, **people)
            sizes.append(
                {
                    (endpoint, role): list_and_count_queries(username, endpoint)
                    for endpoint in EXPECTED_QUERIES
                    for role, username in LISTERS.items()
                }
            )
        yield sizes
        transaction.set_rollback(True)


@pytest.mark.parametrize("role", LISTERS)
@pytest.mark.parametrize("endpoint", EXPECTED_QUERIES)
def test_list_runs_the_same_queries_for_3_and_for_12_customers(measured, endpoint, role):
    (small_rows, small_queries), (large_rows, large_queries) = (
        size[endpoint, role] for size in measured
    )
    assert large_rows > small_rows > 1
    assert small_queries == large_queries == EXPECTED_QUERIES[endpoint]
