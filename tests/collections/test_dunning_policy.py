"""Which policy a customer follows, and the next step due per customer (for the worklist)."""

from datetime import date

import pytest

from arcollections.models import CollectionProfile, DunningMessage, DunningPolicy, PromiseToPay
from arcollections.selectors.dunning import (
    next_steps_due,
    policies_for_customers,
    policy_for_customer,
)
from arcollections.services.dunning import dunning_run
from tests.collections.conftest import dunned_customer, invoice_due
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_the_seeded_policies_choose_by_tier_and_rating(standard_policy):
    plain = CustomerFactory(tier="B", credit_rating="A")
    key = CustomerFactory(tier="A", credit_rating="AA")
    risky = CustomerFactory(tier="B", credit_rating="CC")
    # A rating beats a tier: a key account rated C is chased as a risky one.
    risky_key = CustomerFactory(tier="A", credit_rating="C")
    unrated = CustomerFactory(tier="C", credit_rating="")

    chosen = policies_for_customers([c.pk for c in (plain, key, risky, risky_key, unrated)])

    assert {pk: policy.code for pk, policy in chosen.items()} == {
        plain.pk: "STANDARD",
        key.pk: "KEY",
        risky.pk: "STRICT",
        risky_key.pk: "STRICT",
        unrated.pk: "STANDARD",
    }


def test_a_listed_code_matches_whole_codes_only(standard_policy):
    # "C,CC,CCC" lists neither "CCCC" nor "B": those follow the default.
    assert policy_for_customer(CustomerFactory(credit_rating="CCCC")).code == "STANDARD"
    assert policy_for_customer(CustomerFactory(credit_rating="cc")).code == "STRICT"


def test_the_profile_override_wins_and_an_inactive_policy_is_passed_over(standard_policy):
    customer = CustomerFactory(tier="A")
    strict = DunningPolicy.objects.get(code="STRICT")
    CollectionProfile.objects.create(customer=customer, policy=strict)
    assert policy_for_customer(customer).code == "STRICT"

    DunningPolicy.objects.filter(code__in=["STRICT", "KEY"]).update(is_active=False)

    assert policy_for_customer(customer).code == "STANDARD"


def test_without_a_default_policy_a_customer_has_none(standard_policy):
    DunningPolicy.objects.update(is_default=False)

    assert policy_for_customer(CustomerFactory(tier="B")) is None


def test_the_next_step_due_per_customer(standard_policy, finance_user):
    fresh = dunned_customer()
    invoice_due(fresh, actor=finance_user, due=date(2026, 3, 26))
    invoice_due(fresh, actor=finance_user, due=date(2026, 4, 30))
    reminded = dunned_customer()
    invoice_due(reminded, actor=finance_user, due=date(2026, 3, 12))
    dunning_run(run_date=date(2026, 3, 13))  # reminded: +1 sent
    behind = dunned_customer()  # reached +1 already, not run yet
    invoice_due(behind, actor=finance_user, due=date(2026, 3, 10))
    paused = dunned_customer()
    invoice_due(paused, actor=finance_user, due=date(2026, 3, 12))
    PromiseToPay.objects.create(
        customer=paused,
        amount=1000,
        currency="CNY",
        promised_on=date(2026, 3, 10),
        promised_date=date(2026, 3, 31),
    )
    nothing = dunned_customer()

    due = next_steps_due(
        customer_ids=[c.pk for c in (fresh, reminded, behind, paused, nothing)],
        on_date=date(2026, 3, 16),
    )

    assert {pk: (step.step.offset_days, step.due_on) for pk, step in due.items()} == {
        # −3 before 03-26 is Monday 03-23.
        fresh.pk: (-3, date(2026, 3, 23)),
        # +7 after 03-12 is Thursday 03-19.
        reminded.pk: (7, date(2026, 3, 19)),
        # −3 (03-07) and +1 (03-11) were reached and never sent: the run sends the most
        # advanced of them, today.
        behind.pk: (1, date(2026, 3, 16)),
    }
    assert DunningMessage.objects.count() == 1


def test_the_next_step_rolls_over_a_holiday(standard_policy, finance_user):
    customer = dunned_customer()
    invoice_due(customer, actor=finance_user, due=date(2026, 9, 30))
    dunning_run(run_date=date(2026, 9, 28))  # −3 sent

    due = next_steps_due(customer_ids=[customer.pk], on_date=date(2026, 9, 29))

    # +1 is 10-01, National Day: the run sends it on 10-08.
    assert (due[customer.pk].step.offset_days, due[customer.pk].due_on) == (1, date(2026, 10, 8))


def test_next_steps_due_costs_the_same_queries_for_more_customers(
    standard_policy, finance_user, django_assert_num_queries
):
    customers = [dunned_customer() for _ in range(2)]
    for customer in customers:
        invoice_due(customer, actor=finance_user, due=date(2026, 3, 12))
    with django_assert_num_queries(2):
        assert (
            len(next_steps_due(customer_ids=[c.pk for c in customers], on_date=date(2026, 3, 2)))
            == 2
        )
    customers += [dunned_customer() for _ in range(3)]
    for customer in customers[2:]:
        invoice_due(customer, actor=finance_user, due=date(2026, 3, 20))
    with django_assert_num_queries(2):
        assert (
            len(next_steps_due(customer_ids=[c.pk for c in customers], on_date=date(2026, 3, 2)))
            == 5
        )
