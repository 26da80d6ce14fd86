"""Bad-debt provision (坏账准备): the brackets and specific provisions against hand-computed
amounts (docs/aging-and-provision.md), and the services that make and end specific ones."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from core.exceptions import ApplicationError, PermissionDeniedError
from reports import services
from reports.models import ProvisionBracket, SpecificProvision
from reports.provision import provision_report
from tests.factories import CustomerFactory
from tests.reports.aging_world import (
    AS_OF,
    LATER,
    build_example_ledger,
    invoice,
    relax_credit_control,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(finance_user):
    return build_example_ledger(finance_user)


def specific(actor, customer, *, on=date(2026, 1, 1), **terms):
    return services.specific_provision_create(
        actor=actor, customer=customer, reason="诉讼中", effective_on=on, **terms
    )


def bracket_lines(report) -> list[tuple[str, D, D, D]]:
    return [
        (line.label, line.balance, line.bracket.percent, line.provision) for line in report.brackets
    ]


def test_the_default_brackets_come_from_the_data_migration():
    assert list(ProvisionBracket.objects.values_list("from_days", "percent")) == [
        (0, D("5.00")),
        (366, D("10.00")),
        (731, D("30.00")),
        (1096, D("50.00")),
        (1461, D("80.00")),
        (1826, D("100.00")),
    ]


def test_general_provision_of_the_example(ledger, finance_user):
    report = provision_report(user=finance_user, as_of=AS_OF)

    # 0–365 days past due (current included): 2,000 + 400 + 700 + 233.31 + 80 + 70 = 3,483.31,
    # at 5% = 174.1655 → 174.17. 366–730: A3's 450 at 10% = 45.00.
    assert bracket_lines(report) == [
        ("0–365 days", D("3483.31"), D("5.00"), D("174.17")),
        ("366–730 days", D("450.00"), D("10.00"), D("45.00")),
        ("731–1095 days", D("0.00"), D("30.00"), D("0.00")),
        ("1096–1460 days", D("0.00"), D("50.00"), D("0.00")),
        ("1461–1825 days", D("0.00"), D("80.00"), D("0.00")),
        ("Over 1825 days", D("0.00"), D("100.00"), D("0.00")),
    ]
    assert report.general_provision == D("219.17")
    assert report.specific == []
    assert report.total_balance == D("3933.31")
    assert report.total_provision == D("219.17")


def test_a_specific_provision_replaces_the_general_one_for_that_customers_balance(
    ledger, finance_user
):
    specific(finance_user, ledger.b, percent=D("50"))
    specific(finance_user, ledger.a, amount=D("5000.00"))

    report = provision_report(user=finance_user, as_of=AS_OF)

    # Only C stays in the brackets: 150.00 at 5% = 7.50.
    assert bracket_lines(report)[:2] == [
        ("0–365 days", D("150.00"), D("5.00"), D("7.50")),
        ("366–730 days", D("0.00"), D("10.00"), D("0.00")),
    ]
    # B: 933.31 at 50% = 466.655 → 466.66; A: 5,000 capped at its balance of 2,850.00.
    assert [
        (line.specific.customer.code, line.balance, line.provision) for line in report.specific
    ] == [
        ("A001", D("2850.00"), D("2850.00")),
        ("B001", D("933.31"), D("466.66")),
    ]
    assert report.general_provision == D("7.50")
    assert report.specific_provision == D("3316.66")
    assert report.total_provision == D("3324.16")
    assert report.total_balance == D("3933.31")


def test_a_specific_provision_counts_only_while_in_force(ledger, finance_user):
    later = specific(finance_user, ledger.b, on=date(2026, 4, 1), percent=D("40"))

    on_as_of = provision_report(user=finance_user, as_of=AS_OF)
    on_later = provision_report(user=finance_user, as_of=LATER)
    services.specific_provision_end(
        actor=finance_user, specific=later, ended_on=date(2026, 4, 30), reason="已和解"
    )
    after_end = provision_report(user=finance_user, as_of=LATER)

    assert on_as_of.specific == []
    # On 04-30 B owes 100 + 33.33 USD at 7.50 = 750.00 + 249.98 = 999.98; 40% = 399.992 → 399.99.
    assert [(line.balance, line.provision) for line in on_later.specific] == [
        (D("999.98"), D("399.99"))
    ]
    assert after_end.specific == []
    assert after_end.general_balance == on_later.total_balance


def test_each_bracket_from_its_first_to_its_last_day(finance_user):
    relax_credit_control()
    customer = CustomerFactory(credit_limit=D("1e7"))
    for days_past_due in (-5, 365, 366, 730, 731, 1095, 1096, 1460, 1461, 1825, 1826, 3000):
        # Net 30: issued 30 days before it falls due.
        invoice(customer, finance_user, "100.00", AS_OF - timedelta(days=days_past_due + 30))

    report = provision_report(user=finance_user, as_of=AS_OF)

    assert [(line.balance, line.provision) for line in report.brackets] == [
        (D("200.00"), D("10.00")),
        (D("200.00"), D("20.00")),
        (D("200.00"), D("60.00")),
        (D("200.00"), D("100.00")),
        (D("200.00"), D("160.00")),
        (D("200.00"), D("200.00")),
    ]
    assert report.total_provision == D("550.00")


def test_the_percentages_are_read_from_the_brackets_finance_edits(finance_user):
    relax_credit_control()
    customer = CustomerFactory()
    invoice(customer, finance_user, "333.33", AS_OF - timedelta(days=10))
    invoice(customer, finance_user, "100.00", AS_OF - timedelta(days=500))
    ProvisionBracket.objects.filter(from_days=0).update(percent=D("2.5"))

    edited = provision_report(user=finance_user, as_of=AS_OF)
    ProvisionBracket.objects.filter(from_days=0).delete()
    without_first = provision_report(user=finance_user, as_of=AS_OF)

    # 333.33 at 2.5% = 8.33325 → 8.33.
    assert edited.brackets[0].provision == D("8.33")
    assert edited.total_provision == D("18.33")
    # Without a bracket from day 0 what is younger than the first one gets no provision.
    assert without_first.uncovered_balance == D("333.33")
    assert without_first.general_balance == D("433.33")
    assert without_first.total_provision == D("10.00")


def test_a_sales_rep_sees_the_provision_of_their_customers_only(ledger, finance_user):
    specific(finance_user, ledger.b, percent=D("50"))

    report = provision_report(user=ledger.rep_a, as_of=AS_OF)

    assert report.specific == []
    assert report.total_balance == D("2850.00")
    # 2,400 at 5% = 120.00; 450 at 10% = 45.00.
    assert report.total_provision == D("165.00")


# --- services ---


def test_creating_a_specific_provision_is_recorded_with_who_did_it(finance_user):
    customer = CustomerFactory()

    created = specific(finance_user, customer, percent=D("30"))

    assert (created.percent, created.amount, created.reason, created.created_by) == (
        D("30"),
        None,
        "诉讼中",
        finance_user,
    )
    assert [(h.history_type, h.history_user) for h in created.history.all()] == [
        ("+", finance_user)
    ]


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({}, "percent"),
        ({"percent": D("10"), "amount": D("1.00")}, "percent"),
        ({"percent": D("0")}, "percent"),
        ({"percent": D("100.01")}, "percent"),
        ({"amount": D("-1.00")}, "amount"),
    ],
)
def test_a_provision_needs_either_a_valid_percentage_or_a_positive_amount(
    finance_user, terms, field
):
    customer = CustomerFactory()

    with pytest.raises(ApplicationError) as refused:
        specific(finance_user, customer, **terms)

    assert refused.value.field == field
    assert not SpecificProvision.objects.exists()


def test_provisions_of_one_customer_may_not_overlap(finance_user, manager_user):
    customer = CustomerFactory()
    first = specific(finance_user, customer, on=date(2026, 1, 1), percent=D("10"))

    with pytest.raises(ApplicationError) as while_open:
        specific(manager_user, customer, on=date(2026, 6, 1), percent=D("20"))
    services.specific_provision_end(
        actor=manager_user, specific=first, ended_on=date(2026, 3, 1), reason="收回"
    )
    with pytest.raises(ApplicationError) as before_its_end:
        specific(manager_user, customer, on=date(2026, 2, 28), percent=D("20"))
    following = specific(manager_user, customer, on=date(2026, 3, 1), percent=D("20"))

    assert while_open.value.field == before_its_end.value.field == "effective_on"
    assert list(SpecificProvision.objects.order_by("pk")) == [first, following]


def test_ending_a_provision(finance_user, manager_user):
    customer = CustomerFactory()
    created = specific(finance_user, customer, on=date(2026, 1, 1), amount=D("100.00"))

    with pytest.raises(ApplicationError) as too_early:
        services.specific_provision_end(
            actor=manager_user, specific=created, ended_on=date(2026, 1, 1), reason="x"
        )
    ended = services.specific_provision_end(
        actor=manager_user, specific=created, ended_on=date(2026, 2, 1), reason="收回"
    )
    with pytest.raises(ApplicationError) as twice:
        services.specific_provision_end(
            actor=manager_user, specific=created, ended_on=date(2026, 3, 1), reason="x"
        )

    assert too_early.value.field == twice.value.field == "ended_on"
    ended.refresh_from_db()
    assert (ended.ended_on, ended.end_reason) == (date(2026, 2, 1), "收回")
    latest = ended.history.first()
    assert (latest.history_user, latest.ended_on) == (manager_user, date(2026, 2, 1))


@pytest.mark.parametrize("role", ["sales_user", "auditor_user"])
def test_only_finance_and_managers_manage_provisions(request, finance_user, role):
    actor = request.getfixturevalue(role)
    customer = CustomerFactory(owner=actor)
    existing = specific(finance_user, CustomerFactory(owner=actor), percent=D("10"))

    with pytest.raises(PermissionDeniedError):
        specific(actor, customer, percent=D("10"))
    with pytest.raises(PermissionDeniedError):
        services.specific_provision_end(
            actor=actor, specific=existing, ended_on=date(2026, 6, 1), reason="x"
        )

    assert list(SpecificProvision.objects.all()) == [existing]
    existing.refresh_from_db()
    assert existing.ended_on is None
