"""A receivable's life through the API, as the finance team works it: customer, contact, draft,
issue, payments applied and undone, credit note, write-off approved by a manager; and the audit
trail of a credit-limit change."""

from datetime import date

import pytest
from django.utils import timezone

from accounts.roles import Role
from tests.api.ledger_world import api_client
from tests.factories import PaymentTermsFactory, UserFactory, valid_uscc

pytestmark = pytest.mark.django_db

ISSUE_DATE = date(2026, 3, 15)


@pytest.fixture
def finance(db):
    return UserFactory(username="flow_finance", role=Role.FINANCE)


@pytest.fixture
def manager(db):
    return UserFactory(username="flow_manager", role=Role.MANAGER)


def _ok(response, status=200) -> dict:
    assert response.status_code == status, response.content
    return response.json()


def _create_customer(client, **fields) -> dict:
    body = {
        "code": "HZ001",
        "legal_name": "杭州回款科技有限公司",
        "uscc": valid_uscc(20260315),
        "credit_limit": "100000.00",
        **fields,
    }
    return _ok(client.post("/api/v1/customers/", body, format="json"), 201)


def _open_amounts(client, invoice_id) -> list[str]:
    rows = _ok(client.get("/api/v1/installments/", {"invoice": invoice_id}))["results"]
    return [row["open_amount"] for row in sorted(rows, key=lambda row: row["sequence"])]


def _invoice_status(client, invoice_id) -> str:
    return _ok(client.get(f"/api/v1/invoices/{invoice_id}/"))["status"]


@pytest.mark.parametrize(
    ("quantity", "unit_price", "amount", "tax_amount"),
    [
        ("3", "33.335", "100.01", "13.00"),  # 100.005 rounds half up, not to even (100.00)
        ("1", "100.50", "100.50", "13.07"),  # tax 13.065 rounds half up, not to even (13.06)
        ("1", "0.125", "0.13", "0.02"),  # 0.125 -> 0.13 (half-even: 0.12); tax 0.0169 -> 0.02
    ],
)
def test_draft_line_amount_and_tax_round_half_up(finance, quantity, unit_price, amount, tax_amount):
    client = api_client(finance)
    customer = _create_customer(client, default_payment_terms=PaymentTermsFactory().pk)
    line = {
        "description": "货物",
        "quantity": quantity,
        "unit_price": unit_price,
        "tax_rate": "0.13",
    }

    draft = _ok(
        client.post(
            "/api/v1/invoices/",
            {"customer": customer["id"], "issue_date": ISSUE_DATE.isoformat(), "lines": [line]},
            format="json",
        ),
        201,
    )

    assert [(row["amount"], row["tax_amount"]) for row in draft["lines"]] == [(amount, tax_amount)]


def test_receivable_lifecycle_through_the_api(finance, manager):
    client = api_client(finance)
    terms = _ok(
        client.post(
            "/api/v1/payment-terms/",
            {
                "code": "30-30-40",
                "name": "30% in 30 days, 30% in 60 days, 40% in 90 days",
                "schedule": [
                    {"percent": "30", "days": 30},
                    {"percent": "30", "days": 60},
                    {"percent": "40", "days": 90},
                ],
            },
            format="json",
        ),
        201,
    )
    customer = _create_customer(client, default_payment_terms=terms["id"])
    contact = _ok(
        client.post(
            "/api/v1/contacts/",
            {"customer": customer["id"], "name": "李会计", "phone": "13800138000"},
            format="json",
        ),
        201,
    )
    assert (contact["customer"], contact["phone"]) == (customer["id"], "+8613800138000")

    # Draft with two lines at 13% VAT; every amount rounded half up to the cent.
    draft = _ok(
        client.post(
            "/api/v1/invoices/",
            {
                "customer": customer["id"],
                "issue_date": ISSUE_DATE.isoformat(),
                "lines": [
                    {
                        "description": "软件许可",
                        "quantity": "3",
                        "unit_price": "33.335",
                        "tax_rate": "0.13",
                    },
                    {
                        "description": "实施服务",
                        "quantity": "1",
                        "unit_price": "100.50",
                        "tax_rate": "0.13",
                    },
                ],
            },
            format="json",
        ),
        201,
    )
    assert [(line["amount"], line["tax_amount"]) for line in draft["lines"]] == [
        ("100.01", "13.00"),
        ("100.50", "13.07"),
    ]
    assert (draft["subtotal"], draft["tax_total"], draft["total"]) == ("200.51", "26.07", "226.58")
    assert (draft["status"], draft["number"], draft["installments"]) == ("draft", None, [])

    # Issue: the year's first number, and the schedule. Each part is the step between rounded
    # running totals (30%: 67.974 -> 67.97; 60%: 135.948 -> 135.95), the last takes the rest:
    # rounding each 30% on its own would give 67.97 + 67.97 + 90.63, a cent short of the total.
    invoice = _ok(client.post(f"/api/v1/invoices/{draft['id']}/issue/"))
    assert (invoice["status"], invoice["number"]) == ("issued", "INV-2026-000001")
    assert [(i["due_date"], i["amount"], i["open_amount"]) for i in invoice["installments"]] == [
        ("2026-04-14", "67.97", "67.97"),
        ("2026-05-14", "67.98", "67.98"),
        ("2026-06-13", "90.63", "90.63"),
    ]
    first_due, second_due, last_due = (i["id"] for i in invoice["installments"])

    # A payment recorded with auto-allocation settles the earliest due installments first.
    first_payment = _ok(
        client.post(
            "/api/v1/payments/",
            {
                "customer": customer["id"],
                "received_on": "2026-04-01",
                "amount": "100.00",
                "auto_allocate": True,
            },
            format="json",
        ),
        201,
    )
    assert (first_payment["number"], first_payment["status"]) == ("RCV-2026-000001", "applied")
    assert first_payment["unapplied_amount"] == "0.00"
    assert [(a["installment"], a["amount"]) for a in first_payment["allocations"]] == [
        (first_due, "67.97"),
        (second_due, "32.03"),
    ]
    assert _open_amounts(client, invoice["id"]) == ["0.00", "35.95", "90.63"]
    assert _invoice_status(client, invoice["id"]) == "partially_paid"

    # A second payment applied in part, then the allocation undone.
    second_payment = _ok(
        client.post(
            "/api/v1/payments/",
            {"customer": customer["id"], "received_on": "2026-04-08", "amount": "200.00"},
            format="json",
        ),
        201,
    )
    assert second_payment["status"] == "unapplied"
    allocated = _ok(
        client.post(
            f"/api/v1/payments/{second_payment['id']}/allocate/",
            {
                "allocations": [{"installment": last_due, "amount": "50.00"}],
                "applied_on": "2026-04-10",
            },
            format="json",
        )
    )
    assert (allocated["status"], allocated["unapplied_amount"]) == ("partially_applied", "150.00")
    assert _open_amounts(client, invoice["id"]) == ["0.00", "35.95", "40.63"]
    (allocation,) = allocated["allocations"]

    reversal = _ok(
        client.post(
            f"/api/v1/allocations/{allocation['id']}/reverse/",
            {"reversed_on": "2026-04-11"},
            format="json",
        ),
        201,
    )
    assert (reversal["amount"], reversal["reverses"]) == ("-50.00", allocation["id"])
    assert (reversal["applied_on"], reversal["installment"]) == ("2026-04-11", last_due)
    second_payment = _ok(client.get(f"/api/v1/payments/{second_payment['id']}/"))
    assert (second_payment["status"], second_payment["unapplied_amount"]) == ("unapplied", "200.00")
    assert _open_amounts(client, invoice["id"]) == ["0.00", "35.95", "90.63"]

    # The first payment bounces: reversing it re-opens everything it paid. Auto-allocation was
    # dated today, and a reversal cannot precede what it undoes.
    reversed_payment = _ok(
        client.post(
            f"/api/v1/payments/{first_payment['id']}/reverse/",
            {"reversed_on": timezone.localdate().isoformat(), "reason": "银行退票"},
            format="json",
        )
    )
    assert (reversed_payment["status"], reversed_payment["unapplied_amount"]) == (
        "reversed",
        "0.00",
    )
    assert reversed_payment["reversal_reason"] == "银行退票"
    assert _open_amounts(client, invoice["id"]) == ["67.97", "67.98", "90.63"]
    assert _invoice_status(client, invoice["id"]) == "issued"

    # A credit note reduces the latest-due installment first.
    credit_note = _ok(
        client.post(
            "/api/v1/credit-notes/",
            {
                "invoice": invoice["id"],
                "amount": "58.61",
                "reason": "价格折让",
                "issue_date": "2026-04-15",
            },
            format="json",
        ),
        201,
    )
    assert (credit_note["number"], credit_note["customer"]) == ("CN-2026-000001", customer["id"])
    assert _open_amounts(client, invoice["id"]) == ["67.97", "67.98", "32.02"]
    # Credited, not paid: no money is applied (the payment was reversed), so still "issued".
    assert _invoice_status(client, invoice["id"]) == "issued"

    paid = _ok(
        client.post(
            f"/api/v1/payments/{second_payment['id']}/allocate/",
            {
                "allocations": [
                    {"installment": first_due, "amount": "67.97"},
                    {"installment": second_due, "amount": "67.98"},
                ],
                "applied_on": "2026-04-20",
            },
            format="json",
        )
    )
    assert (paid["status"], paid["unapplied_amount"]) == ("partially_applied", "64.05")
    assert _open_amounts(client, invoice["id"]) == ["0.00", "0.00", "32.02"]

    # Finance asks to write off the rest; a manager approves; the invoice is written off.
    write_off = _ok(
        client.post(
            "/api/v1/write-offs/",
            {"installment": last_due, "amount": "32.02", "reason": "客户已注销"},
            format="json",
        ),
        201,
    )
    assert (write_off["status"], write_off["requested_by"]) == ("pending", finance.pk)
    assert _open_amounts(client, invoice["id"]) == ["0.00", "0.00", "32.02"]

    approved = _ok(
        api_client(manager).post(
            f"/api/v1/write-offs/{write_off['id']}/approve/",
            {"effective_on": "2026-05-01", "note": "同意核销"},
            format="json",
        )
    )
    assert (approved["status"], approved["decided_by"]) == ("approved", manager.pk)
    assert (approved["effective_on"], approved["decision_note"]) == ("2026-05-01", "同意核销")
    assert _open_amounts(client, invoice["id"]) == ["0.00", "0.00", "0.00"]
    assert _invoice_status(client, invoice["id"]) == "written_off"


def test_customer_history_shows_who_changed_the_credit_limit_from_what_to_what(finance, manager):
    client = api_client(finance)
    customer = _create_customer(client)

    requested = _ok(
        client.post(
            "/api/v1/credit-requests/",
            {"customer": customer["id"], "credit_limit": "150000.00", "reason": "订单增长"},
            format="json",
        ),
        201,
    )
    approved = _ok(
        api_client(manager).post(
            f"/api/v1/credit-requests/{requested['id']}/approve/", {"note": "同意"}, format="json"
        )
    )
    changed = _ok(client.get(f"/api/v1/customers/{customer['id']}/"))
    history = _ok(client.get(f"/api/v1/customers/{customer['id']}/history/"))

    assert (requested["status"], requested["credit_limit_before"]) == ("pending", "100000.00")
    assert (approved["status"], approved["decided_by"]) == ("approved", manager.pk)
    assert changed["credit_limit"] == "150000.00"
    assert [(entry["user"], entry["action"]) for entry in history] == [
        ("flow_manager", "changed"),
        ("flow_finance", "created"),
    ]
    assert history[0]["changes"] == [
        {"field": "credit_limit", "before": "100000.00", "after": "150000.00"}
    ]
