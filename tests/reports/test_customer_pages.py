"""The customer list and the customer 360 page: search, filters, sorting, balances in the header,
every tab, role scoping, and a constant number of SQL queries whatever the number of rows."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.templatetags.huikuan import money
from customers.services import name_initials
from receivables import services
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    PaymentTermsFactory,
    UserFactory,
    issued_invoice,
    recorded_payment,
)
from tests.pages import queries_to_render

pytestmark = pytest.mark.django_db

TABS = [
    "installments",
    "invoices",
    "payments",
    "contracts",
    "contacts",
    "statements",
    "collections",
    "history",
]


@pytest.fixture
def client():
    """Pages in English, whatever the default language, so that tests can compare labels."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def cny(amount: str) -> str:
    return money(Decimal(amount), "CNY")


def usd(amount: str) -> str:
    return money(Decimal(amount), "USD")


def named_customer(legal_name: str, short_name: str = "", **fields):
    """A customer whose pinyin initials are filled in as customers.services would."""
    return CustomerFactory(
        legal_name=legal_name,
        short_name=short_name,
        name_initials=name_initials(legal_name, short_name),
        **fields,
    )


def listed_codes(response) -> list[str]:
    """The customer codes in the list's rows, in display order."""
    return re.findall(r'data-customer-row="([^"]+)"', response.content.decode())


def list_url(**query) -> str:
    url = reverse("customer-list")
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def detail_url(customer, tab: str | None = None) -> str:
    url = reverse("customer-detail", args=[customer.pk])
    return f"{url}?tab={tab}" if tab else url


def days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


def kpi(response, name: str) -> str:
    match = re.search(rf'data-kpi="{name}">([^<]*)<', response.content.decode())
    assert match, f"no {name} figure on the page"
    return match.group(1).strip()


# --- the list -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["hzkj", "HZKJ", "hzk", "hk", "杭科", "HZ001", "hz0"])
def test_search_finds_a_customer_by_initials_short_name_or_code(client, finance_user, text):
    wanted = named_customer("杭州科技有限公司", "杭科", code="HZ001")
    named_customer("北京贸易有限公司", "北贸", code="BJ001")
    client.force_login(finance_user)

    response = client.get(list_url(q=text))

    assert listed_codes(response) == [wanted.code]


def test_initials_match_only_from_the_start_of_a_name(client, finance_user):
    named_customer("杭州科技有限公司", "杭科", code="HZ001")
    client.force_login(finance_user)

    # "KJ" occurs inside HZKJYXGS but starts neither name's initials.
    assert listed_codes(client.get(list_url(q="kj"))) == []


def test_search_finds_a_customer_by_uscc(client, finance_user):
    wanted = CustomerFactory()
    CustomerFactory()
    client.force_login(finance_user)

    response = client.get(list_url(q=wanted.uscc.lower()))

    assert listed_codes(response) == [wanted.code]


@pytest.mark.parametrize(
    ("query", "wanted_fields", "other_fields"),
    [
        ("tier=A", {"tier": "A"}, {"tier": "B"}),
        ("status=on_hold", {"status": "on_hold"}, {"status": "active"}),
        ("status=blocked", {"status": "blocked"}, {"status": "on_hold"}),
        ("status=archived", {"is_archived": True}, {}),
        ("region=华东", {"region": "华东"}, {"region": "华北"}),
    ],
)
def test_each_filter_narrows_the_list_exactly(
    client, finance_user, query, wanted_fields, other_fields
):
    wanted = CustomerFactory(**wanted_fields)
    CustomerFactory(**other_fields)
    client.force_login(finance_user)

    assert listed_codes(client.get(f"{list_url()}?{query}")) == [wanted.code]


def test_archived_customers_are_left_out_unless_asked_for(client, finance_user):
    active = CustomerFactory()
    CustomerFactory(is_archived=True)
    client.force_login(finance_user)

    assert listed_codes(client.get(list_url())) == [active.code]


def test_owner_filter_narrows_to_one_reps_customers(
    client, finance_user, sales_user, other_sales_user
):
    mine = CustomerFactory(owner=sales_user)
    CustomerFactory(owner=other_sales_user)
    client.force_login(finance_user)

    assert listed_codes(client.get(list_url(owner=sales_user.pk))) == [mine.code]


def test_overdue_only_keeps_customers_with_overdue_installments(client, finance_user):
    net30 = PaymentTermsFactory(net_days=30)
    late = CustomerFactory()
    on_time = CustomerFactory()
    CustomerFactory()  # owes nothing
    issued_invoice(late, actor=finance_user, issue_date=days_ago(40), terms=net30)
    issued_invoice(on_time, actor=finance_user, issue_date=days_ago(5), terms=net30)
    client.force_login(finance_user)

    assert listed_codes(client.get(list_url(overdue="on"))) == [late.code]


def test_list_sorts_by_open_balance_both_ways(client, finance_user):
    customers = {}
    for code, amount in [("C-300", "300.00"), ("C-100", "100.00"), ("C-200", "200.00")]:
        customers[code] = CustomerFactory(code=code)
        issued_invoice(customers[code], actor=finance_user, amount=Decimal(amount))
    client.force_login(finance_user)

    assert listed_codes(client.get(list_url(sort="open"))) == ["C-100", "C-200", "C-300"]
    assert listed_codes(client.get(list_url(sort="-open"))) == ["C-300", "C-200", "C-100"]


def test_list_pages_by_25_and_keeps_the_sort(client, finance_user):
    for number in range(27):
        CustomerFactory(code=f"C-{number:02d}")
    client.force_login(finance_user)

    first = client.get(list_url(sort="-code"))
    second = client.get(list_url(sort="-code", page=2))

    assert listed_codes(first) == [f"C-{number:02d}" for number in range(26, 1, -1)]
    assert listed_codes(second) == ["C-01", "C-00"]
    assert "?sort=-code&amp;page=2" in first.content.decode()


def test_list_shows_balances_in_base_currency(client, finance_user):
    net30 = PaymentTermsFactory(net_days=30)
    customer = CustomerFactory(code="C-1")
    issued_invoice(
        customer,
        actor=finance_user,
        amount=Decimal("1234.50"),
        issue_date=days_ago(40),
        terms=net30,
    )
    issued_invoice(
        customer, actor=finance_user, amount=Decimal("100.00"), issue_date=days_ago(1), terms=net30
    )
    client.force_login(finance_user)

    row = re.search(
        r'data-customer-row="C-1">(.*?)</tr>', client.get(list_url()).content.decode(), re.S
    ).group(1)

    assert cny("1334.50") in row
    assert cny("1234.50") in row
    assert (days_ago(40) + timedelta(days=30)).isoformat() in row


def test_a_sales_rep_sees_only_their_customers_and_no_owner_filter(
    client, sales_user, other_sales_user
):
    mine = CustomerFactory(owner=sales_user)
    CustomerFactory(owner=other_sales_user)
    client.force_login(sales_user)

    response = client.get(list_url())

    assert listed_codes(response) == [mine.code]
    assert 'name="owner"' not in response.content.decode()
    # Asking for another rep's customers shows nothing of theirs.
    assert listed_codes(client.get(list_url(owner=other_sales_user.pk))) == [mine.code]


@pytest.mark.parametrize(
    ("role_fixture", "shows_button"),
    [
        ("finance_user", True),
        ("admin_user_", True),
        ("manager_user", False),
        ("sales_user", False),
        ("auditor_user", False),
    ],
)
def test_new_customer_button_only_for_those_who_manage_customers(
    client, request, role_fixture, shows_button
):
    client.force_login(request.getfixturevalue(role_fixture))

    response = client.get(list_url())

    assert response.status_code == 200
    assert (reverse("customer-create") in response.content.decode()) is shows_button


def _customers_with_invoices(count: int, *, actor) -> None:
    net30 = PaymentTermsFactory(net_days=30)
    for index in range(count):
        customer = CustomerFactory(owner=UserFactory(), region=f"R{index}")
        issued_invoice(customer, actor=actor, issue_date=days_ago(40), terms=net30)


@pytest.mark.parametrize("query", ["", "overdue=on", "q=c&sort=-open", "tier=B&region=R1"])
def test_list_costs_the_same_queries_at_two_and_twelve_customers(client, finance_user, query):
    client.force_login(finance_user)
    url = f"{list_url()}?{query}"
    _customers_with_invoices(2, actor=finance_user)
    with_two = queries_to_render(client, url)

    _customers_with_invoices(10, actor=finance_user)
    with_twelve = queries_to_render(client, url)

    assert with_two == with_twelve


# --- the 360 page -------------------------------------------------------------------------


@pytest.fixture
def account(customer, finance_user):
    """The sales rep's customer: a 1,000.00 invoice due 10 days ago, 400.00 of it paid by one
    payment, and a second payment of 250.00 not yet applied; credit limit 1,000.00."""
    customer.credit_limit = Decimal("1000.00")
    customer.save(update_fields=["credit_limit"])
    invoice = issued_invoice(
        customer, actor=finance_user, issue_date=days_ago(40), terms=PaymentTermsFactory()
    )
    paying = recorded_payment(
        customer, actor=finance_user, amount=Decimal("400.00"), received_on=days_ago(3)
    )
    installment = invoice.installments.get()
    services.payment_allocate(
        actor=finance_user, payment=paying, allocations=[(installment.pk, Decimal("400.00"))]
    )
    unapplied = recorded_payment(
        customer, actor=finance_user, amount=Decimal("250.00"), received_on=days_ago(1)
    )
    return {"customer": customer, "invoice": invoice, "paying": paying, "unapplied": unapplied}


def test_header_shows_exact_balances_and_credit_use(client, sales_user, account):
    client.force_login(sales_user)

    response = client.get(detail_url(account["customer"]))

    assert response.status_code == 200
    assert kpi(response, "open") == cny("600.00")
    assert kpi(response, "overdue") == cny("600.00")
    assert kpi(response, "unapplied") == f"Unapplied credit: {cny('250.00')}"
    assert kpi(response, "credit-limit") == cny("1000.00")
    assert kpi(response, "credit-used") == "60.0% used"
    assert 'style="width: 60.0%"' in response.content.decode()
    assert "data-currency-balances" not in response.content.decode()


def test_credit_use_over_the_limit_is_red(client, finance_user, account):
    customer = account["customer"]
    customer.credit_limit = Decimal("500.00")
    customer.save(update_fields=["credit_limit"])
    client.force_login(finance_user)

    response = client.get(detail_url(customer))

    assert kpi(response, "credit-used") == "120.0% used"
    assert "bg-danger" in response.content.decode()
    assert 'style="width: 100%"' in response.content.decode()


def test_header_shows_each_currency_when_the_customer_owes_in_several(
    client, finance_user, customer
):
    services.exchange_rate_set(
        actor=finance_user, currency="USD", rate_date=days_ago(60), rate_to_base=Decimal("7.1")
    )
    net30 = PaymentTermsFactory(net_days=30)
    issued_invoice(customer, actor=finance_user, issue_date=days_ago(40), terms=net30)
    usd_draft = services.invoice_create_draft(
        actor=finance_user,
        customer=customer,
        issue_date=days_ago(5),
        payment_terms=net30,
        currency="USD",
        lines=[{"description": "服务", "quantity": Decimal("1"), "unit_price": Decimal("100.00")}],
    )
    services.invoice_issue(actor=finance_user, invoice=usd_draft)
    client.force_login(finance_user)

    response = client.get(detail_url(customer))
    page = response.content.decode()

    assert kpi(response, "open") == cny("1710.00")
    assert kpi(response, "overdue") == cny("1000.00")
    cny_row = re.search(r'data-currency="CNY">(.*?)</tr>', page, re.S).group(1)
    usd_row = re.search(r'data-currency="USD">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'class="amount">([^<]*)<', cny_row) == [cny("1000.00"), cny("1000.00")]
    assert re.findall(r'class="amount">([^<]*)<', usd_row) == [usd("100.00"), usd("0.00")]


def test_open_installments_tab_shows_days_overdue_and_links_the_invoice(
    client, sales_user, account
):
    client.force_login(sales_user)

    page = client.get(detail_url(account["customer"], "installments")).content.decode()

    invoice = account["invoice"]
    row = re.search(r"data-installment=.*?</tr>", page, re.S).group(0)
    assert reverse("invoice-detail", args=[invoice.pk]) in row
    assert invoice.number in row
    assert re.search(r"data-days-overdue>10<", row)
    assert re.search(rf"data-open-amount>{re.escape(cny('600.00'))}<", row)


@pytest.mark.parametrize(
    ("tab", "expected"),
    [
        (
            "invoices",
            lambda a: [a["invoice"].number, reverse("invoice-detail", args=[a["invoice"].pk])],
        ),
        (
            "payments",
            lambda a: [
                a["paying"].number,
                a["unapplied"].number,
                reverse("payment-detail", args=[a["unapplied"].pk]),
                f"Unapplied credit:</strong> {cny('250.00')}",
            ],
        ),
        ("statements", lambda a: ["once statements are issued"]),
        ("collections", lambda a: ["once collections are recorded"]),
    ],
)
def test_each_tab_shows_its_documents(client, sales_user, account, tab, expected):
    client.force_login(sales_user)

    response = client.get(detail_url(account["customer"], tab))

    assert response.status_code == 200
    assert f'data-tab-panel="{tab}"' in response.content.decode()
    for text in expected(account):
        assert text in response.content.decode()


def test_contracts_and_contacts_tabs_list_them(client, finance_user, customer):
    contract = services.contract_create(
        actor=finance_user,
        customer=customer,
        number="HT-2026-001",
        title="年度供货合同",
        signed_on=days_ago(100),
        amount=Decimal("50000.00"),
    )
    ContactFactory(customer=customer, name="王经理", is_primary=True)
    client.force_login(finance_user)

    contracts = client.get(detail_url(customer, "contracts")).content.decode()
    contacts = client.get(detail_url(customer, "contacts")).content.decode()

    assert "HT-2026-001" in contracts
    assert reverse("contract-detail", args=[contract.pk]) in contracts
    assert cny("50000.00") in contracts
    assert "王经理" in contacts
    assert reverse("contact-create", args=[customer.pk]) in contacts


def test_an_unknown_tab_shows_the_first(client, finance_user, customer):
    client.force_login(finance_user)

    response = client.get(detail_url(customer, "nonsense"))

    assert 'data-tab-panel="installments"' in response.content.decode()


def _documents(customer, count: int, *, actor) -> None:
    net30 = PaymentTermsFactory(net_days=30)
    for index in range(count):
        issued_invoice(customer, actor=actor, issue_date=days_ago(40 + index), terms=net30)
        recorded_payment(customer, actor=actor, amount=Decimal("10.00"), received_on=days_ago(2))
        services.contract_create(
            actor=actor,
            customer=customer,
            number=f"HT-{customer.pk}-{customer.contracts.count()}",
            signed_on=days_ago(100),
            amount=Decimal("1.00"),
        )
        ContactFactory(customer=customer)
        customer.region = f"R{index}"
        customer.save()  # one more history record


@pytest.mark.parametrize("tab", TABS)
def test_each_tab_costs_the_same_queries_at_two_and_twelve_rows(
    client, finance_user, customer, tab
):
    client.force_login(finance_user)
    _documents(customer, 2, actor=finance_user)
    with_two = queries_to_render(client, detail_url(customer, tab))

    _documents(customer, 10, actor=finance_user)
    with_twelve = queries_to_render(client, detail_url(customer, tab))

    assert with_two == with_twelve


@pytest.mark.parametrize("tab", [None, *TABS])
def test_a_sales_rep_gets_404_on_another_reps_customer(client, other_sales_user, account, tab):
    client.force_login(other_sales_user)

    assert client.get(detail_url(account["customer"], tab)).status_code == 404


@pytest.mark.parametrize("tab", [None, "contacts"])
def test_an_auditor_sees_no_buttons_that_change_anything(client, auditor_user, account, tab):
    customer = account["customer"]
    ContactFactory(customer=customer)
    client.force_login(auditor_user)

    response = client.get(detail_url(customer, tab))
    page = response.content.decode()

    assert response.status_code == 200
    assert reverse("invoice-create") not in page
    assert reverse("payment-create") not in page
    assert reverse("customer-edit", args=[customer.pk]) not in page
    assert reverse("contact-create", args=[customer.pk]) not in page
    assert 'method="post" action="/contacts/' not in page


def test_finance_gets_the_action_buttons(client, finance_user, customer):
    client.force_login(finance_user)

    page = client.get(detail_url(customer)).content.decode()

    assert f"{reverse('invoice-create')}?customer={customer.pk}" in page
    assert f"{reverse('payment-create')}?customer={customer.pk}" in page
    assert reverse("customer-edit", args=[customer.pk]) in page


def test_a_manager_may_request_a_credit_change_but_not_record_documents(
    client, manager_user, customer
):
    client.force_login(manager_user)

    page = client.get(detail_url(customer)).content.decode()

    assert reverse("credit-request-create", args=[customer.pk]) in page
    assert reverse("customer-edit", args=[customer.pk]) not in page
    assert reverse("invoice-create") not in page


@pytest.mark.parametrize("name", ["customer-list", "customer-detail"])
def test_read_pages_refuse_posts(client, finance_user, customer, name):
    client.force_login(finance_user)
    url = reverse(name, args=[customer.pk]) if name == "customer-detail" else reverse(name)

    assert client.post(url).status_code == 405


def test_the_customer_page_links_to_the_credit_scorecard(client, sales_user, customer):
    client.force_login(sales_user)

    html = client.get(reverse("customer-detail", args=[customer.pk])).content.decode()

    assert f'href="{reverse("credit-rating-detail", args=[customer.pk])}"' in html
