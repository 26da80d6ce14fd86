"""Every page that chooses a customer uses the picker (customers.fields.CustomerField): its cost
and its HTML do not grow with the customer archive, the list filters take a code as well as the
primary key that links send, and the invoice editor offers the chosen customer's contracts only."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from receivables import services
from receivables.models import Invoice
from tests.factories import CustomerFactory, issued_invoice, recorded_payment
from tests.pages import queries_to_render

pytestmark = pytest.mark.django_db

PAGES = [
    ("invoice-list", "?customer={chosen.pk}"),
    ("payment-list", "?customer={chosen.pk}"),
    ("contract-list", "?customer={chosen.pk}"),
    ("credit-note-list", "?customer={chosen.pk}"),
    ("write-off-list", "?customer={chosen.pk}"),
    ("invoice-create", "?customer={chosen.pk}"),
    ("invoice-edit", ""),
    ("payment-create", "?customer={chosen.pk}"),
    ("contract-create", ""),
    ("contract-edit", ""),
]


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def chosen(finance_user):
    return CustomerFactory(code="PICK-1", legal_name="被选中有限公司", short_name="被选中")


@pytest.fixture
def chosen_draft(chosen, finance_user):
    return services.invoice_create_draft(
        actor=finance_user,
        customer=chosen,
        issue_date=date(2026, 3, 10),
        lines=[{"description": "货物", "quantity": 1, "unit_price": Decimal("100.00")}],
    )


def make_contract(customer, actor, number):
    return services.contract_create(
        actor=actor,
        customer=customer,
        number=number,
        title="供货合同",
        signed_on=date(2026, 1, 5),
        amount=Decimal("1000.00"),
    )


@pytest.fixture
def chosen_contract(chosen, finance_user):
    return make_contract(chosen, finance_user, "HT-PICK")


def add_other_customers(actor, count: int) -> list:
    """Customers that a page about `chosen` has no reason to show, each with a contract."""
    others = []
    for _ in range(count):
        other = CustomerFactory()
        make_contract(other, actor, f"HT-{other.code}")
        others.append(other)
    return others


def page_url(name, query, *, chosen, draft, contract) -> str:
    args = {"invoice-edit": [draft.pk], "contract-edit": [contract.pk]}.get(name, [])
    return reverse(name, args=args) + query.format(chosen=chosen)


@pytest.mark.parametrize(("name", "query"), PAGES)
def test_the_page_costs_the_same_and_lists_no_customer_for_2_and_30_customers(
    client, finance_user, chosen, chosen_draft, chosen_contract, name, query
):
    url = page_url(name, query, chosen=chosen, draft=chosen_draft, contract=chosen_contract)
    others = add_other_customers(finance_user, 1)
    client.force_login(finance_user)
    with_2 = queries_to_render(client, url)

    others += add_other_customers(finance_user, 28)
    with_30 = queries_to_render(client, url)
    page = client.get(url).content.decode()

    assert with_2 == with_30
    for other in others:
        for shown in (other.code, other.legal_name, other.short_name, f"HT-{other.code}"):
            assert shown not in page, f"{shown} is on {url}"
    assert page.count('type="search" name="customer"') == 1


@pytest.mark.parametrize(
    ("name", "query"),
    [(name, query) for name, query in PAGES if query or name != "contract-create"],
)
def test_the_page_shows_the_chosen_customers_code_and_name(
    client, finance_user, chosen, chosen_draft, chosen_contract, name, query
):
    client.force_login(finance_user)
    url = page_url(name, query, chosen=chosen, draft=chosen_draft, contract=chosen_contract)

    page = client.get(url).content.decode()

    assert 'name="customer" value="PICK-1"' in page
    assert 'title="被选中有限公司">被选中</div>' in page


@pytest.mark.parametrize("list_name", ["invoice-list", "payment-list"])
def test_a_list_filters_by_a_typed_code_or_by_the_primary_key_a_link_sends(
    client, finance_user, chosen, list_name
):
    other = CustomerFactory(code="PICK-2")
    if list_name == "invoice-list":
        mine, theirs = (issued_invoice(c, actor=finance_user) for c in (chosen, other))
    else:
        mine, theirs = (recorded_payment(c, actor=finance_user) for c in (chosen, other))
    client.force_login(finance_user)

    def listed(customer):
        response = client.get(reverse(list_name), {"customer": customer})
        return response, {row.number for row in response.context["page"]}

    assert listed("pick-1")[1] == {mine.number}
    assert listed(str(chosen.pk))[1] == {mine.number}
    response, numbers = listed("NOBODY")
    assert numbers == {mine.number, theirs.number}
    assert "No customer with code “NOBODY” that you may see." in response.content.decode()


def test_a_sales_rep_cannot_filter_by_another_reps_customer(
    client, sales_user, other_sales_user, finance_user
):
    theirs = CustomerFactory(code="THEIRS-1", owner=other_sales_user)
    issued_invoice(theirs, actor=finance_user)
    client.force_login(sales_user)

    response = client.get(reverse("invoice-list"), {"customer": theirs.pk})

    page = response.content.decode()
    assert list(response.context["page"]) == []
    assert f"No customer with code “{theirs.pk}” that you may see." in page
    assert theirs.legal_name not in page


# --- the invoice editor's contracts --------------------------------------------------------


def contract_options(page: str) -> list[str]:
    start = page.index('<select name="contract"')
    select = page[start : page.index("</select>", start)]
    return [line.split(">")[1].split("<")[0] for line in select.split("<option")[1:]]


def test_the_editor_offers_only_the_chosen_customers_contracts(
    client, finance_user, chosen, chosen_contract
):
    add_other_customers(finance_user, 2)
    client.force_login(finance_user)

    preselected = client.get(reverse("invoice-create"), {"customer": chosen.pk})
    blank = client.get(reverse("invoice-create"))

    assert contract_options(preselected.content.decode()) == ["No contract", "HT-PICK 供货合同"]
    assert contract_options(blank.content.decode()) == ["No contract"]


def test_the_contract_field_follows_the_customer_being_typed(
    client, finance_user, chosen, chosen_contract
):
    (other,) = add_other_customers(finance_user, 1)
    client.force_login(finance_user)
    url = reverse("invoice-contract-choices")

    for_chosen = client.get(url, {"customer": "pick-1", "contract": chosen_contract.pk})
    for_other = client.get(url, {"customer": other.code, "contract": chosen_contract.pk})
    for_partial = client.get(url, {"customer": "pic"})

    chosen_page = for_chosen.content.decode()
    assert contract_options(chosen_page) == ["No contract", "HT-PICK 供货合同"]
    assert f'<option value="{chosen_contract.pk}" selected>' in chosen_page
    assert contract_options(for_other.content.decode()) == [
        "No contract",
        f"HT-{other.code} 供货合同",
    ]
    assert contract_options(for_partial.content.decode()) == ["No contract"]
    assert 'id="invoice-contract"' in chosen_page


def test_the_contract_field_is_for_those_who_write_invoices(client, sales_user):
    client.force_login(sales_user)

    assert client.get(reverse("invoice-contract-choices")).status_code == 403


def test_a_draft_cannot_take_another_customers_contract(
    client, finance_user, chosen, chosen_contract
):
    (other,) = add_other_customers(finance_user, 1)
    theirs = other.contracts.get()
    client.force_login(finance_user)
    data = {
        "customer": "PICK-1",
        "issue_date": "2026-03-10",
        "payment_terms": "",
        "contract": theirs.pk,
        "currency": "",
        "fapiao_number": "",
        "notes": "",
        "lines-TOTAL_FORMS": 1,
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 1,
        "lines-MAX_NUM_FORMS": 200,
        "lines-0-description": "货物",
        "lines-0-quantity": "1",
        "lines-0-unit_price": "100",
        "lines-0-tax_percent": "13",
    }

    refused = client.post(reverse("invoice-create"), data)
    saved = client.post(reverse("invoice-create"), {**data, "contract": chosen_contract.pk})

    assert refused.status_code == 400
    assert refused.context["form"].errors["contract"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert saved.status_code == 302
    invoice = Invoice.objects.get()
    assert (invoice.customer, invoice.contract) == (chosen, chosen_contract)
