"""Payment pages through Django's test client: who sees what, recording a receipt, the
allocation screen's proposal and its all-or-nothing posting, reversal and refund."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from core.templatetags.huikuan import money
from receivables import selectors, services
from receivables.models import Allocation, Installment, Payment, Refund
from tests.factories import CustomerFactory, issued_invoice, recorded_payment
from tests.pages import history_changes, queries_to_render

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    """A browser asking for English (the default language is Simplified Chinese), so that
    messages compare in English."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@dataclass
class Ledger:
    customer: object
    january: Installment  # 1000.00 due 2026-01-09
    february: Installment  # 800.00 due 2026-02-09
    payment: Payment  # 1500.00 received 2026-01-20, unapplied


@pytest.fixture
def ledger(customer, finance_user) -> Ledger:
    # NET30: issued 2025-12-10 falls due 2026-01-09, issued 2026-01-10 falls due 2026-02-09.
    january = issued_invoice(
        customer, actor=finance_user, amount=Decimal("1000.00"), issue_date=date(2025, 12, 10)
    )
    february = issued_invoice(
        customer, actor=finance_user, amount=Decimal("800.00"), issue_date=date(2026, 1, 10)
    )
    payment = recorded_payment(customer, actor=finance_user, amount=Decimal("1500.00"))
    return Ledger(
        customer=customer,
        january=january.installments.get(),
        february=february.installments.get(),
        payment=payment,
    )


def _ledger_state():
    return (
        Payment.objects.count(),
        list(Payment.objects.order_by("pk").values_list("unapplied_amount", "status")),
        Allocation.objects.count(),
        Refund.objects.count(),
        list(Installment.objects.order_by("pk").values_list("open_amount", flat=True)),
    )


def _field_errors(response, field_name) -> list[str]:
    marker = f'data-field-error="{field_name}">'
    html = response.content.decode()
    return [part.split("</div>")[0] for part in html.split(marker)[1:]]


# --- who sees what -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user_fixture", ["finance_user", "manager_user", "sales_user", "auditor_user", "admin_user_"]
)
@pytest.mark.parametrize("page", ["payment-list", "payment-detail"])
def test_payment_pages_render_for_every_viewing_role(client, request, ledger, user_fixture, page):
    client.force_login(request.getfixturevalue(user_fixture))
    args = [ledger.payment.pk] if page == "payment-detail" else []

    response = client.get(reverse(page, args=args))

    assert response.status_code == 200
    assert ledger.payment.number in response.content.decode()


@pytest.mark.parametrize("page", ["payment-create", "payment-allocate", "payment-refund"])
def test_finance_opens_the_payment_forms(client, finance_user, ledger, page):
    client.force_login(finance_user)
    args = [] if page == "payment-create" else [ledger.payment.pk]

    assert client.get(reverse(page, args=args)).status_code == 200


def test_a_sales_rep_gets_404_on_another_reps_payment(client, other_sales_user, ledger):
    client.force_login(other_sales_user)

    response = client.get(reverse("payment-detail", args=[ledger.payment.pk]))

    assert response.status_code == 404


def test_the_list_shows_a_sales_rep_only_their_customers_payments(
    client, sales_user, other_sales_user, finance_user, ledger
):
    theirs = recorded_payment(CustomerFactory(owner=other_sales_user), actor=finance_user)
    client.force_login(sales_user)

    html = client.get(reverse("payment-list")).content.decode()

    assert ledger.payment.number in html
    assert theirs.number not in html


@pytest.mark.parametrize("page", ["payment-create", "payment-allocate"])
def test_a_sales_rep_may_not_open_the_ledger_forms(client, sales_user, ledger, page):
    client.force_login(sales_user)
    args = [] if page == "payment-create" else [ledger.payment.pk]

    assert client.get(reverse(page, args=args)).status_code == 403


def test_an_auditor_sees_no_buttons_that_change_payments(client, auditor_user, ledger):
    client.force_login(auditor_user)

    list_html = client.get(reverse("payment-list")).content.decode()
    detail_html = client.get(reverse("payment-detail", args=[ledger.payment.pk])).content.decode()

    assert reverse("payment-create") not in list_html
    for page in ("payment-allocate", "payment-reverse", "payment-refund"):
        assert reverse(page, args=[ledger.payment.pk]) not in detail_html


def test_finance_sees_the_buttons_its_payment_allows(client, finance_user, ledger):
    client.force_login(finance_user)

    html = client.get(reverse("payment-detail", args=[ledger.payment.pk])).content.decode()

    for page in ("payment-allocate", "payment-reverse", "payment-refund"):
        assert reverse(page, args=[ledger.payment.pk]) in html


@pytest.mark.parametrize(
    ("page", "data"),
    [
        ("payment-create", {"amount": "10.00", "received_on": "2026-01-20", "method": "cash"}),
        ("payment-allocate", {"applied_on": "2026-01-20"}),
        ("payment-reverse", {"reversed_on": "2026-01-21", "reason": "bounced"}),
        ("payment-refund", {"amount": "10.00", "refunded_on": "2026-01-21"}),
    ],
)
def test_an_auditor_gets_403_on_every_payment_post(client, auditor_user, ledger, page, data):
    client.force_login(auditor_user)
    args = [] if page == "payment-create" else [ledger.payment.pk]
    if page == "payment-create":
        data = {**data, "customer": ledger.customer.pk}
    if page == "payment-allocate":
        data = {**data, f"amount_{ledger.january.pk}": "100.00"}
    before = _ledger_state()

    response = client.post(reverse(page, args=args), data)

    assert response.status_code == 403
    assert _ledger_state() == before


# --- the list ----------------------------------------------------------------------------------


@pytest.fixture
def three_payments(customer, finance_user):
    """RCV-2026-000001 cash 100 (fully applied), 000002 transfer 200 ref "BANK-77", 000003 cheque
    300 received in February."""
    invoice = issued_invoice(customer, actor=finance_user)
    applied = services.payment_record(
        actor=finance_user,
        customer=customer,
        received_on=date(2026, 1, 15),
        amount=Decimal("100.00"),
        method=Payment.Method.CASH,
    )
    services.payment_allocate(
        actor=finance_user,
        payment=applied,
        allocations=[(invoice.installments.get().pk, Decimal("100.00"))],
        applied_on=date(2026, 1, 15),
    )
    transfer = services.payment_record(
        actor=finance_user,
        customer=customer,
        received_on=date(2026, 1, 20),
        amount=Decimal("200.00"),
        reference="BANK-77",
    )
    cheque = services.payment_record(
        actor=finance_user,
        customer=customer,
        received_on=date(2026, 2, 5),
        amount=Decimal("300.00"),
        method=Payment.Method.CHEQUE,
    )
    return applied, transfer, cheque


def _listed_numbers(client, query: str) -> list[str]:
    response = client.get(reverse("payment-list") + query)
    assert response.status_code == 200
    return [payment.number for payment in response.context["page"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["RCV-2026-000003", "RCV-2026-000002", "RCV-2026-000001"]),
        ("?status=applied", ["RCV-2026-000001"]),
        ("?unapplied_only=on", ["RCV-2026-000003", "RCV-2026-000002"]),
        ("?method=cheque", ["RCV-2026-000003"]),
        ("?q=bank-77", ["RCV-2026-000002"]),
        ("?q=000001", ["RCV-2026-000001"]),
        ("?received_from=2026-01-16&received_to=2026-01-31", ["RCV-2026-000002"]),
        ("?sort=amount", ["RCV-2026-000001", "RCV-2026-000002", "RCV-2026-000003"]),
        ("?sort=-unapplied", ["RCV-2026-000003", "RCV-2026-000002", "RCV-2026-000001"]),
    ],
)
def test_the_list_filters_searches_and_sorts(client, finance_user, three_payments, query, expected):
    client.force_login(finance_user)

    assert _listed_numbers(client, query) == expected


def test_the_list_filters_by_customer(client, finance_user, three_payments):
    other = recorded_payment(CustomerFactory(), actor=finance_user)
    client.force_login(finance_user)

    assert _listed_numbers(client, f"?customer={other.customer_id}") == [other.number]


def test_the_list_costs_the_same_queries_for_2_and_12_payments(client, finance_user):
    client.force_login(finance_user)
    url = reverse("payment-list") + "?unapplied_only=on&sort=customer"
    for _ in range(2):
        recorded_payment(CustomerFactory(), actor=finance_user)
    with_two = queries_to_render(client, url)
    for _ in range(10):
        recorded_payment(CustomerFactory(), actor=finance_user)

    assert queries_to_render(client, url) == with_two


# --- recording a receipt -----------------------------------------------------------------------


def test_recording_a_payment_saves_it_and_opens_the_allocation_screen(
    client, finance_user, customer
):
    client.force_login(finance_user)

    response = client.post(
        reverse("payment-create"),
        {
            "customer": customer.pk,
            "received_on": "2026-03-02",
            "amount": "1234.56",
            "currency": "",
            "method": "bank_transfer",
            "reference": "招商银行 8899",
            "notes": "",
        },
    )

    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("payment-allocate", args=[payment.pk])
    assert (payment.customer, payment.received_on, payment.amount, payment.currency) == (
        customer,
        date(2026, 3, 2),
        Decimal("1234.56"),
        "CNY",
    )
    assert (payment.unapplied_amount, payment.reference, payment.created_by) == (
        Decimal("1234.56"),
        "招商银行 8899",
        finance_user,
    )


def test_the_customer_in_the_address_is_preselected_with_its_currency(
    client, finance_user, customer
):
    customer.currency = "USD"
    customer.save(update_fields=["currency"])
    client.force_login(finance_user)

    form = client.get(reverse("payment-create") + f"?customer={customer.pk}").context["form"]

    assert form["customer"].value() == customer
    assert form["currency"].value() == "USD"


@pytest.mark.parametrize(
    ("amount", "message"),
    [("-5.00", "The amount must be positive."), ("twelve", "Enter a number.")],
)
def test_a_bad_amount_shows_on_its_field_and_records_nothing(
    client, finance_user, customer, amount, message
):
    client.force_login(finance_user)

    response = client.post(
        reverse("payment-create"),
        {
            "customer": customer.pk,
            "received_on": "2026-03-02",
            "amount": amount,
            "method": "bank_transfer",
        },
    )

    assert response.status_code == 400
    assert _field_errors(response, "amount") == [message]
    assert not Payment.objects.exists()


# --- the allocation screen ---------------------------------------------------------------------


def _amount_inputs(response) -> dict[int, str]:
    form = response.context["form"]
    return {
        installment.pk: str(form[form.amount_field_name(installment.pk)].value() or "")
        for installment in form.installments
    }


def test_the_allocation_screen_proposes_oldest_due_first(client, finance_user, ledger):
    client.force_login(finance_user)

    response = client.get(reverse("payment-allocate", args=[ledger.payment.pk]))

    assert _amount_inputs(response) == {
        ledger.january.pk: "1000.00",
        ledger.february.pk: "500.00",
    }
    html = response.content.decode()
    assert 'value="1000.00"' in html and 'value="500.00"' in html
    assert response.context["form"]["applied_on"].value() == date(2026, 1, 20)


def test_the_proposal_is_what_automatic_allocation_would_do(client, finance_user, customer):
    # Same due date (ties go to the older installment), a disputed invoice (skipped) and one
    # issued after the payment (not yet payable on the applied-on date).
    first = issued_invoice(customer, actor=finance_user, amount=Decimal("300.00"))
    second = issued_invoice(customer, actor=finance_user, amount=Decimal("400.00"))
    disputed = issued_invoice(
        customer, actor=finance_user, amount=Decimal("50.00"), issue_date=date(2025, 11, 1)
    )
    services.invoice_set_disputed(actor=finance_user, invoice=disputed, disputed=True)
    issued_invoice(
        customer, actor=finance_user, amount=Decimal("90.00"), issue_date=date(2026, 2, 1)
    )
    payment = recorded_payment(customer, actor=finance_user, amount=Decimal("600.00"))
    client.force_login(finance_user)

    proposed = {
        pk: amount
        for pk, amount in _amount_inputs(
            client.get(reverse("payment-allocate", args=[payment.pk]))
        ).items()
        if amount
    }
    services.payment_allocate_auto(
        actor=finance_user, payment=payment, applied_on=payment.received_on
    )

    automatic = {a.installment_id: str(a.amount) for a in Allocation.objects.all()}
    assert (
        proposed
        == automatic
        == {
            first.installments.get().pk: "300.00",
            second.installments.get().pk: "300.00",
        }
    )


def test_posting_edited_amounts_allocates_exactly_those(client, finance_user, ledger):
    client.force_login(finance_user)

    response = client.post(
        reverse("payment-allocate", args=[ledger.payment.pk]),
        {
            "applied_on": "2026-01-21",
            f"amount_{ledger.january.pk}": "300.00",
            f"amount_{ledger.february.pk}": "800",
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("payment-detail", args=[ledger.payment.pk])
    ledger.january.refresh_from_db()
    ledger.february.refresh_from_db()
    ledger.payment.refresh_from_db()
    assert (ledger.january.open_amount, ledger.february.open_amount) == (
        Decimal("700.00"),
        Decimal("0.00"),
    )
    assert ledger.payment.unapplied_amount == Decimal("400.00")
    assert ledger.payment.status == Payment.Status.PARTIALLY_APPLIED
    assert sorted(
        Allocation.objects.values_list("installment_id", "amount", "applied_on", "payment_id")
    ) == sorted(
        [
            (ledger.january.pk, Decimal("300.00"), date(2026, 1, 21), ledger.payment.pk),
            (ledger.february.pk, Decimal("800.00"), date(2026, 1, 21), ledger.payment.pk),
        ]
    )


@pytest.mark.parametrize("nothing", ["", "0", "0.00"])
def test_empty_and_zero_rows_are_ignored(client, finance_user, ledger, nothing):
    client.force_login(finance_user)

    client.post(
        reverse("payment-allocate", args=[ledger.payment.pk]),
        {
            "applied_on": "2026-01-20",
            f"amount_{ledger.january.pk}": nothing,
            f"amount_{ledger.february.pk}": "250.50",
        },
    )

    assert list(Allocation.objects.values_list("installment_id", "amount")) == [
        (ledger.february.pk, Decimal("250.50"))
    ]


def test_a_row_over_its_open_amount_shows_the_error_on_that_row_and_changes_nothing(
    client, finance_user, ledger
):
    client.force_login(finance_user)
    before = _ledger_state()

    response = client.post(
        reverse("payment-allocate", args=[ledger.payment.pk]),
        {
            "applied_on": "2026-01-20",
            f"amount_{ledger.january.pk}": "500.00",
            f"amount_{ledger.february.pk}": "900.00",
        },
    )

    assert response.status_code == 400
    (error,) = _field_errors(response, f"amount_{ledger.february.pk}")
    assert ledger.february.invoice.number in error
    assert "800.00" in error
    assert _field_errors(response, f"amount_{ledger.january.pk}") == []
    assert _ledger_state() == before
    # The user's amounts stay in the form to be corrected.
    assert _amount_inputs(response)[ledger.february.pk] == "900.00"


def test_rows_adding_up_to_more_than_the_payment_change_nothing(client, finance_user, ledger):
    client.force_login(finance_user)
    before = _ledger_state()

    response = client.post(
        reverse("payment-allocate", args=[ledger.payment.pk]),
        {
            "applied_on": "2026-01-20",
            f"amount_{ledger.january.pk}": "1000.00",
            f"amount_{ledger.february.pk}": "800.00",
        },
    )

    assert response.status_code == 400
    assert "The payment has only 1500.00 unapplied." in response.content.decode()
    assert _ledger_state() == before


@pytest.mark.parametrize(
    ("amounts", "field", "message"),
    [
        ({"january": "-1"}, "january", "Ensure this value is greater than or equal to 0."),
        ({"january": "1.234"}, "january", "Ensure that there are no more than 2 decimal places."),
    ],
)
def test_malformed_row_amounts_show_on_their_row(
    client, finance_user, ledger, amounts, field, message
):
    client.force_login(finance_user)
    before = _ledger_state()
    data = {f"amount_{getattr(ledger, row).pk}": amount for row, amount in amounts.items()}

    response = client.post(
        reverse("payment-allocate", args=[ledger.payment.pk]), {"applied_on": "2026-01-20", **data}
    )

    assert response.status_code == 400
    assert _field_errors(response, f"amount_{getattr(ledger, field).pk}") == [message]
    assert _ledger_state() == before


def test_no_amount_at_all_is_refused(client, finance_user, ledger):
    client.force_login(finance_user)

    response = client.post(
        reverse("payment-allocate", args=[ledger.payment.pk]), {"applied_on": "2026-01-20"}
    )

    assert response.status_code == 400
    assert "Enter an amount for at least one installment." in response.content.decode()
    assert not Allocation.objects.exists()


def test_applying_before_the_payment_arrived_shows_on_the_date(client, finance_user, ledger):
    client.force_login(finance_user)

    response = client.post(
        reverse("payment-allocate", args=[ledger.payment.pk]),
        {"applied_on": "2026-01-19", f"amount_{ledger.january.pk}": "10.00"},
    )

    assert response.status_code == 400
    assert _field_errors(response, "applied_on") == [
        "A payment cannot be applied before it was received."
    ]
    assert not Allocation.objects.exists()


def test_an_installment_settled_since_the_screen_opened_is_refused_on_its_row(
    client, finance_user, ledger
):
    other = recorded_payment(ledger.customer, actor=finance_user, amount=Decimal("800.00"))
    services.payment_allocate(
        actor=finance_user,
        payment=other,
        allocations=[(ledger.february.pk, Decimal("800.00"))],
        applied_on=date(2026, 1, 20),
    )
    client.force_login(finance_user)
    before = _ledger_state()

    response = client.post(
        reverse("payment-allocate", args=[ledger.payment.pk]),
        {
            "applied_on": "2026-01-20",
            f"amount_{ledger.january.pk}": "100.00",
            f"amount_{ledger.february.pk}": "100.00",
        },
    )

    assert response.status_code == 400
    (error,) = _field_errors(response, f"amount_{ledger.february.pk}")
    assert "has only 0.00 open" in error
    assert _ledger_state() == before


def test_a_fully_applied_payment_sends_the_allocation_screen_back_to_the_payment(
    client, finance_user, ledger
):
    services.payment_allocate_auto(actor=finance_user, payment=ledger.payment)
    client.force_login(finance_user)

    response = client.get(reverse("payment-allocate", args=[ledger.payment.pk]))

    assert response.status_code == 302
    assert response.url == reverse("payment-detail", args=[ledger.payment.pk])


# --- the payment's page ------------------------------------------------------------------------


def test_the_detail_shows_amounts_allocations_reversals_and_refunds(client, finance_user, ledger):
    (first, _second) = services.payment_allocate(
        actor=finance_user,
        payment=ledger.payment,
        allocations=[(ledger.january.pk, Decimal("600.00")), (ledger.february.pk, Decimal("400"))],
        applied_on=date(2026, 1, 20),
    )
    services.allocation_reverse(actor=finance_user, allocation=first, reversed_on=date(2026, 1, 22))
    services.payment_refund(
        actor=finance_user,
        payment=ledger.payment,
        amount=Decimal("100.00"),
        refunded_on=date(2026, 1, 23),
        reference="退款 01",
    )
    client.force_login(finance_user)

    response = client.get(reverse("payment-detail", args=[ledger.payment.pk]))

    html = response.content.decode()
    assert response.context["totals"] == {
        "applied": Decimal("400.00"),
        "refunded": Decimal("100.00"),
    }
    assert f'data-amount="unapplied">{money(Decimal("1000.00"), "CNY")}<' in html
    assert f'data-amount="applied">{money(Decimal("400.00"), "CNY")}<' in html
    assert money(Decimal("-600.00"), "CNY") in html  # the reversing row
    assert "退款 01" in html
    assert reverse("invoice-detail", args=[ledger.january.invoice_id]) in html
    # Newest first: the refund, the reversal, the allocation.
    assert [change for change in history_changes(html) if change[0] == "unapplied_amount"] == [
        ("unapplied_amount", "Unapplied amount", "1100.00", "1000.00"),
        ("unapplied_amount", "Unapplied amount", "500.00", "1100.00"),
        ("unapplied_amount", "Unapplied amount", "1500.00", "500.00"),
    ]
    # Refunded money cannot be un-received: no reversal offered.
    assert reverse("payment-reverse", args=[ledger.payment.pk]) not in html


# --- reversal and refund -----------------------------------------------------------------------


def test_reversing_a_payment_reopens_what_it_paid(client, finance_user, ledger):
    services.payment_allocate_auto(
        actor=finance_user, payment=ledger.payment, applied_on=date(2026, 1, 20)
    )
    client.force_login(finance_user)

    response = client.post(
        reverse("payment-reverse", args=[ledger.payment.pk]),
        {"reversed_on": "2026-01-25", "reason": "支票退票 bounced cheque"},
    )

    assert response.status_code == 302
    ledger.payment.refresh_from_db()
    ledger.january.refresh_from_db()
    ledger.february.refresh_from_db()
    assert (ledger.payment.status, ledger.payment.unapplied_amount) == (
        Payment.Status.REVERSED,
        Decimal("0.00"),
    )
    assert (ledger.payment.reversed_on, ledger.payment.reversal_reason) == (
        date(2026, 1, 25),
        "支票退票 bounced cheque",
    )
    assert (ledger.january.open_amount, ledger.february.open_amount) == (
        Decimal("1000.00"),
        Decimal("800.00"),
    )
    page = client.get(reverse("payment-detail", args=[ledger.payment.pk])).content.decode()
    # The newest entry: the allocations were undone one by one before, leaving it unapplied.
    assert history_changes(page)[:4] == [
        ("reversal_reason", "Reversal reason", "—", "支票退票 bounced cheque"),
        ("reversed_on", "Reversed on", "—", "2026-01-25"),
        ("status", "Status", "Unapplied", "Reversed"),
        ("unapplied_amount", "Unapplied amount", "1500.00", "0.00"),
    ]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"reversed_on": "2026-01-25", "reason": ""}, "reason", "This field is required."),
        (
            {"reversed_on": "2026-01-19", "reason": "typo"},
            "reversed_on",
            "A payment cannot be reversed before it was received.",
        ),
    ],
)
def test_a_bad_reversal_shows_on_its_field_and_changes_nothing(
    client, finance_user, ledger, data, field, message
):
    client.force_login(finance_user)
    before = _ledger_state()

    response = client.post(reverse("payment-reverse", args=[ledger.payment.pk]), data)

    assert response.status_code == 400
    assert _field_errors(response, field) == [message]
    assert _ledger_state() == before


def test_refunding_pays_back_unapplied_credit(client, finance_user, ledger):
    client.force_login(finance_user)

    response = client.post(
        reverse("payment-refund", args=[ledger.payment.pk]),
        {"amount": "250.25", "refunded_on": "2026-01-30", "reference": "TT-1"},
    )

    assert response.status_code == 302
    ledger.payment.refresh_from_db()
    assert ledger.payment.unapplied_amount == Decimal("1249.75")
    assert list(Refund.objects.values_list("amount", "refunded_on", "reference")) == [
        (Decimal("250.25"), date(2026, 1, 30), "TT-1")
    ]


def test_refunding_more_than_is_unapplied_shows_on_the_amount(client, finance_user, ledger):
    client.force_login(finance_user)
    before = _ledger_state()

    response = client.post(
        reverse("payment-refund", args=[ledger.payment.pk]),
        {"amount": "1500.01", "refunded_on": "2026-01-30"},
    )

    assert response.status_code == 400
    assert _field_errors(response, "amount") == ["Only 1500.00 of this payment is unapplied."]
    assert _ledger_state() == before


def test_the_plan_stops_when_the_money_runs_out():
    @dataclass
    class Invoice:
        is_disputed: bool = False
        issue_date: date = date(2026, 1, 1)

    @dataclass
    class Row:
        pk: int
        open_amount: Decimal
        invoice: Invoice

    rows = [Row(1, Decimal("0.10"), Invoice()), Row(2, Decimal("0.20"), Invoice())]
    rows.append(Row(3, Decimal("5.00"), Invoice()))

    plan = selectors.oldest_due_first_plan(
        installments=rows, amount=Decimal("0.25"), applied_on=date(2026, 1, 1)
    )

    assert plan == {1: Decimal("0.10"), 2: Decimal("0.15")}


def test_errors_speak_the_users_language(client, finance_user, ledger):
    client.force_login(finance_user)
    client.post(reverse("language-switch"), {"language": "zh-hans", "next": "/"})
    before = _ledger_state()

    response = client.post(
        reverse("payment-allocate", args=[ledger.payment.pk]),
        {
            "applied_on": "2026-01-20",
            f"amount_{ledger.january.pk}": "abc",
            f"amount_{ledger.february.pk}": "900.00",
        },
    )
    over_open = client.post(
        reverse("payment-allocate", args=[ledger.payment.pk]),
        {"applied_on": "2026-01-20", f"amount_{ledger.february.pk}": "900.00"},
    )

    assert response.status_code == 400
    assert _field_errors(response, f"amount_{ledger.january.pk}") == ["输入一个数字。"]
    (refusal,) = _field_errors(over_open, f"amount_{ledger.february.pk}")
    assert refusal == f"分期 {ledger.february} 的未结金额仅为 800.00，无法核销 900.00。"
    assert _ledger_state() == before
