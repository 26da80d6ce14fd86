"""Contract pages: the list (filters, scope, query count), create and edit with the signed
copy, the detail with its invoices, and the scoped download of the signed copy."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from receivables import services
from receivables.models import Contract
from tests.factories import CustomerFactory, UserFactory, issued_invoice
from tests.pages import history_changes, queries_to_render

pytestmark = pytest.mark.django_db

SIGNED_PDF = b"%PDF-1.4\n% signed contract\n%%EOF\n"
AMPLE_CREDIT = Decimal("10000000.00")


@pytest.fixture
def client():
    """A browser asking for English (the default language is Simplified Chinese)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def customer(customer):
    """The signed-in tests' customer, with credit for the contracts below (credit control itself
    is tested in test_credit_control.py)."""
    customer.credit_limit = AMPLE_CREDIT
    customer.save(update_fields=["credit_limit"])
    return customer


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make_contract(customer, actor, number="HT-2026-001", **fields):
    return services.contract_create(
        actor=actor,
        customer=customer,
        number=number,
        title=fields.pop("title", "年度供货合同"),
        signed_on=fields.pop("signed_on", date(2026, 1, 5)),
        amount=fields.pop("amount", Decimal("500000.00")),
        **fields,
    )


def contract_data(customer, **changes):
    return {
        "customer": customer.pk,
        "number": "HT-2026-100",
        "title": "维保服务合同",
        "signed_on": "2026-01-05",
        "amount": "120000.00",
        "currency": "CNY",
        "payment_terms": "",
        "starts_on": "2026-02-01",
        "ends_on": "2027-01-31",
        "notes": "",
        **changes,
    }


def signed_pdf(name="signed.pdf", content=SIGNED_PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def contracts_snapshot():
    return list(Contract.objects.order_by("pk").values_list("number", "title", "signed_file"))


@pytest.mark.parametrize(
    "user_fixture", ["finance_user", "manager_user", "sales_user", "auditor_user", "admin_user_"]
)
def test_contract_pages_render_for_every_viewing_role(
    client, request, customer, finance_user, user_fixture
):
    contract = make_contract(customer, finance_user)
    client.force_login(request.getfixturevalue(user_fixture))

    listing = client.get(reverse("contract-list"))
    detail = client.get(reverse("contract-detail", args=[contract.pk]))

    assert listing.status_code == 200
    assert contract.number in listing.content.decode()
    assert detail.status_code == 200


def test_sales_rep_gets_404_on_another_reps_contract_and_its_file(
    client, sales_user, other_sales_user, finance_user
):
    theirs = make_contract(
        CustomerFactory(owner=other_sales_user, credit_limit=AMPLE_CREDIT),
        finance_user,
        signed_file=signed_pdf(),
    )
    client.force_login(sales_user)

    assert theirs.number not in client.get(reverse("contract-list")).content.decode()
    assert client.get(reverse("contract-detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("contract-file", args=[theirs.pk])).status_code == 404


def test_the_signed_copy_downloads_for_those_who_may_see_the_contract(
    client, customer, sales_user, finance_user
):
    contract = make_contract(customer, finance_user, signed_file=signed_pdf())
    client.force_login(sales_user)

    response = client.get(reverse("contract-file", args=[contract.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SIGNED_PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert "signed" in response["Content-Disposition"]


def test_a_contract_without_a_signed_copy_has_no_download(client, customer, finance_user):
    contract = make_contract(customer, finance_user)
    client.force_login(finance_user)

    detail = client.get(reverse("contract-detail", args=[contract.pk])).content.decode()

    assert reverse("contract-file", args=[contract.pk]) not in detail
    assert client.get(reverse("contract-file", args=[contract.pk])).status_code == 404


def test_contract_list_filters(client, finance_user):
    today = timezone.localdate()
    acme, other = (
        CustomerFactory(credit_limit=AMPLE_CREDIT),
        CustomerFactory(currency="USD", credit_limit=AMPLE_CREDIT),
    )
    running = make_contract(
        acme, finance_user, "HT-A", title="供货", starts_on=today - timedelta(days=10)
    )
    ended = make_contract(
        acme,
        finance_user,
        "HT-B",
        title="维保",
        starts_on=today - timedelta(days=400),
        ends_on=today - timedelta(days=1),
    )
    dollars = make_contract(other, finance_user, "US-C", title="Export", currency="USD")
    client.force_login(finance_user)

    def listed(**query):
        return {c.number for c in client.get(reverse("contract-list"), query).context["page"]}

    assert listed(customer=acme.pk) == {running.number, ended.number}
    assert listed(currency="USD") == {dollars.number}
    assert listed(active="on") == {running.number, dollars.number}
    assert listed(q="维保") == {ended.number}
    assert listed(q="us-") == {dollars.number}


def test_contract_list_costs_the_same_queries_for_2_and_12_rows(client, finance_user):
    def add_contracts(start, count):
        for index in range(start, start + count):
            customer = CustomerFactory(
                owner=UserFactory(role=Role.SALES), credit_limit=AMPLE_CREDIT
            )
            make_contract(customer, finance_user, f"HT-{index:03d}", signed_file=signed_pdf())

    add_contracts(0, 2)
    client.force_login(finance_user)
    with_2 = queries_to_render(client, reverse("contract-list"))
    add_contracts(2, 10)
    with_12 = queries_to_render(client, reverse("contract-list"))

    assert Contract.objects.count() == 12
    assert with_2 == with_12


def test_creating_a_contract_stores_it_with_its_signed_copy(
    client, customer, finance_user, media_root
):
    client.force_login(finance_user)

    response = client.post(
        reverse("contract-create"), {**contract_data(customer), "signed_file": signed_pdf()}
    )

    contract = Contract.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("contract-detail", args=[contract.pk])
    assert (contract.number, contract.amount, contract.ends_on, contract.customer) == (
        "HT-2026-100",
        Decimal("120000.00"),
        date(2027, 1, 31),
        customer,
    )
    assert (media_root / contract.signed_file.name).read_bytes() == SIGNED_PDF


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_on": "2026-01-31"}, "ends_on", "A contract cannot end before it starts."),
        ({"number": "HT-2026-001"}, "number", "Contract with this Number already exists."),
        ({"amount": "-1"}, "amount", "greater than or equal to 0"),
        ({"signed_file": "tool.exe"}, "signed_file", "File extension “exe” is not allowed."),
        ({"signed_file": "huge.pdf"}, "signed_file", "The file is larger than 20 MB."),
    ],
)
def test_invalid_contract_shows_the_error_on_its_field_and_saves_nothing(
    client, customer, finance_user, changes, field, message
):
    make_contract(customer, finance_user)
    before = contracts_snapshot()
    client.force_login(finance_user)
    if "signed_file" in changes:
        name = changes["signed_file"]
        size = services.SIGNED_FILE_MAX_BYTES + 1 if name == "huge.pdf" else 2
        changes = {"signed_file": SimpleUploadedFile(name, b"0" * size)}

    response = client.post(reverse("contract-create"), contract_data(customer, **changes))

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert f'data-field-error="{field}"' in response.content.decode()
    assert contracts_snapshot() == before


def test_editing_keeps_the_signed_copy_unless_a_new_one_is_uploaded(
    client, customer, finance_user, media_root
):
    contract = make_contract(customer, finance_user, signed_file=signed_pdf())
    first_copy = contract.signed_file.name
    client.force_login(finance_user)

    client.post(
        reverse("contract-edit", args=[contract.pk]),
        contract_data(customer, number=contract.number, title="新标题"),
    )
    contract.refresh_from_db()
    assert (contract.title, contract.signed_file.name) == ("新标题", first_copy)

    client.post(
        reverse("contract-edit", args=[contract.pk]),
        {
            **contract_data(customer, number=contract.number),
            "signed_file": signed_pdf("v2.pdf", b"%PDF v2"),
        },
    )
    contract.refresh_from_db()
    assert contract.signed_file.name != first_copy
    assert (media_root / contract.signed_file.name).read_bytes() == b"%PDF v2"
    page = client.get(reverse("contract-detail", args=[contract.pk])).content.decode()
    changes = history_changes(page)
    assert ("signed_file", "Signed copy", first_copy, contract.signed_file.name) in changes
    assert ("title", "Title", "年度供货合同", "新标题") in changes


def test_detail_lists_the_contracts_invoices_with_open_amounts(client, customer, finance_user):
    contract = make_contract(customer, finance_user)
    draft = services.invoice_create_draft(
        actor=finance_user,
        customer=customer,
        contract=contract,
        issue_date=date(2026, 1, 10),
        lines=[{"description": "第一批", "quantity": 1, "unit_price": Decimal("800.00")}],
    )
    invoice = services.invoice_issue(actor=finance_user, invoice=draft)
    issued_invoice(customer, actor=finance_user)  # not under the contract
    client.force_login(finance_user)

    response = client.get(reverse("contract-detail", args=[contract.pk]))

    assert [(i.number, i.open_total) for i in response.context["invoices"]] == [
        (invoice.number, Decimal("800.00"))
    ]


def test_auditor_sees_no_edit_buttons_and_gets_403_on_every_contract_post(
    client, customer, auditor_user, finance_user
):
    contract = make_contract(customer, finance_user)
    before = contracts_snapshot()
    client.force_login(auditor_user)

    listing = client.get(reverse("contract-list")).content.decode()
    detail = client.get(reverse("contract-detail", args=[contract.pk])).content.decode()
    create = client.post(reverse("contract-create"), contract_data(customer))
    edit = client.post(
        reverse("contract-edit", args=[contract.pk]),
        contract_data(customer, number=contract.number, title="改"),
    )

    assert reverse("contract-create") not in listing
    assert reverse("contract-edit", args=[contract.pk]) not in detail
    assert (create.status_code, edit.status_code) == (403, 403)
    assert contracts_snapshot() == before
