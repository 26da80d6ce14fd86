"""A customer's collections profile page (/customers/<pk>/collections/): who sees it (a sales
rep: own customers only), who changes it (Finance, Manager, Admin), the validation of
do-not-contact and legal escalation, the audit trail, which policy is in force and why, and
that the dunning run honours what the page sets."""

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from arcollections.models import CollectionProfile, DunningMessage, DunningPolicy
from arcollections.services.dunning import dunning_run
from tests.collections.conftest import dunned_customer, invoice_due, seed_policies
from tests.factories import CustomerFactory
from tests.pages import history_changes, queries_to_render

pytestmark = pytest.mark.django_db

# A Tuesday and a working day; an invoice due the day before has reached the +1 step.
RUN_DATE = date(2026, 3, 10)


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture(autouse=True)
def policies(db):
    seed_policies()


def _page_url(customer):
    return reverse("customer-collections-profile", args=[customer.pk])


def _edit_url(customer):
    return reverse("customer-collections-profile-edit", args=[customer.pk])


def _errors(response) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for field, message in re.findall(
        r'data-field-error="([^"]+)">([^<]*)<', response.content.decode()
    ):
        found.setdefault(field, []).append(html.unescape(message))
    return found


def _form(**changes) -> dict:
    data = {
        "policy": "",
        "do_not_contact_reason": "",
        "legal_stage": "",
        "legal_since": "",
        "legal_agent": "",
        "legal_amount": "",
        "legal_currency": "",
        "legal_notes": "",
    }
    data.update(changes)
    return data


def _in_force(response) -> str:
    cell = re.search(r"data-policy-in-force>(.*?)</dd>", response.content.decode(), re.S)[1]
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split())


def test_a_sales_rep_reads_the_profile_of_own_customers_only(
    client, sales_user, customer, other_sales_user
):
    others = CustomerFactory(owner=other_sales_user)
    client.force_login(sales_user)

    own = client.get(_page_url(customer))

    assert own.status_code == 200
    assert 'id="profile-form"' not in own.content.decode()
    assert client.get(_page_url(others)).status_code == 404


@pytest.mark.parametrize("user", ["sales_user", "auditor_user"])
def test_sales_and_auditors_cannot_change_a_profile(client, request, customer, user):
    client.force_login(request.getfixturevalue(user))

    response = client.post(
        _edit_url(customer), _form(do_not_contact="on", do_not_contact_reason="x")
    )

    assert response.status_code == 403
    assert not CollectionProfile.objects.filter(customer=customer).exists()


@pytest.mark.parametrize("user", ["finance_user", "manager_user", "admin_user_"])
def test_finance_managers_and_admins_mark_a_customer_do_not_contact(
    client, request, customer, user
):
    actor = request.getfixturevalue(user)
    client.force_login(actor)

    response = client.post(
        _edit_url(customer), _form(do_not_contact="on", do_not_contact_reason="破产重整中")
    )

    assert response.status_code == 302
    assert response.url == _page_url(customer)
    profile = CollectionProfile.objects.get(customer=customer)
    assert (profile.do_not_contact, profile.do_not_contact_reason) == (True, "破产重整中")
    assert profile.history.get().history_user == actor
    page = client.get(_page_url(customer)).content.decode()
    assert "data-do-not-contact" in page


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"do_not_contact": "on"},
            {"do_not_contact_reason": ["Say why the customer may not be contacted."]},
        ),
        (
            {"legal_stage": "litigation", "legal_agent": "金杜律师事务所"},
            {"legal_since": ["Give the date the customer was handed over."]},
        ),
        (
            {"legal_stage": "agency", "legal_since": "2026-03-01"},
            {"legal_agent": ["Name the lawyer or agency."]},
        ),
        (
            {
                "legal_stage": "agency",
                "legal_since": "2026-03-01",
                "legal_agent": "A",
                "legal_amount": "100.00",
            },
            {"legal_currency": ["Give the amount's currency."]},
        ),
        (
            {"legal_amount": "-1.00", "legal_currency": "CNY"},
            {"legal_amount": ["Ensure this value is greater than or equal to 0."]},
        ),
    ],
)
def test_an_incomplete_profile_is_refused_on_its_field(
    client, finance_user, customer, data, errors
):
    client.force_login(finance_user)

    response = client.post(_edit_url(customer), _form(**data))

    assert response.status_code == 400
    assert _errors(response) == errors
    assert not CollectionProfile.objects.filter(customer=customer).exists()


def test_legal_escalation_is_recorded_shown_and_audited(client, finance_user, customer):
    client.force_login(finance_user)
    client.post(_edit_url(customer), _form(do_not_contact="on", do_not_contact_reason="x"))

    response = client.post(
        _edit_url(customer),
        _form(
            legal_stage="litigation",
            legal_since="2026-03-01",
            legal_agent="北京金杜律师事务所",
            legal_amount="125000.50",
            legal_currency="CNY",
            legal_notes="已向法院提起诉讼",
        ),
    )

    assert response.status_code == 302
    profile = CollectionProfile.objects.get(customer=customer)
    assert (
        profile.legal_stage,
        profile.legal_since,
        profile.legal_agent,
        profile.legal_amount,
        profile.legal_currency,
        profile.do_not_contact,
        profile.do_not_contact_reason,
    ) == (
        "litigation",
        date(2026, 3, 1),
        "北京金杜律师事务所",
        Decimal("125000.50"),
        "CNY",
        False,
        "",
    )
    page = client.get(_page_url(customer)).content.decode()
    assert "data-legal-stage>Litigation<" in page
    assert "¥125,000.50" in page
    changed = {field for field, *_rest in history_changes(page)}
    assert {"legal_stage", "legal_agent", "do_not_contact"} <= changed


def test_the_page_says_which_policy_is_in_force_and_why(client, finance_user):
    standard = DunningPolicy.objects.get(code="STANDARD")
    key = DunningPolicy.objects.get(code="KEY")
    strict = DunningPolicy.objects.get(code="STRICT")
    plain = CustomerFactory(tier="B", credit_rating="")
    key_account = CustomerFactory(tier="A", credit_rating="A")
    risky = CustomerFactory(tier="A", credit_rating="CC")
    client.force_login(finance_user)

    assert _in_force(client.get(_page_url(plain))) == f"STANDARD {standard.name} (default policy)"
    assert _in_force(client.get(_page_url(key_account))) == f"KEY {key.name} (default for tier A)"
    assert _in_force(client.get(_page_url(risky))) == (
        f"STRICT {strict.name} (default for rating CC)"
    )

    client.post(_edit_url(plain), _form(policy=str(strict.pk)))

    assert _in_force(client.get(_page_url(plain))) == (
        f"STRICT {strict.name} (set for this customer)"
    )


def test_the_dunning_run_leaves_out_a_customer_marked_do_not_contact(client, finance_user):
    quiet = dunned_customer(language="zh-hans")
    other = dunned_customer(language="zh-hans")
    for customer in (quiet, other):
        invoice_due(customer, actor=finance_user, due=date(2026, 3, 9))
    client.force_login(finance_user)
    client.post(_edit_url(quiet), _form(do_not_contact="on", do_not_contact_reason="协商中"))

    dunning_run(run_date=RUN_DATE)

    assert list(DunningMessage.objects.values_list("customer_id", flat=True)) == [other.pk]


def test_the_profile_page_costs_the_same_queries_whatever_the_messages(client, finance_user):
    customer = dunned_customer()
    client.force_login(finance_user)
    queries_to_render(client, _page_url(customer))
    small = queries_to_render(client, _page_url(customer))
    invoice_due(customer, actor=finance_user, due=date(2026, 3, 9))
    invoice_due(customer, actor=finance_user, due=date(2026, 3, 2))
    dunning_run(run_date=RUN_DATE)
    dunning_run(run_date=date(2026, 3, 17))

    # 03-10: +1 e-mail (invoice due 03-09) and +7 e-mail (due 03-02, one message);
    # 03-17: +7 e-mail and the +15 call task.
    assert DunningMessage.objects.filter(customer=customer).count() == 3
    assert queries_to_render(client, _page_url(customer)) == small
