"""The demo data set: deterministic, consistent with what the services would have written, and
safe to load on every start."""

from collections import defaultdict
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from accounts.roles import Role, user_roles
from core.money import ZERO, quantize
from customers.models import Contact, Customer
from customers.validators import normalize_phone, validate_uscc
from receivables import services
from receivables.demo_data import (
    DEMO_PASSWORD,
    DEMO_USERS,
    ensure_demo_payment_terms,
    ensure_demo_users,
    generate_customers,
    seed_demo,
)
from receivables.models import (
    Allocation,
    CreditNote,
    DocumentSequence,
    Installment,
    Invoice,
    Payment,
    Refund,
    WriteOff,
)
from receivables.selectors import ledger_discrepancies, payment_discrepancies

pytestmark = pytest.mark.django_db

SEED = 7
AS_OF = date(2025, 6, 30)
COUNT = 30


@pytest.fixture
def demo_terms():
    users = ensure_demo_users()
    return ensure_demo_payment_terms(actor=users["admin"])


@pytest.fixture
def seeded():
    return seed_demo(customers=COUNT, seed=SEED, as_of=AS_OF)


def _generate(terms, *, seed=SEED, count=COUNT):
    return list(generate_customers(seed=seed, count=count, as_of=AS_OF, terms_by_code=terms))


def test_generator_gives_the_same_customers_for_the_same_seed(demo_terms):
    first, second = _generate(demo_terms), _generate(demo_terms)

    assert first == second
    assert [(c.code, c.legal_name, c.uscc) for c in first] == [
        (c.code, c.legal_name, c.uscc) for c in second
    ]
    assert [[i.total for i in c.invoices] for c in first] == [
        [i.total for i in c.invoices] for c in second
    ]


def test_generator_customer_does_not_depend_on_how_many_are_generated(demo_terms):
    assert _generate(demo_terms, count=45)[:COUNT] == _generate(demo_terms)


def test_generator_gives_other_customers_for_another_seed(demo_terms):
    names = [c.legal_name for c in _generate(demo_terms)]
    other_names = [c.legal_name for c in _generate(demo_terms, seed=SEED + 1)]

    assert names != other_names


def test_generator_mix_is_mostly_chinese_with_every_behaviour(demo_terms):
    customers = _generate(demo_terms, count=40)

    assert sum(c.country == "CN" for c in customers) == 34  # 17 of every 20
    foreign = [c for c in customers if c.country != "CN"]
    assert all(c.uscc == "" and c.currency in {"USD", "EUR", "HKD"} for c in foreign)
    assert {c.behaviour for c in customers} == {
        "prompt",
        "late",
        "partial",
        "defaulter",
        "prepayer",
    }
    assert {c.tier for c in customers} == {"A", "B", "C"}
    assert any(c.status == Customer.Status.ON_HOLD for c in customers)


def test_seeded_usccs_are_valid_and_unique(seeded):
    usccs = list(Customer.objects.exclude(uscc="").values_list("uscc", flat=True))

    assert len(usccs) == len(set(usccs)) == Customer.objects.filter(country="CN").count()
    for uscc in usccs:
        validate_uscc(uscc)
        assert uscc[:2] == "91"


def test_seeded_contacts_have_valid_e164_phones(seeded):
    contacts = Contact.objects.select_related("customer")

    assert contacts.count() >= COUNT
    for contact in contacts:
        assert contact.phone == normalize_phone(contact.phone, country=contact.customer.country)
    for customer in Customer.objects.all():
        assert customer.contacts.filter(is_primary=True).count() == 1
        assert customer.contacts.filter(receives_reminders=True).exists()


def test_seeded_ledger_has_no_discrepancies(seeded):
    assert not ledger_discrepancies().exists()
    assert not payment_discrepancies().exists()


def test_seeded_amounts_follow_the_services_arithmetic(seeded):
    for invoice in Invoice.objects.prefetch_related("lines", "installments__allocations"):
        lines = list(invoice.lines.all())
        for line in lines:
            assert line.amount == quantize(line.quantity * line.unit_price, invoice.currency)
            assert line.tax_amount == quantize(line.amount * line.tax_rate, invoice.currency)
            assert line.tax_rate in {Decimal("0.13"), Decimal("0.06"), Decimal("0")}
        assert invoice.subtotal == sum((line.amount for line in lines), ZERO)
        assert invoice.tax_total == sum((line.tax_amount for line in lines), ZERO)
        assert invoice.total == invoice.subtotal + invoice.tax_total
        installments = list(invoice.installments.all())
        assert sum((i.amount for i in installments), ZERO) == invoice.total
        for installment in installments:
            applied = sum((a.amount for a in installment.allocations.all()), ZERO)
            assert installment.open_amount == installment.amount - applied
            assert (installment.settled_on is not None) == (installment.open_amount == 0)
        open_total = sum((i.open_amount for i in installments), ZERO)
        paid = sum(
            (
                a.amount
                for i in installments
                for a in i.allocations.all()
                if a.kind == Allocation.Kind.PAYMENT
            ),
            ZERO,
        )
        if open_total > 0:
            # Credit notes alone leave an invoice "issued"; only applied money makes it partial.
            expected = Invoice.Status.PARTIALLY_PAID if paid > 0 else Invoice.Status.ISSUED
            assert invoice.status == expected
        elif paid > 0:
            assert invoice.status == Invoice.Status.PAID
        else:
            assert invoice.status == Invoice.Status.CANCELLED
        if invoice.is_disputed:
            assert invoice.status == Invoice.Status.ISSUED


def test_seeded_payments_account_for_allocations_and_refunds(seeded):
    for payment in Payment.objects.prefetch_related("allocations", "refunds"):
        applied = sum((a.amount for a in payment.allocations.all()), ZERO)
        refunded = sum((r.amount for r in payment.refunds.all()), ZERO)
        assert payment.unapplied_amount == payment.amount - applied - refunded
        for allocation in payment.allocations.all():
            assert allocation.applied_on == payment.received_on
        expected_status = (
            Payment.Status.UNAPPLIED
            if payment.unapplied_amount == payment.amount
            else Payment.Status.APPLIED
            if payment.unapplied_amount == 0
            else Payment.Status.PARTIALLY_APPLIED
        )
        assert payment.status == expected_status


def test_seed_contains_the_demo_situations(seeded):
    assert Invoice.objects.filter(is_disputed=True).exists()
    assert Invoice.objects.filter(status=Invoice.Status.PARTIALLY_PAID).exists()
    assert Installment.objects.filter(open_amount__gt=0, due_date__lt=date(2025, 3, 1)).exists()
    assert Payment.objects.filter(status=Payment.Status.UNAPPLIED).exists()
    assert Payment.objects.filter(status=Payment.Status.PARTIALLY_APPLIED).exists()
    assert CreditNote.objects.exists()
    assert Refund.objects.exists()
    assert Customer.objects.exclude(currency="CNY").exists()
    # One defaulter in every twenty customers; each of the first two gets a write-off request.
    (write_off,) = WriteOff.objects.select_related("installment", "requested_by")
    assert write_off.status == WriteOff.Status.PENDING
    assert write_off.amount == write_off.installment.open_amount
    assert (AS_OF - write_off.installment.due_date).days > 90
    assert write_off.requested_by.username == "manager"


@pytest.mark.parametrize(
    ("prefix", "model", "date_field"),
    [
        (services.INVOICE_PREFIX, Invoice, "issue_date"),
        (services.PAYMENT_PREFIX, Payment, "received_on"),
        (services.CREDIT_NOTE_PREFIX, CreditNote, "issue_date"),
    ],
)
def test_seeded_numbers_are_gap_free_in_date_order(seeded, prefix, model, date_field):
    by_year = defaultdict(list)
    for number, on_date in model.objects.values_list("number", date_field):
        number_prefix, year, value = number.split("-")
        assert number_prefix == prefix and int(year) == on_date.year and len(value) == 6
        by_year[on_date.year].append((int(value), on_date))

    assert by_year
    for year, numbered in by_year.items():
        numbered.sort()
        assert [value for value, _on in numbered] == list(range(1, len(numbered) + 1))
        dates = [on_date for _value, on_date in numbered]
        assert dates == sorted(dates)
        sequence = DocumentSequence.objects.get(prefix=prefix, year=year)
        assert sequence.last_value == len(numbered)


def test_services_continue_the_numbering_after_seeding(seeded):
    finance = ensure_demo_users()["finance"]
    customer = Customer.objects.filter(currency="CNY", status=Customer.Status.ACTIVE).first()
    last_invoice = DocumentSequence.objects.get(prefix="INV", year=2025).last_value
    last_payment = DocumentSequence.objects.get(prefix="RCV", year=2025).last_value

    draft = services.invoice_create_draft(
        actor=finance,
        customer=customer,
        issue_date=AS_OF,
        lines=[{"description": "货物", "quantity": 1, "unit_price": Decimal("100.00")}],
    )
    invoice = services.invoice_issue(actor=finance, invoice=draft)
    payment = services.payment_record(
        actor=finance, customer=customer, received_on=AS_OF, amount=Decimal("100.00")
    )

    assert invoice.number == f"INV-2025-{last_invoice + 1:06d}"
    assert payment.number == f"RCV-2025-{last_payment + 1:06d}"


def test_a_second_manager_can_approve_a_seeded_write_off(seeded):
    users = ensure_demo_users()
    write_off = WriteOff.objects.get(requested_by__username="manager")

    services.write_off_approve(actor=users["manager2"], write_off=write_off, effective_on=AS_OF)

    installment = Installment.objects.get(pk=write_off.installment_id)
    assert installment.open_amount == ZERO
    assert Allocation.objects.filter(write_off=write_off).get().amount == write_off.amount
    assert not ledger_discrepancies().exists()


def test_seeding_again_writes_nothing(seeded):
    counts = (Customer.objects.count(), Invoice.objects.count(), Payment.objects.count())

    summary = seed_demo(customers=COUNT, seed=SEED + 1, as_of=AS_OF)

    assert summary.skipped
    assert summary.existing_customers == COUNT
    assert (Customer.objects.count(), Invoice.objects.count(), Payment.objects.count()) == counts


def test_small_seed_writes_created_history(seeded):
    assert seeded.with_history
    assert Customer.history.filter(history_type="+").count() == COUNT
    assert Invoice.history.filter(history_type="+").count() == Invoice.objects.count()
    assert Allocation.history.count() == Allocation.objects.count()


@pytest.mark.parametrize("demo_user", DEMO_USERS, ids=lambda user: user.username)
def test_demo_users_log_in_with_the_demo_password(seeded, demo_user):
    user = authenticate(username=demo_user.username, password=DEMO_PASSWORD)

    assert user is not None
    assert demo_user.role in user_roles(user)
    assert user.is_superuser == (demo_user.role == Role.ADMIN)


def test_existing_users_are_kept():
    user = ensure_demo_users()["finance"]
    user.set_password("changed-by-the-user")
    user.save(update_fields=["password"])

    seed_demo(customers=3, seed=SEED, as_of=AS_OF)

    assert authenticate(username="finance", password="changed-by-the-user") is not None
    assert authenticate(username="finance", password=DEMO_PASSWORD) is None


def test_command_loads_once_and_prints_the_logins(settings):
    settings.DEBUG = True
    first, second = StringIO(), StringIO()

    call_command("seed_demo", "--customers=5", "--seed=3", "--as-of=2025-06-30", stdout=first)
    call_command("seed_demo", "--customers=5", "--seed=3", "--as-of=2025-06-30", stdout=second)

    assert Customer.objects.count() == 5
    assert "huikuan-demo" in first.getvalue()
    assert "manager2" in first.getvalue()
    assert "already has 5 customers" in second.getvalue()


def test_command_refuses_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", "--customers=5", stdout=StringIO())

    assert not Customer.objects.exists()
