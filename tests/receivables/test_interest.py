"""Late interest per installment: open amount on the date × daily rate × days overdue, rounded
half up per item; the terms' rate or, where they state none, the configured default. The Python
function and the SQL annotation agree to the cent."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from receivables import services
from receivables.interest import daily_rate, installment_late_interest, with_late_interest
from receivables.models import ExchangeRate, Installment
from receivables.selectors import installments_open_as_of
from tests.factories import CustomerFactory, PaymentTermsFactory, issued_invoice, recorded_payment

pytestmark = pytest.mark.django_db

ISSUED = date(2026, 1, 1)  # net 30: due 2026-01-31


def _terms(rate: str, net_days: int = 30):
    return PaymentTermsFactory(
        code=f"N{net_days}-{rate}", net_days=net_days, late_interest_daily_rate=Decimal(rate)
    )


def _installment(actor, *, amount="10000.00", rate="0.0005", customer=None):
    customer = customer or CustomerFactory()
    invoice = issued_invoice(
        customer, actor=actor, amount=Decimal(amount), issue_date=ISSUED, terms=_terms(rate)
    )
    return invoice.installments.select_related("invoice__payment_terms").get()


def _both(installment, as_of):
    """(Python, SQL) late interest of one installment as of a date."""
    annotated = with_late_interest(
        installments_open_as_of(as_of=as_of).filter(pk=installment.pk), as_of=as_of
    ).first()
    if annotated is None:  # nothing open that day
        return None, None
    python = installment_late_interest(installment, as_of=as_of, open_amount=annotated.open_as_of)
    return python, annotated.late_interest


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2026, 1, 30), Decimal("0.00")),  # before the due date
        (date(2026, 1, 31), Decimal("0.00")),  # on the due date
        (date(2026, 2, 1), Decimal("5.00")),  # 10,000 × 0.0005 × 1
        (date(2026, 3, 31), Decimal("295.00")),  # × 59 (the statement example)
        (date(2027, 1, 31), Decimal("1825.00")),  # × 365
    ],
)
def test_interest_accrues_each_day_after_the_due_date(finance_user, as_of, expected):
    installment = _installment(finance_user)

    assert _both(installment, as_of) == (expected, expected)


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [
        # Exactly half a cent rounds up (half-even would give 0.00 and 0.02).
        ("1000.00", "0.000005", Decimal("0.01")),
        ("5000.00", "0.000005", Decimal("0.03")),
        ("333.33", "0.000300", Decimal("0.10")),  # 0.099999
        ("12345.67", "0.000333", Decimal("4.11")),  # 4.11110811
    ],
)
def test_interest_is_rounded_half_up_per_installment(finance_user, amount, rate, expected):
    installment = _installment(finance_user, amount=amount, rate=rate)

    assert _both(installment, date(2026, 2, 1)) == (expected, expected)  # one day overdue


def test_terms_without_a_rate_use_the_configured_default(finance_user):
    installment = _installment(finance_user, rate="0")

    assert daily_rate(installment.invoice.payment_terms) == Decimal("0.0005")
    assert _both(installment, date(2026, 3, 31)) == (Decimal("295.00"), Decimal("295.00"))
    with override_settings(LATE_INTEREST_DEFAULT_DAILY_RATE=Decimal("0.0003")):
        assert _both(installment, date(2026, 3, 31)) == (Decimal("177.00"), Decimal("177.00"))
    with override_settings(LATE_INTEREST_DEFAULT_DAILY_RATE=Decimal("0")):
        assert _both(installment, date(2026, 3, 31)) == (Decimal("0.00"), Decimal("0.00"))


def test_terms_with_a_rate_ignore_the_default(finance_user):
    installment = _installment(finance_user, rate="0.001")

    with override_settings(LATE_INTEREST_DEFAULT_DAILY_RATE=Decimal("0.0003")):
        assert _both(installment, date(2026, 2, 10)) == (Decimal("100.00"), Decimal("100.00"))


def test_interest_runs_on_what_is_open_on_the_date_asked_about(finance_user):
    installment = _installment(finance_user)
    payment = recorded_payment(
        installment.customer,
        actor=finance_user,
        amount=Decimal("4000.00"),
        received_on=date(2026, 3, 1),
    )
    services.payment_allocate(
        actor=finance_user,
        payment=payment,
        allocations=[(installment.pk, Decimal("4000.00"))],
        applied_on=date(2026, 3, 1),
    )

    # Before the payment: 10,000 open for 28 days; after: 6,000 for 59 days.
    assert _both(installment, date(2026, 2, 28)) == (Decimal("140.00"), Decimal("140.00"))
    assert _both(installment, date(2026, 3, 31)) == (Decimal("177.00"), Decimal("177.00"))


def test_a_paid_installment_accrues_nothing_more(finance_user):
    installment = _installment(finance_user, amount="1000.00")
    payment = recorded_payment(installment.customer, actor=finance_user, received_on=ISSUED)
    services.payment_allocate(
        actor=finance_user,
        payment=payment,
        allocations=[(installment.pk, Decimal("1000.00"))],
        applied_on=date(2026, 2, 10),
    )

    assert _both(installment, date(2026, 3, 31)) == (None, None)  # not open
    annotated = with_late_interest(
        Installment.objects.filter(pk=installment.pk), as_of=date(2026, 3, 31)
    ).get()
    assert (annotated.days_overdue_as_of, annotated.late_interest) == (59, Decimal("0.00"))
    # Still open on the day before the payment: 9 days of interest on 1,000.
    assert _both(installment, date(2026, 2, 9)) == (Decimal("4.50"), Decimal("4.50"))


def test_the_annotation_computes_the_open_amount_itself_when_not_given(finance_user):
    installment = _installment(finance_user)
    payment = recorded_payment(
        installment.customer,
        actor=finance_user,
        amount=Decimal("4000.00"),
        received_on=date(2026, 3, 1),
    )
    services.payment_allocate(
        actor=finance_user,
        payment=payment,
        allocations=[(installment.pk, Decimal("4000.00"))],
        applied_on=date(2026, 3, 1),
    )

    annotated = with_late_interest(
        Installment.objects.filter(pk=installment.pk), as_of=date(2026, 2, 28)
    ).get()

    assert (annotated.late_interest_rate, annotated.late_interest) == (
        Decimal("0.000500"),
        Decimal("140.00"),
    )


def test_currencies_without_minor_units_round_to_whole_units(finance_user):
    ExchangeRate.objects.create(currency="JPY", rate_date=ISSUED, rate_to_base=Decimal("0.0480"))
    customer = CustomerFactory()
    draft = services.invoice_create_draft(
        actor=finance_user,
        customer=customer,
        issue_date=ISSUED,
        currency="JPY",
        payment_terms=_terms("0.0005"),
        lines=[{"description": "部品", "quantity": Decimal("1"), "unit_price": Decimal("12345")}],
    )
    invoice = services.invoice_issue(actor=finance_user, invoice=draft)
    installment = invoice.installments.select_related("invoice__payment_terms").get()

    # 12,345 × 0.0005 × 3 = 18.5175 yen → 19
    assert _both(installment, date(2026, 2, 3)) == (Decimal("19.00"), Decimal("19.00"))


def test_a_list_is_annotated_in_one_query(finance_user, django_assert_num_queries):
    customer = CustomerFactory()
    for amount in ("100.00", "200.00", "300.00"):
        _installment(finance_user, amount=amount, customer=customer)

    with django_assert_num_queries(1):
        totals = [
            row.late_interest
            for row in with_late_interest(
                installments_open_as_of(as_of=date(2026, 3, 31)).filter(customer=customer),
                as_of=date(2026, 3, 31),
            )
        ]

    assert sorted(totals) == [Decimal("2.95"), Decimal("5.90"), Decimal("8.85")]


# At most 20,000.00 each: four stay under the factory customer's credit limit.
cents = st.integers(min_value=1, max_value=2_000_000).map(lambda c: Decimal(c) / 100)
rates = st.integers(min_value=0, max_value=5000).map(lambda micro: Decimal(micro) / 1_000_000)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    items=st.lists(
        st.tuples(cents, rates, st.integers(min_value=0, max_value=90)), min_size=1, max_size=4
    ),
    paid_fraction=st.sampled_from([Decimal("0"), Decimal("0.25"), Decimal("0.5")]),
    days_after_issue=st.integers(min_value=0, max_value=800),
)
def test_python_and_sql_agree_for_any_installment(
    finance_user, items, paid_fraction, days_after_issue
):
    as_of = ISSUED + timedelta(days=days_after_issue)
    with transaction.atomic():
        customer = CustomerFactory()
        for amount, rate, net_days in items:
            invoice = issued_invoice(
                customer,
                actor=finance_user,
                amount=amount,
                issue_date=ISSUED,
                terms=PaymentTermsFactory(
                    code=f"P{net_days}-{rate}", net_days=net_days, late_interest_daily_rate=rate
                ),
            )
            installment = invoice.installments.get()
            paid = (amount * paid_fraction).quantize(Decimal("0.01"))
            if paid > 0:
                paid_on = ISSUED + timedelta(days=net_days + 5)
                payment = recorded_payment(
                    customer, actor=finance_user, amount=paid, received_on=paid_on
                )
                services.payment_allocate(
                    actor=finance_user,
                    payment=payment,
                    allocations=[(installment.pk, paid)],
                    applied_on=paid_on,
                )
        rows = with_late_interest(
            installments_open_as_of(as_of=as_of)
            .filter(customer=customer)
            .select_related("invoice__payment_terms"),
            as_of=as_of,
        )
        for row in rows:
            assert row.late_interest == installment_late_interest(
                row, as_of=as_of, open_amount=row.open_as_of
            )
        transaction.set_rollback(True)
