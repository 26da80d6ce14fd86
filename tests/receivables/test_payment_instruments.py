"""Bills and e-vouchers as receipts of their own kind (承兑汇票, 应收账款电子凭证): recorded through
the service, the payment page and the API with their number, acceptor and maturity date, refused
with the error on the field when those are missing or wrong, shown on the list and the payment's
page, and applied to invoices like any payment."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from core.exceptions import ApplicationError
from receivables import services
from receivables.demo_data import ensure_demo_payment_terms, ensure_demo_users, generate_customers
from receivables.models import INSTRUMENT_METHOD_VALUES, Invoice, Payment
from tests.conftest import api_client_for
from tests.factories import CustomerFactory, issued_invoice, recorded_payment
from tests.pages import queries_to_render

pytestmark = pytest.mark.django_db

RECEIVED = date(2026, 3, 2)
MATURES = date(2026, 9, 2)


@pytest.fixture
def client():
    """A browser asking for English, so that messages compare in English."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _bill(customer, actor, *, method="bank_acceptance_bill", number="31030051202603020001234"):
    return services.payment_record(
        actor=actor,
        customer=customer,
        received_on=RECEIVED,
        amount=Decimal("50000.00"),
        method=method,
        instrument_number=number,
        instrument_acceptor="中国工商银行杭州分行",
        instrument_matures_on=MATURES,
    )


def _payment_rows():
    return list(
        Payment.objects.order_by("pk").values_list(
            "method", "instrument_number", "instrument_acceptor", "instrument_matures_on"
        )
    )


# The receipts the service refuses: (method, number, acceptor, maturity) → (field, message).
REFUSED = [
    pytest.param(
        "bank_acceptance_bill",
        "",
        "中国工商银行",
        "2026-09-02",
        "instrument_number",
        "Give the bill or voucher number.",
        id="bill-without-number",
    ),
    pytest.param(
        "commercial_acceptance_bill",
        "   ",
        "",
        "2026-09-02",
        "instrument_number",
        "Give the bill or voucher number.",
        id="blank-number",
    ),
    pytest.param(
        "receivable_evoucher",
        "EV-0001",
        "",
        "",
        "instrument_matures_on",
        "Give the date the bill or voucher matures.",
        id="evoucher-without-maturity",
    ),
    pytest.param(
        "bank_acceptance_bill",
        "BA-0001",
        "",
        "2026-03-01",
        "instrument_matures_on",
        "A bill cannot mature before it was received.",
        id="maturity-before-receipt",
    ),
    pytest.param(
        "bank_transfer",
        "BA-0001",
        "",
        "",
        "instrument_number",
        "Only bills and e-vouchers have a number, acceptor and maturity date.",
        id="number-on-a-bank-transfer",
    ),
    pytest.param(
        "cheque",
        "",
        "",
        "2026-09-02",
        "instrument_number",
        "Only bills and e-vouchers have a number, acceptor and maturity date.",
        id="maturity-on-a-cheque",
    ),
    pytest.param(
        "cash",
        "",
        "某银行",
        "",
        "instrument_number",
        "Only bills and e-vouchers have a number, acceptor and maturity date.",
        id="acceptor-on-cash",
    ),
]


# --- the service and the database --------------------------------------------------------------


@pytest.mark.parametrize("method", INSTRUMENT_METHOD_VALUES)
def test_each_kind_of_instrument_is_recorded_with_its_details(finance_user, customer, method):
    payment = _bill(customer, finance_user, method=method, number="  EV 2026 0001 ")

    payment.refresh_from_db()
    assert _payment_rows() == [(method, "EV 2026 0001", "中国工商银行杭州分行", MATURES)]
    assert (payment.amount, payment.unapplied_amount, payment.status) == (
        Decimal("50000.00"),
        Decimal("50000.00"),
        Payment.Status.UNAPPLIED,
    )
    assert payment.is_instrument


def test_an_instrument_maturing_the_day_it_arrives_is_accepted(finance_user, customer):
    payment = services.payment_record(
        actor=finance_user,
        customer=customer,
        received_on=RECEIVED,
        amount=Decimal("10.00"),
        method="receivable_evoucher",
        instrument_number="EV-1",
        instrument_matures_on=RECEIVED,
    )

    assert (payment.instrument_matures_on, payment.instrument_acceptor) == (RECEIVED, "")


@pytest.mark.parametrize(("method", "number", "acceptor", "matures", "field", "message"), REFUSED)
def test_the_service_refuses_wrong_instrument_details_on_their_field(
    finance_user, customer, method, number, acceptor, matures, field, message
):
    with translation.override("en"), pytest.raises(ApplicationError) as refusal:
        services.payment_record(
            actor=finance_user,
            customer=customer,
            received_on=RECEIVED,
            amount=Decimal("100.00"),
            method=method,
            instrument_number=number,
            instrument_acceptor=acceptor,
            instrument_matures_on=date.fromisoformat(matures) if matures else None,
        )

    assert (refusal.value.field, str(refusal.value.message)) == (field, message)
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("method", "number", "matures"),
    [
        ("bank_acceptance_bill", "", MATURES),
        ("commercial_acceptance_bill", "CA-1", None),
        ("receivable_evoucher", "EV-1", date(2026, 3, 1)),
        ("bank_transfer", "BA-1", None),
        ("bank_transfer", "", MATURES),
    ],
)
def test_the_database_refuses_inconsistent_instrument_details(
    finance_user, customer, method, number, matures
):
    payment = recorded_payment(customer, actor=finance_user, received_on=RECEIVED)
    payment.method, payment.instrument_number, payment.instrument_matures_on = (
        method,
        number,
        matures,
    )

    with pytest.raises(IntegrityError, match="payment_instrument_details"), transaction.atomic():
        payment.save(update_fields=["method", "instrument_number", "instrument_matures_on"])

    payment.refresh_from_db()
    assert (payment.method, payment.instrument_number, payment.instrument_matures_on) == (
        "bank_transfer",
        "",
        None,
    )


def test_a_bill_is_applied_to_invoices_like_any_payment(finance_user, customer):
    invoice = issued_invoice(
        customer, actor=finance_user, amount=Decimal("50000.00"), issue_date=date(2026, 2, 1)
    )
    bill = _bill(customer, finance_user)

    services.payment_allocate_auto(actor=finance_user, payment=bill, applied_on=RECEIVED)

    invoice.refresh_from_db()
    bill.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert (bill.unapplied_amount, bill.status) == (Decimal("0.00"), Payment.Status.APPLIED)
    assert list(bill.allocations.values_list("amount", "applied_on")) == [
        (Decimal("50000.00"), RECEIVED)
    ]


# --- the payment page --------------------------------------------------------------------------


def _posted(customer, method, number, acceptor, matures):
    return {
        "customer": customer.pk,
        "received_on": RECEIVED.isoformat(),
        "amount": "50000.00",
        "currency": "",
        "method": method,
        "reference": "",
        "instrument_number": number,
        "instrument_acceptor": acceptor,
        "instrument_matures_on": matures,
        "notes": "",
    }


def _field_errors(response, field_name) -> list[str]:
    marker = f'data-field-error="{field_name}">'
    return [part.split("</div>")[0] for part in response.content.decode().split(marker)[1:]]


def test_the_form_offers_every_instrument_kind_and_its_fields(client, finance_user):
    client.force_login(finance_user)

    response = client.get(reverse("payment-create"))

    page = response.content.decode()
    for method in INSTRUMENT_METHOD_VALUES:
        assert f'<option value="{method}">' in page
        # The stylesheet hides the bill's fields unless one of these methods is chosen.
        assert f'option:checked[value="{method}"]' in page
    for field in ("instrument_number", "instrument_acceptor", "instrument_matures_on"):
        assert f'name="{field}"' in page
    assert 'id="instrument-fields"' in page


@pytest.mark.parametrize("method", INSTRUMENT_METHOD_VALUES)
def test_recording_a_bill_on_the_page_saves_its_details(client, finance_user, customer, method):
    client.force_login(finance_user)

    response = client.post(
        reverse("payment-create"),
        _posted(customer, method, "31030051202603020001234", "中国工商银行", "2026-09-02"),
    )

    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("payment-allocate", args=[payment.pk])
    assert _payment_rows() == [(method, "31030051202603020001234", "中国工商银行", MATURES)]
    assert (payment.amount, payment.created_by) == (Decimal("50000.00"), finance_user)


@pytest.mark.parametrize(("method", "number", "acceptor", "matures", "field", "message"), REFUSED)
def test_wrong_instrument_details_show_on_their_field_and_record_nothing(
    client, finance_user, customer, method, number, acceptor, matures, field, message
):
    client.force_login(finance_user)

    response = client.post(
        reverse("payment-create"), _posted(customer, method, number, acceptor, matures)
    )

    assert response.status_code == 400
    assert _field_errors(response, field) == [message]
    assert not Payment.objects.exists()


def test_a_malformed_maturity_date_shows_on_its_field(client, finance_user, customer):
    client.force_login(finance_user)

    response = client.post(
        reverse("payment-create"),
        _posted(customer, "bank_acceptance_bill", "BA-1", "", "2026-02-30"),
    )

    assert response.status_code == 400
    assert _field_errors(response, "instrument_matures_on") == ["Enter a valid date."]
    assert not Payment.objects.exists()


def test_the_payment_page_shows_the_bills_number_acceptor_and_maturity(
    client, finance_user, customer
):
    bill = _bill(customer, finance_user, method="commercial_acceptance_bill")
    transfer = recorded_payment(customer, actor=finance_user)
    client.force_login(finance_user)

    page = client.get(reverse("payment-detail", args=[bill.pk])).content.decode()
    plain = client.get(reverse("payment-detail", args=[transfer.pk])).content.decode()

    assert 'data-instrument="number">31030051202603020001234</dd>' in page
    assert 'data-instrument="acceptor">中国工商银行杭州分行</dd>' in page
    assert 'data-instrument="matures_on">2026-09-02</dd>' in page
    assert "Commercial acceptance bill (商业承兑汇票)" in page
    assert "data-instrument=" not in plain


def _listed_numbers(client, query="") -> list[str]:
    response = client.get(reverse("payment-list") + query)
    return [payment.number for payment in response.context["page"]]


def test_the_list_shows_bills_with_number_and_maturity_and_filters_by_method(
    client, finance_user, customer
):
    bill = _bill(customer, finance_user, method="bank_acceptance_bill", number="BA-778899")
    voucher = _bill(customer, finance_user, method="receivable_evoucher", number="EV-445566")
    transfer = recorded_payment(customer, actor=finance_user)
    client.force_login(finance_user)

    page = client.get(reverse("payment-list")).content.decode()

    assert f'data-instrument="{bill.pk}">No. BA-778899, matures 2026-09-02</div>' in page
    assert f'data-instrument="{voucher.pk}">No. EV-445566, matures 2026-09-02</div>' in page
    assert f'data-instrument="{transfer.pk}"' not in page
    assert _listed_numbers(client, "?method=receivable_evoucher") == [voucher.number]
    assert _listed_numbers(client, "?method=bank_transfer") == [transfer.number]
    assert _listed_numbers(client, "?q=778899") == [bill.number]


def test_the_list_costs_the_same_queries_with_2_and_12_bills(client, finance_user):
    client.force_login(finance_user)
    url = reverse("payment-list")
    for serial in range(2):
        _bill(CustomerFactory(), finance_user, number=f"BA-{serial}")
    with_two = queries_to_render(client, url)
    for serial in range(2, 12):
        _bill(CustomerFactory(), finance_user, number=f"BA-{serial}")

    assert queries_to_render(client, url) == with_two


# --- the API -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", INSTRUMENT_METHOD_VALUES)
def test_the_api_records_a_bill_with_its_details(finance_user, customer, method):
    response = api_client_for(finance_user).post(
        "/api/v1/payments/",
        {
            "customer": customer.pk,
            "received_on": "2026-03-02",
            "amount": "50000.00",
            "method": method,
            "instrument_number": "31030051202603020001234",
            "instrument_acceptor": "中国工商银行",
            "instrument_matures_on": "2026-09-02",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (
        body["method"],
        body["instrument_number"],
        body["instrument_acceptor"],
        body["instrument_matures_on"],
    ) == (method, "31030051202603020001234", "中国工商银行", "2026-09-02")
    assert _payment_rows() == [(method, "31030051202603020001234", "中国工商银行", MATURES)]


def test_the_api_shows_a_bank_transfer_without_instrument_details(finance_user, customer):
    transfer = recorded_payment(customer, actor=finance_user)

    body = api_client_for(finance_user).get(f"/api/v1/payments/{transfer.pk}/").json()

    assert (
        body["instrument_number"],
        body["instrument_acceptor"],
        body["instrument_matures_on"],
    ) == ("", "", None)


@pytest.mark.parametrize(("method", "number", "acceptor", "matures", "field", "message"), REFUSED)
def test_the_api_refuses_wrong_instrument_details_naming_the_field(
    finance_user, customer, method, number, acceptor, matures, field, message
):
    response = api_client_for(finance_user).post(
        "/api/v1/payments/",
        {
            "customer": customer.pk,
            "received_on": "2026-03-02",
            "amount": "100.00",
            "method": method,
            "instrument_number": number,
            "instrument_acceptor": acceptor,
            "instrument_matures_on": matures or None,
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert not Payment.objects.exists()


def test_the_api_lists_payments_by_method(finance_user, customer):
    voucher = _bill(customer, finance_user, method="receivable_evoucher")
    recorded_payment(customer, actor=finance_user)

    body = api_client_for(finance_user).get("/api/v1/payments/?method=receivable_evoucher").json()

    assert [row["number"] for row in body["results"]] == [voucher.number]


# --- demo data ---------------------------------------------------------------------------------


def test_the_demo_data_has_every_kind_of_instrument_with_its_details():
    users = ensure_demo_users()
    terms = ensure_demo_payment_terms(actor=users["admin"])

    customers = generate_customers(seed=7, count=60, as_of=date(2025, 6, 30), terms_by_code=terms)

    instruments = [
        (customer, payment)
        for customer in customers
        for payment in customer.payments
        if payment.method in INSTRUMENT_METHOD_VALUES
    ]
    assert {payment.method for _customer, payment in instruments} == set(INSTRUMENT_METHOD_VALUES)
    for customer, payment in instruments:
        assert len(payment.instrument_number) == 30
        assert payment.instrument_matures_on > payment.received_on
        # Commercial bills and e-vouchers are accepted by the customer itself, not a bank.
        if payment.method == "bank_acceptance_bill":
            assert "银行" in payment.instrument_acceptor
        else:
            assert payment.instrument_acceptor == customer.legal_name
    assert not [
        payment
        for customer in customers
        for payment in customer.payments
        if payment.method not in INSTRUMENT_METHOD_VALUES
        and (payment.instrument_number or payment.instrument_matures_on)
    ]
