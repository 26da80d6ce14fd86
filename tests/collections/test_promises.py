"""Promises to pay: recording them (validation naming the field, scoping) and the daily check
that marks them kept or broken from the payments received."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from arcollections.models import PromiseToPay
from arcollections.services.promises import (
    PromiseCheck,
    promise_cancel,
    promise_create,
    promises_check,
)
from core.exceptions import ApplicationError, PermissionDeniedError
from receivables import services as ledger
from tests.factories import ContactFactory, CustomerFactory, issued_invoice, recorded_payment

pytestmark = pytest.mark.django_db

MADE_ON = date(2026, 3, 1)
PAY_BY = date(2026, 3, 15)


@pytest.fixture
def debtor(sales_user, finance_user):
    """A CNY customer of `sales_user` owing 10,000.00 (issued 2026-01-10, due 2026-02-09)."""
    customer = CustomerFactory(owner=sales_user)
    issued_invoice(customer, actor=finance_user, amount=Decimal("10000.00"))
    return customer


def _promise(customer, actor, amount="5000.00", **fields):
    return promise_create(
        actor=actor,
        customer=customer,
        amount=Decimal(amount),
        currency=fields.pop("currency", "CNY"),
        promised_date=fields.pop("promised_date", PAY_BY),
        promised_on=fields.pop("promised_on", MADE_ON),
        **fields,
    )


def _pay(customer, actor, amount, on, currency=None):
    return ledger.payment_record(
        actor=actor, customer=customer, received_on=on, amount=Decimal(amount), currency=currency
    )


def _state(promise):
    promise.refresh_from_db()
    return promise.status, promise.settled_on, promise.paid_amount


# --- the check ---------------------------------------------------------------------------------


def test_payments_reaching_the_amount_keep_the_promise_on_the_completing_payment(
    debtor, finance_user
):
    promise = _promise(debtor, finance_user)
    _pay(debtor, finance_user, "2000.00", date(2026, 3, 5))
    _pay(debtor, finance_user, "3000.00", date(2026, 3, 10))

    assert promises_check(on_date=date(2026, 3, 11)) == PromiseCheck(kept=1, broken=0, updated=0)
    assert _state(promise) == ("kept", date(2026, 3, 10), Decimal("5000.00"))


def test_a_partial_payment_is_recorded_then_the_promise_breaks_the_day_after_its_date(
    debtor, finance_user
):
    promise = _promise(debtor, finance_user)
    _pay(debtor, finance_user, "2000.00", date(2026, 3, 5))

    assert promises_check(on_date=date(2026, 3, 6)) == PromiseCheck(kept=0, broken=0, updated=1)
    assert _state(promise) == ("open", None, Decimal("2000.00"))
    # Still within its date: nothing new to record.
    assert promises_check(on_date=PAY_BY) == PromiseCheck(kept=0, broken=0, updated=0)
    assert _state(promise) == ("open", None, Decimal("2000.00"))

    assert promises_check(on_date=date(2026, 3, 16)) == PromiseCheck(kept=0, broken=1, updated=0)
    assert _state(promise) == ("broken", date(2026, 3, 16), Decimal("2000.00"))


def test_a_late_check_records_the_same_dates_as_a_punctual_one(debtor, finance_user):
    kept = _promise(debtor, finance_user, "1000.00", promised_date=date(2026, 3, 10))
    broken = _promise(debtor, finance_user, "9000.00", currency="USD")
    _pay(debtor, finance_user, "1000.00", date(2026, 3, 8))

    assert promises_check(on_date=date(2026, 4, 30)) == PromiseCheck(kept=1, broken=1, updated=0)
    assert _state(kept) == ("kept", date(2026, 3, 8), Decimal("1000.00"))
    assert _state(broken) == ("broken", date(2026, 3, 16), Decimal("0.00"))


@pytest.mark.parametrize(
    "payment",
    [
        pytest.param({"amount": "5000.00", "on": date(2026, 2, 28)}, id="before-the-promise"),
        pytest.param({"amount": "5000.00", "on": date(2026, 3, 16)}, id="after-the-date"),
        pytest.param(
            {"amount": "5000.00", "on": date(2026, 3, 5), "currency": "USD"}, id="other-currency"
        ),
    ],
)
def test_payments_outside_the_promise_do_not_count(debtor, finance_user, payment):
    promise = _promise(debtor, finance_user)
    _pay(debtor, finance_user, **payment)

    assert promises_check(on_date=date(2026, 3, 17)) == PromiseCheck(kept=0, broken=1, updated=0)
    assert _state(promise) == ("broken", date(2026, 3, 16), Decimal("0.00"))


def test_a_reversed_payment_does_not_count(debtor, finance_user):
    promise = _promise(debtor, finance_user)
    bounced = _pay(debtor, finance_user, "5000.00", date(2026, 3, 5))
    _pay(debtor, finance_user, "1500.00", date(2026, 3, 6))
    ledger.payment_reverse(
        actor=finance_user, payment=bounced, reversed_on=date(2026, 3, 7), reason="退票"
    )

    assert promises_check(on_date=date(2026, 3, 8)) == PromiseCheck(kept=0, broken=0, updated=1)
    assert _state(promise) == ("open", None, Decimal("1500.00"))
    assert promises_check(on_date=date(2026, 3, 16)).broken == 1
    assert _state(promise) == ("broken", date(2026, 3, 16), Decimal("1500.00"))


def test_payments_of_another_customer_do_not_count(debtor, finance_user):
    promise = _promise(debtor, finance_user)
    _pay(CustomerFactory(), finance_user, "5000.00", date(2026, 3, 5))

    promises_check(on_date=date(2026, 3, 16))
    assert _state(promise) == ("broken", date(2026, 3, 16), Decimal("0.00"))


def test_the_check_is_idempotent_and_leaves_settled_and_cancelled_promises_alone(
    debtor, finance_user
):
    kept = _promise(debtor, finance_user, "100.00")
    cancelled = _promise(debtor, finance_user, "200.00")
    promise_cancel(actor=finance_user, promise=cancelled, reason="客户改约")
    _pay(debtor, finance_user, "100.00", date(2026, 3, 2))
    assert promises_check(on_date=date(2026, 3, 20)) == PromiseCheck(kept=1, broken=0, updated=0)

    assert promises_check(on_date=date(2026, 3, 20)) == PromiseCheck(kept=0, broken=0, updated=0)
    assert _state(kept) == ("kept", date(2026, 3, 2), Decimal("100.00"))
    assert _state(cancelled) == ("cancelled", None, Decimal("0.00"))


def test_a_promise_made_after_the_check_date_is_not_judged(debtor, finance_user):
    promise = _promise(debtor, finance_user, promised_on=date(2026, 3, 10))
    assert promises_check(on_date=date(2026, 3, 9)) == PromiseCheck(kept=0, broken=0, updated=0)
    assert _state(promise) == ("open", None, Decimal("0.00"))


def test_the_check_costs_the_same_queries_for_many_promises(finance_user):
    def make(count):
        for _ in range(count):
            customer = CustomerFactory()
            kept = _promise(customer, finance_user, "10.00")
            _pay(customer, finance_user, "10.00", date(2026, 3, 2))
            _promise(customer, finance_user, "20.00")
            assert kept

    make(2)
    with CaptureQueriesContext(connection) as few:
        assert promises_check(on_date=date(2026, 3, 20)) == PromiseCheck(2, 2, 0)
    make(8)
    with CaptureQueriesContext(connection) as many:
        assert promises_check(on_date=date(2026, 3, 20)) == PromiseCheck(8, 8, 0)
    assert len(many) == len(few)


def test_the_change_is_audited(debtor, finance_user):
    promise = _promise(debtor, finance_user)
    promises_check(on_date=date(2026, 3, 16))
    latest = promise.history.order_by("-history_date", "-history_id").first()
    assert (latest.status, latest.history_type) == ("broken", "~")


# --- recording ---------------------------------------------------------------------------------


def test_a_promise_records_its_terms_and_covered_installments(debtor, sales_user):
    contact = ContactFactory(customer=debtor)
    installment = debtor.installments.get()

    promise = _promise(
        debtor, sales_user, "2500.50", contact=contact, installments=[installment], note="月底前"
    )

    promise.refresh_from_db()
    assert (
        promise.amount,
        promise.currency,
        promise.promised_on,
        promise.promised_date,
        promise.status,
        promise.contact,
        promise.note,
        promise.created_by,
    ) == (Decimal("2500.50"), "CNY", MADE_ON, PAY_BY, "open", contact, "月底前", sales_user)
    assert list(promise.installments.all()) == [installment]
    assert promise.history.get().history_user == sales_user


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"amount": "0"}, "amount", "not_positive"),
        ({"amount": "-5"}, "amount", "not_positive"),
        ({"amount": "1.005"}, "amount", "too_precise"),
        ({"currency": "XXX"}, "currency", "invalid"),
        ({"promised_date": date(2026, 2, 28)}, "promised_date", "date_in_past"),
    ],
)
def test_invalid_promises_are_refused_naming_the_field(debtor, finance_user, fields, field, code):
    with pytest.raises(ApplicationError) as refused:
        _promise(debtor, finance_user, **fields)
    assert (refused.value.field, refused.value.code) == (field, code)
    assert PromiseToPay.objects.count() == 0


def test_installments_must_be_the_customers_own_open_ones_in_the_currency(debtor, finance_user):
    other = issued_invoice(CustomerFactory(), actor=finance_user).installments.get()
    settled = issued_invoice(debtor, actor=finance_user, amount=Decimal("50.00"))
    settled_item = settled.installments.get()
    payment = recorded_payment(debtor, actor=finance_user, amount=Decimal("50.00"))
    ledger.payment_allocate(
        actor=finance_user,
        payment=payment,
        allocations=[(settled_item.pk, Decimal("50.00"))],
        applied_on=date(2026, 1, 20),
    )
    own = debtor.installments.filter(open_amount__gt=0).get()

    for installments, code, kwargs in [
        ([other], "other_customer", {}),
        ([settled_item], "not_open", {}),
        ([own], "currency_mismatch", {"currency": "USD"}),
    ]:
        with pytest.raises(ApplicationError) as refused:
            _promise(debtor, finance_user, installments=installments, **kwargs)
        assert (refused.value.field, refused.value.code) == ("installments", code)
    assert PromiseToPay.objects.count() == 0


def test_a_contact_of_another_customer_is_refused(debtor, finance_user):
    with pytest.raises(ApplicationError) as refused:
        _promise(debtor, finance_user, contact=ContactFactory())
    assert refused.value.field == "contact"
    assert PromiseToPay.objects.count() == 0


def test_only_people_handling_the_customer_record_promises(
    debtor, other_sales_user, auditor_user, sales_user, manager_user
):
    for outsider in (other_sales_user, auditor_user):
        with pytest.raises(PermissionDeniedError):
            _promise(debtor, outsider)
    assert PromiseToPay.objects.count() == 0
    assert _promise(debtor, sales_user).created_by == sales_user
    assert _promise(debtor, manager_user).created_by == manager_user


def test_only_an_open_promise_can_be_cancelled(debtor, finance_user, other_sales_user):
    promise = _promise(debtor, finance_user, note="电话承诺")
    with pytest.raises(PermissionDeniedError):
        promise_cancel(actor=other_sales_user, promise=promise)

    promise_cancel(actor=finance_user, promise=promise, reason="录入错误")
    promise.refresh_from_db()
    assert (promise.status, promise.note) == ("cancelled", "电话承诺\n录入错误")

    with pytest.raises(ApplicationError) as refused:
        promise_cancel(actor=finance_user, promise=promise)
    assert refused.value.code == "not_open"
