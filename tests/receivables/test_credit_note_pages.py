"""Credit note pages: the list (filters, scope, query count), issuing one against an invoice,
and its detail with the allocations it made."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from receivables import services
from receivables.models import Allocation, CreditNote, Installment
from tests.factories import CustomerFactory, UserFactory, issued_invoice
from tests.pages import history_created, queries_to_render

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    """A browser asking for English (the default language is Simplified Chinese)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def split_terms(finance_user):
    return services.payment_terms_create(
        actor=finance_user,
        code="HALVES",
        name="50/50",
        schedule=[{"percent": Decimal("50"), "days": 30}, {"percent": Decimal("50"), "days": 60}],
    )


def credit(invoice, actor, amount, issue_date=date(2026, 2, 1)):
    return services.credit_note_issue(
        actor=actor, invoice=invoice, amount=Decimal(amount), reason="退货", issue_date=issue_date
    )


def ledger_snapshot():
    return (
        list(CreditNote.objects.values_list("number", "amount")),
        list(Allocation.objects.values_list("amount", flat=True)),
        list(Installment.objects.order_by("pk").values_list("open_amount", flat=True)),
    )


@pytest.mark.parametrize(
    "user_fixture", ["finance_user", "manager_user", "sales_user", "auditor_user", "admin_user_"]
)
def test_credit_note_pages_render_for_every_viewing_role(
    client, request, customer, finance_user, user_fixture
):
    credit_note = credit(issued_invoice(customer, actor=finance_user), finance_user, "10.00")
    client.force_login(request.getfixturevalue(user_fixture))

    listing = client.get(reverse("credit-note-list"))
    detail = client.get(reverse("credit-note-detail", args=[credit_note.pk]))

    assert listing.status_code == 200
    assert credit_note.number in listing.content.decode()
    assert detail.status_code == 200


def test_sales_rep_sees_only_own_customers_credit_notes(
    client, customer, sales_user, other_sales_user, finance_user
):
    mine = credit(issued_invoice(customer, actor=finance_user), finance_user, "10.00")
    other_invoice = issued_invoice(CustomerFactory(owner=other_sales_user), actor=finance_user)
    theirs = credit(other_invoice, finance_user, "20.00")
    client.force_login(sales_user)

    listing = client.get(reverse("credit-note-list")).content.decode()

    assert mine.number in listing
    assert theirs.number not in listing
    assert client.get(reverse("credit-note-detail", args=[theirs.pk])).status_code == 404


def test_credit_note_list_filters_by_customer_and_date(client, finance_user):
    first, second = CustomerFactory(), CustomerFactory()
    first_invoice = issued_invoice(first, actor=finance_user)
    early = credit(first_invoice, finance_user, "1.00", date(2026, 2, 1))
    late = credit(first_invoice, finance_user, "2.00", date(2026, 3, 1))
    other = credit(issued_invoice(second, actor=finance_user), finance_user, "3.00")
    client.force_login(finance_user)

    def listed(**query):
        page = client.get(reverse("credit-note-list"), query).context["page"]
        return {credit_note.number for credit_note in page}

    assert listed(customer=first.pk) == {early.number, late.number}
    assert listed(issued_from="2026-02-15") == {late.number}
    assert listed(issued_to="2026-02-15") == {early.number, other.number}
    assert listed(q=other.invoice.number) == {other.number}


def test_credit_note_list_sorts_by_amount(client, customer, finance_user):
    invoice = issued_invoice(customer, actor=finance_user)
    notes = [credit(invoice, finance_user, amount) for amount in ("30.00", "10.00", "20.00")]
    client.force_login(finance_user)

    page = client.get(reverse("credit-note-list"), {"sort": "amount"}).context["page"]

    assert [n.number for n in page] == [notes[1].number, notes[2].number, notes[0].number]


def test_credit_note_list_costs_the_same_queries_for_2_and_12_rows(client, finance_user):
    def add_credit_notes(count):
        for _ in range(count):
            customer = CustomerFactory(owner=UserFactory(role=Role.SALES))
            credit(issued_invoice(customer, actor=finance_user), finance_user, "5.00")

    add_credit_notes(2)
    client.force_login(finance_user)
    with_2 = queries_to_render(client, reverse("credit-note-list"))
    add_credit_notes(10)
    with_12 = queries_to_render(client, reverse("credit-note-list"))

    assert CreditNote.objects.count() == 12
    assert with_2 == with_12


def test_issuing_a_credit_note_reduces_the_latest_installment_first(
    client, customer, finance_user, split_terms
):
    invoice = issued_invoice(customer, actor=finance_user, terms=split_terms)
    client.force_login(finance_user)

    response = client.post(
        reverse("credit-note-create", args=[invoice.pk]),
        {"amount": "600.00", "reason": "价格调整", "issue_date": "2026-02-01"},
    )

    credit_note = CreditNote.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("credit-note-detail", args=[credit_note.pk])
    assert (credit_note.amount, credit_note.reason, credit_note.invoice) == (
        Decimal("600.00"),
        "价格调整",
        invoice,
    )
    assert list(invoice.installments.order_by("sequence").values_list("amount", "open_amount")) == [
        (Decimal("500.00"), Decimal("400.00")),
        (Decimal("500.00"), Decimal("0.00")),
    ]

    detail = client.get(response.url)
    assert [(a.installment.sequence, a.amount) for a in detail.context["allocations"]] == [
        (2, Decimal("500.00")),
        (1, Decimal("100.00")),
    ]
    created = history_created(detail.content.decode())
    assert {label: created[label] for label in ("Invoice", "Amount", "Reason", "Created by")} == {
        "Invoice": invoice.number,
        "Amount": "600.00",
        "Reason": "价格调整",
        "Created by": finance_user.username,
    }


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"amount": "1000.01", "reason": "x", "issue_date": "2026-02-01"},
            "amount",
            "has only 1000.00 open",
        ),
        ({"amount": "abc", "reason": "x", "issue_date": "2026-02-01"}, "amount", "Enter a number"),
        (
            {"amount": "10", "reason": "x", "issue_date": "2026-01-01"},
            "issue_date",
            "cannot predate its invoice",
        ),
        ({"amount": "10", "reason": "", "issue_date": "2026-02-01"}, "reason", "required"),
    ],
)
def test_a_refused_credit_note_shows_the_error_on_its_field_and_changes_nothing(
    client, customer, finance_user, data, field, message
):
    invoice = issued_invoice(customer, actor=finance_user, issue_date=date(2026, 1, 10))
    before = ledger_snapshot()
    client.force_login(finance_user)

    response = client.post(reverse("credit-note-create", args=[invoice.pk]), data)

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert f'data-field-error="{field}"' in response.content.decode()
    assert ledger_snapshot() == before


def test_a_draft_cannot_be_credited(client, customer, finance_user):
    draft = services.invoice_create_draft(
        actor=finance_user,
        customer=customer,
        issue_date=date(2026, 1, 10),
        lines=[{"description": "货物", "quantity": 1, "unit_price": 100}],
    )
    client.force_login(finance_user)

    response = client.post(
        reverse("credit-note-create", args=[draft.pk]),
        {"amount": "10", "reason": "x", "issue_date": "2026-02-01"},
    )

    assert response.status_code == 400
    assert "Only an issued invoice can be credited." in response.content.decode()
    assert not CreditNote.objects.exists()


def test_sales_rep_cannot_open_the_credit_note_form(client, customer, sales_user, finance_user):
    invoice = issued_invoice(customer, actor=finance_user)
    client.force_login(sales_user)

    assert client.get(reverse("credit-note-create", args=[invoice.pk])).status_code == 403


def test_auditor_gets_403_issuing_a_credit_note_and_sees_no_button(
    client, customer, auditor_user, finance_user
):
    invoice = issued_invoice(customer, actor=finance_user)
    before = ledger_snapshot()
    client.force_login(auditor_user)

    response = client.post(
        reverse("credit-note-create", args=[invoice.pk]),
        {"amount": "10", "reason": "x", "issue_date": "2026-02-01"},
    )
    detail = client.get(reverse("invoice-detail", args=[invoice.pk])).content.decode()

    assert response.status_code == 403
    assert ledger_snapshot() == before
    assert reverse("credit-note-create", args=[invoice.pk]) not in detail
