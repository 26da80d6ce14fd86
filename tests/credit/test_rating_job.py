"""The nightly rating job and rating on demand: idempotent, resumable, a constant number of
queries, grades written to the customer with an audit row, suggestions from the grade."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.exceptions import ApplicationError, PermissionDeniedError
from credit import services as credit_services
from credit.models import CustomerRating, RatingGrade, ScoringPolicy
from credit.selectors import GradeChange, grade_changes
from credit.services import customer_rate, customers_rate, scoring_policy_activate
from credit.tasks import rate_all_customers
from customers.models import Customer
from customers.services import RATING_CHANGE_REASON, customer_set_rating
from receivables.models import PaymentTerms
from tests.credit.histories import EXAMPLE_ON, paid_invoice, worked_example
from tests.factories import CustomerFactory, issued_invoice

pytestmark = pytest.mark.django_db


def _customers_with_history(count, actor):
    customers = []
    for index in range(count):
        customer = CustomerFactory()
        paid_invoice(
            customer,
            actor=actor,
            amount="1000.00",
            issue_date=date(2026, 1, 5),
            paid_on=date(2026, 2, 4 + index % 20),
        )
        customers.append(customer)
    return customers


def _queries_to_rate(on_date) -> int:
    with CaptureQueriesContext(connection) as captured:
        customers_rate(on_date=on_date)
    return len(captured)


def test_the_job_costs_the_same_queries_for_10_and_for_40_customers(finance_user):
    _customers_with_history(10, finance_user)
    queries_for_10 = _queries_to_rate(EXAMPLE_ON)
    CustomerRating.objects.all().delete()
    _customers_with_history(30, finance_user)

    queries_for_40 = _queries_to_rate(EXAMPLE_ON)

    assert CustomerRating.objects.filter(rated_on=EXAMPLE_ON).count() == 40
    assert queries_for_10 == queries_for_40


def test_running_the_job_twice_a_day_writes_nothing_the_second_time(finance_user):
    customers = _customers_with_history(3, finance_user)
    assert rate_all_customers(EXAMPLE_ON.isoformat()) == 3
    ratings = list(CustomerRating.objects.order_by("pk").values())
    history_rows = Customer.history.count()

    assert rate_all_customers(EXAMPLE_ON.isoformat()) == 0

    assert list(CustomerRating.objects.order_by("pk").values()) == ratings
    assert Customer.history.count() == history_rows
    assert {
        customer.pk: customer.credit_rating
        for customer in Customer.objects.filter(pk__in=[c.pk for c in customers])
    } == {rating["customer_id"]: rating["grade"] for rating in ratings}


def test_a_run_that_fails_midway_is_completed_by_the_next(finance_user, monkeypatch):
    first, second, third = _customers_with_history(3, finance_user)
    monkeypatch.setattr(credit_services, "RATING_BATCH_SIZE", 1)
    real_rating = credit_services._rating

    def crash_on_second(customer, *args, **kwargs):
        if customer.pk == second.pk:
            raise RuntimeError("worker lost")
        return real_rating(customer, *args, **kwargs)

    monkeypatch.setattr(credit_services, "_rating", crash_on_second)
    with pytest.raises(RuntimeError):
        customers_rate(on_date=EXAMPLE_ON)
    assert list(CustomerRating.objects.values_list("customer_id", flat=True)) == [first.pk]
    first_rating = CustomerRating.objects.get(customer=first)
    monkeypatch.setattr(credit_services, "_rating", real_rating)

    assert customers_rate(on_date=EXAMPLE_ON) == 2

    assert set(CustomerRating.objects.values_list("customer_id", flat=True)) == {
        first.pk,
        second.pk,
        third.pk,
    }
    assert CustomerRating.objects.get(customer=first).computed_at == first_rating.computed_at


def test_a_downgrade_changes_the_customer_grade_and_is_audited_without_a_user(finance_user):
    customer = CustomerFactory(credit_limit=Decimal("100000.00"))
    paid_invoice(
        customer,
        actor=finance_user,
        amount="10000.00",
        issue_date=date(2026, 1, 5),
        paid_on=date(2026, 2, 1),
    )
    customers_rate(on_date=date(2026, 2, 28))
    customer.refresh_from_db()
    # Paid on time, nothing owed, one month of tenure: 75.28 points of 85 weighed, 88.56.
    assert customer.credit_rating == "AA"
    # 60,000.00 due 2026-03-31 still open on 2026-06-30: 60% of the limit overdue and used.
    issued_invoice(
        customer, actor=finance_user, amount=Decimal("60000.00"), issue_date=date(2026, 3, 1)
    )

    customers_rate(on_date=EXAMPLE_ON)

    customer.refresh_from_db()
    rating = CustomerRating.objects.get(customer=customer, rated_on=EXAMPLE_ON)
    # 25 + 15 + 0 (overdue) + 8 (utilisation) + 5 + 1.39 (5 months) + 5 = 59.39 of 85: 69.87.
    assert (rating.score, rating.grade, customer.credit_rating) == (Decimal("69.87"), "B", "B")
    audit = customer.history.order_by("-history_date", "-history_id").first()
    assert (audit.history_type, audit.history_user, audit.history_change_reason) == (
        "~",
        None,
        RATING_CHANGE_REASON,
    )
    assert (audit.prev_record.credit_rating, audit.credit_rating) == ("AA", "B")


def test_an_unchanged_grade_leaves_no_audit_row(finance_user):
    customer = _customers_with_history(1, finance_user)[0]
    customers_rate(on_date=date(2026, 6, 29))
    history_rows = customer.history.count()

    customers_rate(on_date=EXAMPLE_ON)

    assert CustomerRating.objects.filter(customer=customer).count() == 2
    assert customer.history.count() == history_rows


def test_rating_on_demand_replaces_the_days_rating_in_the_users_name(finance_user, manager_user):
    customer = CustomerFactory(credit_limit=Decimal("100000.00"))
    worked_example(customer, actor=finance_user)
    customers_rate(on_date=EXAMPLE_ON)
    Customer.objects.filter(pk=customer.pk).update(credit_limit=Decimal("50000.00"))

    rating = customer_rate(actor=manager_user, customer=customer, on_date=EXAMPLE_ON)

    assert CustomerRating.objects.filter(customer=customer).count() == 1
    stored = CustomerRating.objects.get(customer=customer, rated_on=EXAMPLE_ON)
    assert (stored.rated_by, stored.score) == (manager_user, rating.score)
    lines = {line["factor"]: line for line in stored.factors}
    assert lines["overdue_to_limit"]["value"] == "80.0"  # 40,000 of the new 50,000
    assert lines["utilisation"]["value"] == "110.0"
    # The worked example's 52.27 points less overdue (3.00) and utilisation (9.00), of 95.
    assert stored.score == Decimal("42.39")


def test_rating_on_demand_needs_the_manage_credit_capability(sales_user, customer, finance_user):
    issued_invoice(
        customer, actor=finance_user, amount=Decimal("100.00"), issue_date=date(2026, 6, 1)
    )

    with pytest.raises(PermissionDeniedError):
        customer_rate(actor=sales_user, customer=customer, on_date=EXAMPLE_ON)

    assert not CustomerRating.objects.exists()


def test_a_customer_without_posted_invoices_cannot_be_rated(manager_user, customer):
    with pytest.raises(ApplicationError) as refused:
        customer_rate(actor=manager_user, customer=customer, on_date=EXAMPLE_ON)

    assert refused.value.code == "nothing_to_rate"
    assert not CustomerRating.objects.exists()


def test_the_grade_suggests_limit_and_terms(finance_user, manager_user):
    nine_grades = ScoringPolicy.objects.get(name__startswith="三等九级")
    net60 = PaymentTerms.objects.create(code="N60", name="Net 60", net_days=60)
    RatingGrade.objects.filter(policy=nine_grades, grade="BB").update(payment_terms=net60)
    scoring_policy_activate(actor=manager_user, policy=nine_grades)
    customer = CustomerFactory(credit_limit=Decimal("100000.00"))
    worked_example(customer, actor=finance_user)

    customers_rate(on_date=EXAMPLE_ON)

    rating = CustomerRating.objects.get(customer=customer)
    # Score 55.02: BB on the nine-grade scale (limit factor 0.80). Sales in the last twelve
    # months 125,000.00 → 10,416.67 a month × 1 month (NET30) × 0.80 = 8,333.33 → 8,000.00.
    assert (rating.grade, rating.policy) == ("BB", nine_grades)
    assert rating.suggested_credit_limit == Decimal("8000.00")
    assert rating.suggested_payment_terms == net60
    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("100000.00")  # suggested, not applied


def test_no_limit_is_suggested_without_default_terms(finance_user):
    customer = CustomerFactory(credit_limit=Decimal("100000.00"))
    worked_example(customer, actor=finance_user)
    Customer.objects.filter(pk=customer.pk).update(default_payment_terms=None)

    customers_rate(on_date=EXAMPLE_ON)

    assert CustomerRating.objects.get(customer=customer).suggested_credit_limit is None


def test_only_one_policy_is_active_and_it_must_be_able_to_rate(manager_user):
    five, nine = ScoringPolicy.objects.order_by("pk")
    scoring_policy_activate(actor=manager_user, policy=nine)
    assert list(ScoringPolicy.objects.filter(is_active=True)) == [nine]
    RatingGrade.objects.filter(policy=five, grade="C").update(min_score=Decimal("10"))

    with pytest.raises(ApplicationError):
        scoring_policy_activate(actor=manager_user, policy=five)

    assert list(ScoringPolicy.objects.filter(is_active=True)) == [nine]


def test_grade_changes_lists_who_moved_since_their_previous_rating(finance_user):
    steady, falling = _customers_with_history(2, finance_user)
    customers_rate(on_date=date(2026, 2, 28))
    issued_invoice(
        falling, actor=finance_user, amount=Decimal("60000.00"), issue_date=date(2026, 3, 1)
    )
    customers_rate(on_date=EXAMPLE_ON)
    before, after = CustomerRating.objects.filter(customer=falling).order_by("rated_on")

    changes = grade_changes(on_date=EXAMPLE_ON)

    assert changes == [
        GradeChange(falling.pk, EXAMPLE_ON, before.grade, after.grade, before.score, after.score)
    ]
    assert changes[0].is_downgrade
    assert grade_changes(on_date=date(2026, 2, 28)) == []  # first ratings change nothing


def test_setting_one_customers_grade_is_audited_in_the_users_name(customer, manager_user):
    customer_set_rating(actor_or_none=manager_user, customer=customer, rating="AA")

    customer.refresh_from_db()
    audit = customer.history.order_by("-history_date", "-history_id").first()
    assert (customer.credit_rating, audit.credit_rating, audit.history_user) == (
        "AA",
        "AA",
        manager_user,
    )


def test_only_credit_managers_set_a_grade(customer, sales_user):
    history_rows = customer.history.count()

    with pytest.raises(PermissionDeniedError):
        customer_set_rating(actor_or_none=sales_user, customer=customer, rating="AAA")

    customer.refresh_from_db()
    assert (customer.credit_rating, customer.history.count()) == ("", history_rows)
