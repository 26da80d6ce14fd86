"""Each scorecard factor from hand-computed customer histories, through the nightly service
(exact values; docs/credit-scoring.md works the first example through by hand)."""

from datetime import date
from decimal import Decimal

import pytest

from credit.models import CustomerRating, ScoringPolicy
from credit.services import customers_rate
from customers.models import Customer
from customers.services import customer_archive
from receivables import services
from tests.credit.histories import EXAMPLE_ON, paid_invoice, pay, worked_example
from tests.factories import CustomerFactory, issued_invoice

pytestmark = pytest.mark.django_db


def _rated(customer, on_date=EXAMPLE_ON) -> CustomerRating:
    customers_rate(on_date=on_date)
    return CustomerRating.objects.get(customer=customer, rated_on=on_date)


def _lines(rating) -> dict[str, dict]:
    return {line["factor"]: line for line in rating.factors}


def test_worked_example_gives_each_factor_its_documented_value_and_points(finance_user):
    customer = CustomerFactory(credit_limit=Decimal("100000.00"))
    worked_example(customer, actor=finance_user)

    rating = _rated(customer)

    assert [
        (line["factor"], line["value"], line["points"], line["weight"], line["note"])
        for line in rating.factors
    ] == [
        ("days_beyond_terms", "10.0", "20.83", "25.00", ""),
        ("days_beyond_terms_trend", "-5.8", "10.00", "10.00", ""),
        ("on_time_share", "28.6", "0.00", "15.00", ""),
        ("overdue_to_limit", "40.0", "3.00", "15.00", ""),
        ("utilisation", "55.0", "9.00", "10.00", ""),
        ("disputed_share", "16.7", "0.83", "5.00", ""),
        ("tenure", "13", "3.61", "10.00", ""),
        ("written_off_share", "0.0", "5.00", "5.00", ""),
        ("broken_promises", None, None, "5.00", "no_data_yet"),
    ]
    # 52.27 points won of the 95 weighed (broken promises has no data yet).
    assert rating.score == Decimal("55.02")
    assert rating.grade == "C"
    assert rating.policy == ScoringPolicy.objects.get(is_active=True)


def test_a_customer_who_has_paid_nothing_is_scored_on_the_other_factors(finance_user):
    customer = CustomerFactory(credit_limit=Decimal("10000.00"))
    issued_invoice(
        customer, actor=finance_user, amount=Decimal("2000.00"), issue_date=date(2026, 6, 1)
    )

    rating = _rated(customer)

    lines = _lines(rating)
    for factor in ("days_beyond_terms", "days_beyond_terms_trend", "on_time_share"):
        assert (lines[factor]["value"], lines[factor]["points"], lines[factor]["note"]) == (
            None,
            None,
            "no_data",
        )
    assert lines["overdue_to_limit"]["value"] == "0.0"  # due 2026-07-01: not overdue yet
    assert lines["utilisation"]["value"] == "20.0"
    assert lines["tenure"]["value"] == "0"
    # Points: overdue 15 + utilisation 10 + disputes 5 + tenure 0 + written off 5 = 35 of the
    # 45 weighed: 77.78.
    assert rating.score == Decimal("77.78")
    assert rating.grade == "A"


def test_the_trend_needs_payments_in_both_half_years(finance_user):
    customer = CustomerFactory()
    paid_invoice(
        customer,
        actor=finance_user,
        amount="1000.00",
        issue_date=date(2026, 2, 1),
        paid_on=date(2026, 3, 13),
    )

    lines = _lines(_rated(customer))

    assert lines["days_beyond_terms"]["value"] == "10.0"  # due 2026-03-03
    assert lines["days_beyond_terms_trend"]["note"] == "no_data"


def test_days_beyond_terms_are_weighted_by_amount_and_early_payment_counts_as_zero(finance_user):
    customer = CustomerFactory()
    # Due 2026-01-31: 1,000.00 paid 30 days late, 3,000.00 paid 10 days early (counts as 0).
    paid_invoice(
        customer,
        actor=finance_user,
        amount="1000.00",
        issue_date=date(2026, 1, 1),
        paid_on=date(2026, 3, 2),
    )
    paid_invoice(
        customer,
        actor=finance_user,
        amount="3000.00",
        issue_date=date(2026, 1, 1),
        paid_on=date(2026, 1, 21),
    )

    lines = _lines(_rated(customer))

    assert lines["days_beyond_terms"]["value"] == "7.5"  # 1,000 × 30 / 4,000
    assert lines["on_time_share"]["value"] == "75.0"


def test_only_installments_paid_within_twelve_months_count(finance_user):
    customer = CustomerFactory()
    # Settled on 2025-06-30: one day before the window (2025-07-01 … 2026-06-30) opens.
    paid_invoice(
        customer,
        actor=finance_user,
        amount="1000.00",
        issue_date=date(2025, 5, 1),
        paid_on=date(2025, 6, 30),
    )
    paid_invoice(
        customer,
        actor=finance_user,
        amount="1000.00",
        issue_date=date(2025, 6, 1),
        paid_on=date(2025, 7, 1),
    )

    lines = _lines(_rated(customer))

    assert lines["days_beyond_terms"]["value"] == "0.0"  # the second, due 2025-07-01: on time
    assert lines["on_time_share"]["value"] == "100.0"


def test_an_installment_cleared_by_a_credit_note_is_not_a_payment(finance_user):
    customer = CustomerFactory()
    late = paid_invoice(
        customer,
        actor=finance_user,
        amount="1000.00",
        issue_date=date(2026, 1, 1),
        paid_on=date(2026, 2, 10),
    )
    credited = issued_invoice(
        customer, actor=finance_user, amount=Decimal("500.00"), issue_date=date(2026, 3, 1)
    )
    services.credit_note_issue(
        actor=finance_user,
        invoice=credited,
        amount=Decimal("500.00"),
        reason="退货",
        issue_date=date(2026, 5, 1),
    )

    lines = _lines(_rated(customer))

    assert late.installments.get().settled_on == date(2026, 2, 10)
    assert lines["days_beyond_terms"]["value"] == "10.0"  # the credited invoice is left out
    assert lines["on_time_share"]["value"] == "0.0"


def test_a_reversed_payment_reopens_the_installment_and_stops_counting(finance_user):
    customer = CustomerFactory(credit_limit=Decimal("10000.00"))
    invoice = issued_invoice(
        customer, actor=finance_user, amount=Decimal("1000.00"), issue_date=date(2026, 4, 1)
    )
    payment = pay(invoice, actor=finance_user, amount="1000.00", on=date(2026, 5, 1))
    services.payment_reverse(
        actor=finance_user, payment=payment, reversed_on=date(2026, 5, 5), reason="退票"
    )

    lines = _lines(_rated(customer))

    assert lines["days_beyond_terms"]["note"] == "no_data"
    assert lines["overdue_to_limit"]["value"] == "10.0"  # due 2026-05-01, open again


def test_owing_money_without_a_credit_limit_scores_no_points(finance_user):
    customer = CustomerFactory(credit_limit=Decimal("5000.00"))
    issued_invoice(
        customer, actor=finance_user, amount=Decimal("1000.00"), issue_date=date(2026, 5, 1)
    )
    # The limit withdrawn after the invoice was issued.
    Customer.objects.filter(pk=customer.pk).update(credit_limit=Decimal("0.00"))

    lines = _lines(_rated(customer))

    for factor in ("overdue_to_limit", "utilisation"):
        assert (lines[factor]["value"], lines[factor]["points"], lines[factor]["note"]) == (
            None,
            "0.00",
            "no_credit_limit",
        )


def test_nothing_owed_against_no_credit_limit_is_a_clean_ratio(finance_user):
    customer = CustomerFactory(credit_limit=Decimal("5000.00"))
    paid_invoice(
        customer,
        actor=finance_user,
        amount="1000.00",
        issue_date=date(2026, 5, 1),
        paid_on=date(2026, 5, 20),
    )
    Customer.objects.filter(pk=customer.pk).update(credit_limit=Decimal("0.00"))

    lines = _lines(_rated(customer))

    assert (lines["overdue_to_limit"]["value"], lines["overdue_to_limit"]["points"]) == (
        "0.0",
        "15.00",
    )
    assert (lines["utilisation"]["value"], lines["utilisation"]["points"]) == ("0.0", "10.00")


def test_overdue_and_utilisation_are_measured_as_of_the_rating_date(finance_user):
    customer = CustomerFactory(credit_limit=Decimal("8000.00"))
    invoice = issued_invoice(
        customer, actor=finance_user, amount=Decimal("4000.00"), issue_date=date(2026, 5, 1)
    )
    # Paid after the rating date: on 2026-06-30 the whole invoice was still open and overdue.
    pay(invoice, actor=finance_user, amount="4000.00", on=date(2026, 7, 3))

    lines = _lines(_rated(customer))

    assert lines["overdue_to_limit"]["value"] == "50.0"
    assert lines["utilisation"]["value"] == "50.0"
    assert lines["days_beyond_terms"]["note"] == "no_data"


def test_disputed_share_counts_invoices_issued_in_the_last_twelve_months(finance_user):
    customer = CustomerFactory()
    old = paid_invoice(
        customer,
        actor=finance_user,
        amount="100.00",
        issue_date=date(2025, 6, 30),
        paid_on=date(2025, 7, 1),
    )
    services.invoice_set_disputed(actor=finance_user, invoice=old, disputed=True)
    for day in (1, 2, 3, 4):
        invoice = paid_invoice(
            customer,
            actor=finance_user,
            amount="100.00",
            issue_date=date(2026, 1, day),
            paid_on=date(2026, 1, 20),
        )
    services.invoice_set_disputed(actor=finance_user, invoice=invoice, disputed=True)

    lines = _lines(_rated(customer))

    assert lines["disputed_share"]["value"] == "25.0"  # 1 of 4; the 2025-06-30 one is outside
    assert lines["disputed_share"]["points"] == "0.00"  # beyond the 20% that scores nothing


def test_tenure_counts_whole_months_since_the_first_invoice(finance_user):
    customer = CustomerFactory()
    paid_invoice(
        customer,
        actor=finance_user,
        amount="100.00",
        issue_date=date(2023, 7, 1),
        paid_on=date(2023, 7, 5),
    )
    paid_invoice(
        customer,
        actor=finance_user,
        amount="100.00",
        issue_date=date(2026, 6, 1),
        paid_on=date(2026, 6, 5),
    )

    lines = _lines(_rated(customer))

    assert (lines["tenure"]["value"], lines["tenure"]["points"]) == ("35", "9.72")


def test_approved_write_offs_count_against_what_was_invoiced_in_three_years(
    finance_user, manager_user
):
    customer = CustomerFactory()
    invoice = issued_invoice(
        customer, actor=finance_user, amount=Decimal("10000.00"), issue_date=date(2026, 1, 10)
    )
    pay(invoice, actor=finance_user, amount="9000.00", on=date(2026, 3, 1))
    installment = invoice.installments.get()
    approved = services.write_off_request(
        actor=finance_user, installment=installment, amount=Decimal("600.00"), reason="无法收回"
    )
    services.write_off_approve(
        actor=manager_user, write_off=approved, effective_on=date(2026, 4, 1)
    )
    # Pending and rejected write-offs are only requests: not counted.
    services.write_off_request(
        actor=finance_user, installment=installment, amount=Decimal("100.00"), reason="待定"
    )
    rejected = services.write_off_request(
        actor=finance_user, installment=installment, amount=Decimal("100.00"), reason="拒绝"
    )
    services.write_off_reject(actor=manager_user, write_off=rejected)

    lines = _lines(_rated(customer))

    assert lines["written_off_share"]["value"] == "6.0"  # 600 of 10,000
    assert lines["written_off_share"]["points"] == "0.00"


def test_a_foreign_currency_customer_is_measured_in_the_base_currency(finance_user):
    services.exchange_rate_set(
        actor=finance_user,
        currency="USD",
        rate_date=date(2026, 3, 1),
        rate_to_base=Decimal("7.00000000"),
    )
    customer = CustomerFactory(currency="USD", credit_limit=Decimal("2000.00"))
    # 100 USD paid 20 days late; 300 USD open. The limit (in USD) converts at the same rate.
    paid_invoice(
        customer,
        actor=finance_user,
        amount="100.00",
        issue_date=date(2026, 4, 1),
        paid_on=date(2026, 5, 21),
    )
    issued_invoice(
        customer, actor=finance_user, amount=Decimal("300.00"), issue_date=date(2026, 5, 1)
    )

    lines = _lines(_rated(customer))

    assert lines["days_beyond_terms"]["value"] == "20.0"
    # 300 USD open and overdue (2,100 CNY) against 2,000 USD (14,000 CNY): 15%.
    assert lines["overdue_to_limit"]["value"] == "15.0"
    assert lines["utilisation"]["value"] == "15.0"


def test_archived_customers_and_customers_without_posted_invoices_are_not_rated(finance_user):
    archived = CustomerFactory()
    issued_invoice(
        archived, actor=finance_user, amount=Decimal("100.00"), issue_date=date(2026, 6, 1)
    )
    customer_archive(actor=finance_user, customer=archived)
    CustomerFactory()  # nothing issued yet
    rated = CustomerFactory()
    issued_invoice(rated, actor=finance_user, amount=Decimal("100.00"), issue_date=date(2026, 6, 1))

    assert customers_rate(on_date=EXAMPLE_ON) == 1
    assert list(CustomerRating.objects.values_list("customer_id", flat=True)) == [rated.pk]
