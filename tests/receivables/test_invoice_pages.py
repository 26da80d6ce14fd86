"""Invoice pages: list (filters, sorting, scope, query count), the draft editor and its live
preview, issuing and cancelling, and the detail page."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from receivables import services
from receivables.models import Installment, Invoice, InvoiceLine
from tests.factories import (
    CustomerFactory,
    PaymentTermsFactory,
    UserFactory,
    issued_invoice,
    recorded_payment,
)
from tests.pages import history_changes, queries_to_render

pytestmark = pytest.mark.django_db

# Three lines whose amounts and taxes all round (half up) to the cent.
ROUNDING_LINES = [
    ("Pump housing", "1", "10.05", "13"),  # 10.05, tax 1.3065 -> 1.31
    ("Seals", "3", "0.335", "6"),  # 1.005 -> 1.01, tax 0.0606 -> 0.06
    ("Service", "7", "12.5", "9"),  # 87.50, tax 7.875 -> 7.88
]


@pytest.fixture
def client():
    """A browser asking for English (the default language is Simplified Chinese), so that
    messages can be compared with the English source strings."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def split_terms(finance_user):
    """30% due after 30 days, 70% after 60."""
    return services.payment_terms_create(
        actor=finance_user,
        code="SPLIT",
        name="30/70",
        schedule=[{"percent": Decimal("30"), "days": 30}, {"percent": Decimal("70"), "days": 60}],
    )


def editor_data(customer, *, lines, issue_date="2026-03-10", terms=None, **header):
    """The POST the draft editor sends: header fields and the "lines" formset."""
    data = {
        "customer": customer.pk,
        "issue_date": issue_date,
        "payment_terms": terms.pk if terms else "",
        "contract": "",
        "currency": "",
        "fapiao_number": "",
        "notes": "",
        "lines-TOTAL_FORMS": len(lines),
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 1,
        "lines-MAX_NUM_FORMS": 200,
        **header,
    }
    for index, (description, quantity, unit_price, tax_percent) in enumerate(lines):
        data[f"lines-{index}-description"] = description
        data[f"lines-{index}-quantity"] = quantity
        data[f"lines-{index}-unit_price"] = unit_price
        data[f"lines-{index}-tax_percent"] = tax_percent
    return data


def draft_invoice(customer, actor, *, unit_price=Decimal("100.00")):
    return services.invoice_create_draft(
        actor=actor,
        customer=customer,
        issue_date=date(2026, 1, 10),
        lines=[{"description": "货物", "quantity": 1, "unit_price": unit_price}],
    )


def ledger_snapshot():
    return (
        list(Invoice.objects.order_by("pk").values_list("status", "number", "total")),
        list(InvoiceLine.objects.order_by("pk").values_list("description", "amount")),
        list(Installment.objects.order_by("pk").values_list("amount", "open_amount")),
    )


def preview_values(html: str) -> dict:
    found = dict(re.findall(r'data-preview="(subtotal|tax|total)">([^<]*)<', html))
    found["schedule"] = re.findall(
        r"<td data-due-date>([^<]*)</td>\s*<td class=\"amount\" data-amount>([^<]*)</td>", html
    )
    return found


# --- list --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.FINANCE, Role.MANAGER, Role.AUDITOR, Role.ADMIN])
def test_invoice_list_shows_every_invoice_to_roles_seeing_all_customers(
    client, customer, finance_user, role
):
    invoice = issued_invoice(customer, actor=finance_user)
    client.force_login(UserFactory(role=role))

    response = client.get(reverse("invoice-list"))

    assert response.status_code == 200
    assert invoice.number in response.content.decode()


def test_sales_rep_lists_only_invoices_of_own_customers(
    client, customer, sales_user, other_sales_user, finance_user
):
    mine = issued_invoice(customer, actor=finance_user)
    theirs = issued_invoice(CustomerFactory(owner=other_sales_user), actor=finance_user)
    client.force_login(sales_user)

    page = client.get(reverse("invoice-list")).content.decode()

    assert mine.number in page
    assert theirs.number not in page


def test_sales_rep_gets_404_on_another_reps_invoice(
    client, sales_user, other_sales_user, finance_user
):
    theirs = issued_invoice(CustomerFactory(owner=other_sales_user), actor=finance_user)
    client.force_login(sales_user)

    assert client.get(reverse("invoice-detail", args=[theirs.pk])).status_code == 404


def _numbers(response) -> list[str]:
    return [invoice.number or f"draft-{invoice.pk}" for invoice in response.context["page"]]


def test_invoice_list_filters(client, finance_user, sales_user, other_sales_user):
    today = timezone.localdate()
    acme = CustomerFactory(owner=sales_user, code="ACME01", legal_name="顶峰贸易有限公司")
    other = CustomerFactory(owner=other_sales_user, currency="USD")
    overdue = issued_invoice(acme, actor=finance_user, issue_date=today - timedelta(days=40))
    current = issued_invoice(acme, actor=finance_user, issue_date=today)
    in_usd = issued_invoice(other, actor=finance_user, issue_date=today - timedelta(days=5))
    draft = draft_invoice(other, finance_user)
    client.force_login(finance_user)

    def listed(**query):
        return set(_numbers(client.get(reverse("invoice-list"), query)))

    assert listed(status="draft") == {f"draft-{draft.pk}"}
    assert listed(overdue="on") == {overdue.number}
    due = (today + timedelta(days=30)).isoformat()
    assert listed(due_from=due, due_to=due) == {current.number}
    assert listed(customer=other.pk) == {in_usd.number, f"draft-{draft.pk}"}
    assert listed(owner=sales_user.pk) == {overdue.number, current.number}
    assert listed(currency="USD") == {in_usd.number, f"draft-{draft.pk}"}
    assert listed(q="acme") == {overdue.number, current.number}
    assert listed(q="顶峰") == {overdue.number, current.number}
    assert listed(q=in_usd.number) == {in_usd.number}


def test_invoice_list_finds_open_invoices_disputed_or_not_yet_sent(client, customer, finance_user):
    sent = issued_invoice(customer, actor=finance_user)
    services.invoice_update_delivery(actor=finance_user, invoice=sent, sent_on=date(2026, 1, 11))
    unsent = issued_invoice(customer, actor=finance_user)
    disputed = issued_invoice(customer, actor=finance_user)
    services.invoice_update_delivery(
        actor=finance_user, invoice=disputed, sent_on=date(2026, 1, 11)
    )
    services.invoice_set_disputed(actor=finance_user, invoice=disputed, disputed=True)
    draft_invoice(customer, finance_user)
    client.force_login(finance_user)

    def listed(**query):
        return set(_numbers(client.get(reverse("invoice-list"), query)))

    assert listed(disputed="on") == {disputed.number}
    assert listed(unsent="on") == {unsent.number}


def test_invoice_list_sorts_by_open_amount(client, customer, finance_user):
    small = issued_invoice(customer, actor=finance_user, amount=Decimal("10.00"))
    large = issued_invoice(customer, actor=finance_user, amount=Decimal("900.00"))
    middle = issued_invoice(customer, actor=finance_user, amount=Decimal("300.00"))
    client.force_login(finance_user)

    ascending = client.get(reverse("invoice-list"), {"sort": "open"})
    descending = client.get(reverse("invoice-list"), {"sort": "-open"})

    assert _numbers(ascending) == [small.number, middle.number, large.number]
    assert _numbers(descending) == [large.number, middle.number, small.number]
    assert [i.open_total for i in ascending.context["page"]] == [
        Decimal("10.00"),
        Decimal("300.00"),
        Decimal("900.00"),
    ]


def test_sales_rep_has_no_sales_rep_filter(client, sales_user):
    client.force_login(sales_user)

    response = client.get(reverse("invoice-list"))

    assert "owner" not in response.context["filter_form"].fields


def test_invoice_list_costs_the_same_queries_for_2_and_12_rows(client, finance_user):
    customers = [CustomerFactory(owner=UserFactory(role=Role.SALES)) for _ in range(2)]
    for customer in customers:
        issued_invoice(customer, actor=finance_user)
    client.force_login(finance_user)
    url = reverse("invoice-list") + "?sort=next_due"
    with_2 = queries_to_render(client, url)

    for index in range(10):
        customer = CustomerFactory(owner=UserFactory(role=Role.SALES))
        if index % 2:
            draft_invoice(customer, finance_user)
        else:
            issued_invoice(customer, actor=finance_user)
    with_12 = queries_to_render(client, url)

    assert Invoice.objects.count() == 12
    assert with_2 == with_12


# --- editor ------------------------------------------------------------------------------------


def test_editor_preselects_the_customer_and_its_currency(client, finance_user):
    customer = CustomerFactory(currency="USD")
    client.force_login(finance_user)

    response = client.get(reverse("invoice-create"), {"customer": customer.pk})

    assert response.status_code == 200
    form = response.context["form"]
    assert form["customer"].value() == customer
    assert form["currency"].value() == "USD"


@pytest.mark.parametrize("user_fixture", ["sales_user", "manager_user"])
def test_roles_that_do_not_manage_the_ledger_get_403_on_the_editor(
    client, request, customer, user_fixture
):
    client.force_login(request.getfixturevalue(user_fixture))

    assert client.get(reverse("invoice-create")).status_code == 403


def test_saving_a_draft_stores_the_lines_with_exact_totals(client, finance_user, split_terms):
    customer = CustomerFactory()
    client.force_login(finance_user)

    response = client.post(
        reverse("invoice-create"),
        editor_data(customer, lines=ROUNDING_LINES, terms=split_terms, fapiao_number="F-1"),
    )

    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("invoice-detail", args=[invoice.pk])
    assert invoice.status == Invoice.Status.DRAFT
    assert invoice.number is None
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (
        Decimal("98.56"),
        Decimal("9.25"),
        Decimal("107.81"),
    )
    assert invoice.currency == "CNY"
    assert invoice.payment_terms == split_terms
    assert invoice.fapiao_number == "F-1"
    assert list(
        invoice.lines.values_list("position", "description", "amount", "tax_amount", "tax_rate")
    ) == [
        (1, "Pump housing", Decimal("10.05"), Decimal("1.31"), Decimal("0.1300")),
        (2, "Seals", Decimal("1.01"), Decimal("0.06"), Decimal("0.0600")),
        (3, "Service", Decimal("87.50"), Decimal("7.88"), Decimal("0.0900")),
    ]
    assert not Installment.objects.exists()


def test_save_and_issue_creates_installments_with_the_exact_amounts(
    client, finance_user, split_terms
):
    customer = CustomerFactory()
    client.force_login(finance_user)

    response = client.post(
        reverse("invoice-create"),
        {**editor_data(customer, lines=ROUNDING_LINES, terms=split_terms), "issue": ""},
    )

    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert invoice.status == Invoice.Status.ISSUED
    assert invoice.number == "INV-2026-000001"
    assert list(
        invoice.installments.order_by("sequence").values_list("due_date", "amount", "open_amount")
    ) == [
        (date(2026, 4, 9), Decimal("32.34"), Decimal("32.34")),
        (date(2026, 5, 9), Decimal("75.47"), Decimal("75.47")),
    ]


def test_preview_shows_the_totals_and_schedule_the_issued_invoice_gets(
    client, finance_user, split_terms
):
    customer = CustomerFactory()
    client.force_login(finance_user)
    data = editor_data(customer, lines=ROUNDING_LINES, terms=split_terms)

    preview = client.post(reverse("invoice-preview"), data)
    client.post(reverse("invoice-create"), {**data, "issue": ""})

    invoice = Invoice.objects.get()
    assert preview.status_code == 200
    assert Invoice.objects.count() == 1  # the preview saved nothing
    assert preview_values(preview.content.decode()) == {
        "subtotal": "¥98.56",
        "tax": "¥9.25",
        "total": "¥107.81",
        "schedule": [("2026-04-09", "¥32.34"), ("2026-05-09", "¥75.47")],
    }
    assert invoice.total == Decimal("107.81")
    assert [
        (i.due_date.isoformat(), f"¥{i.amount}") for i in invoice.installments.order_by("sequence")
    ] == preview_values(preview.content.decode())["schedule"]


def test_preview_uses_the_customers_default_terms_and_names_lines_left_out(client, finance_user):
    customer = CustomerFactory(default_payment_terms=PaymentTermsFactory(code="N10", net_days=10))
    client.force_login(finance_user)
    lines = [("Goods", "2", "50", "13"), ("Broken", "abc", "1", "0")]

    response = client.post(reverse("invoice-preview"), editor_data(customer, lines=lines))

    html = response.content.decode()
    assert preview_values(html) == {
        "subtotal": "¥100.00",
        "tax": "¥13.00",
        "total": "¥113.00",
        "schedule": [("2026-03-20", "¥113.00")],
    }
    assert "Line 2 has an error and is left out." in html
    assert not Invoice.objects.exists()


def test_preview_asks_for_a_customer_first(client, finance_user):
    client.force_login(finance_user)
    data = editor_data(CustomerFactory(), lines=ROUNDING_LINES)
    data["customer"] = ""

    response = client.post(reverse("invoice-preview"), data)

    assert response.status_code == 200
    assert "Choose a customer to see the totals." in response.content.decode()


def test_bad_lines_show_errors_naming_their_rows_and_save_nothing(client, finance_user):
    customer = CustomerFactory()
    client.force_login(finance_user)
    lines = [
        ("Good", "1", "10", "13"),
        ("Bad quantity", "abc", "5", "0"),
        ("Bad price", "1", "-3", "0"),
    ]

    response = client.post(reverse("invoice-create"), editor_data(customer, lines=lines))

    html = response.content.decode()
    assert response.status_code == 400
    assert not Invoice.objects.exists()
    assert not InvoiceLine.objects.exists()
    assert re.search(r'data-field-error="lines-1-quantity">Line 2: Enter a number\.</div>', html)
    assert re.search(
        r'data-field-error="lines-2-unit_price">Line 3: Unit price cannot be negative\.</div>', html
    )
    assert "Line 2, Quantity: Enter a number." in html
    assert "Line 3, Unit price: Unit price cannot be negative." in html


def test_a_refused_issue_saves_no_draft_either(client, finance_user):
    customer = CustomerFactory()
    client.force_login(finance_user)

    response = client.post(
        reverse("invoice-create"),
        {**editor_data(customer, lines=[("Free sample", "1", "0", "0")]), "issue": ""},
    )

    assert response.status_code == 400
    assert "An invoice must total more than zero." in response.content.decode()
    assert not Invoice.objects.exists()


def test_editing_a_draft_replaces_its_lines(client, finance_user, split_terms):
    customer = CustomerFactory()
    draft = draft_invoice(customer, finance_user)
    client.force_login(finance_user)

    page = client.get(reverse("invoice-edit", args=[draft.pk]))
    response = client.post(
        reverse("invoice-edit", args=[draft.pk]),
        editor_data(customer, lines=[("Consulting", "2.5", "400", "6")], terms=split_terms),
    )

    assert page.status_code == 200
    assert page.context["lines"].initial == [
        {"description": "货物", "quantity": "1", "unit_price": "100", "tax_percent": "0"}
    ]
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.subtotal, draft.tax_total, draft.total) == (
        Decimal("1000.00"),
        Decimal("60.00"),
        Decimal("1060.00"),
    )
    assert draft.payment_terms == split_terms
    assert list(draft.lines.values_list("description", "quantity")) == [
        ("Consulting", Decimal("2.5000"))
    ]


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_issued_invoice_cannot_be_edited(client, customer, finance_user, method):
    invoice = issued_invoice(customer, actor=finance_user)
    before = ledger_snapshot()
    client.force_login(finance_user)

    response = getattr(client, method)(
        reverse("invoice-edit", args=[invoice.pk]),
        editor_data(customer, lines=[("Changed", "9", "9", "0")]) if method == "post" else None,
        follow=True,
    )

    assert response.redirect_chain == [(reverse("invoice-detail", args=[invoice.pk]), 302)]
    assert "Only a draft can be edited" in response.content.decode()
    assert ledger_snapshot() == before


def test_issue_button_posts_the_draft(client, customer, finance_user):
    draft = draft_invoice(customer, finance_user, unit_price=Decimal("250.00"))
    client.force_login(finance_user)

    response = client.post(reverse("invoice-issue", args=[draft.pk]), follow=True)

    draft.refresh_from_db()
    assert draft.status == Invoice.Status.ISSUED
    assert f"Invoice {draft.number} issued." in response.content.decode()
    assert list(draft.installments.values_list("due_date", "amount")) == [
        (date(2026, 2, 9), Decimal("250.00"))
    ]


def test_issuing_twice_is_refused_with_a_message(client, customer, finance_user):
    invoice = issued_invoice(customer, actor=finance_user)
    before = ledger_snapshot()
    client.force_login(finance_user)

    response = client.post(reverse("invoice-issue", args=[invoice.pk]), follow=True)

    assert "Only a draft can be issued" in response.content.decode()
    assert ledger_snapshot() == before


def test_cancel_voids_a_draft(client, customer, finance_user):
    draft = draft_invoice(customer, finance_user)
    client.force_login(finance_user)

    client.post(reverse("invoice-cancel", args=[draft.pk]))

    draft.refresh_from_db()
    assert draft.status == Invoice.Status.CANCELLED
    assert draft.number is None


# --- detail ------------------------------------------------------------------------------------


def test_detail_shows_schedule_allocations_credit_notes_and_history(client, customer, finance_user):
    invoice = issued_invoice(customer, actor=finance_user, issue_date=date(2026, 1, 10))
    payment = recorded_payment(customer, actor=finance_user, amount=Decimal("300.00"))
    (allocation,) = services.payment_allocate(
        actor=finance_user,
        payment=payment,
        allocations=[(invoice.installments.get().pk, Decimal("300.00"))],
        applied_on=date(2026, 1, 20),
    )
    services.allocation_reverse(
        actor=finance_user, allocation=allocation, reversed_on=date(2026, 1, 21)
    )
    credit_note = services.credit_note_issue(
        actor=finance_user,
        invoice=invoice,
        amount=Decimal("100.00"),
        reason="价格调整",
        issue_date=date(2026, 1, 25),
    )
    client.force_login(finance_user)

    response = client.get(reverse("invoice-detail", args=[invoice.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["invoice"].open_total == Decimal("900.00")
    (installment,) = response.context["installments"]
    assert installment.days_overdue == (timezone.localdate() - date(2026, 2, 9)).days
    assert [(a.kind, a.amount) for a in response.context["allocations"]] == [
        ("payment", Decimal("300.00")),
        ("payment", Decimal("-300.00")),
        ("credit_note", Decimal("100.00")),
    ]
    assert payment.number in html
    assert "Reversal" in html
    assert credit_note.number in html
    assert reverse("customer-detail", args=[customer.pk]) in html
    assert reverse("write-off-create", args=[installment.pk]) in html
    assert reverse("credit-note-create", args=[invoice.pk]) in html
    assert response.context["history"][0]["user"] == finance_user.username
    # Newest first: the reversal, the payment, the issue moved the status.
    assert [change for change in history_changes(html) if change[0] == "status"] == [
        ("status", "Status", "Partially paid", "Issued"),
        ("status", "Status", "Issued", "Partially paid"),
        ("status", "Status", "Draft", "Issued"),
    ]


def test_detail_offers_no_write_off_to_a_sales_rep(client, customer, sales_user, finance_user):
    invoice = issued_invoice(customer, actor=finance_user)
    client.force_login(sales_user)

    html = client.get(reverse("invoice-detail", args=[invoice.pk])).content.decode()

    assert reverse("write-off-create", args=[invoice.installments.get().pk]) not in html
    assert reverse("credit-note-create", args=[invoice.pk]) not in html


def test_auditor_sees_no_buttons_that_change_anything(client, customer, auditor_user, finance_user):
    draft = draft_invoice(customer, finance_user)
    issued = issued_invoice(customer, actor=finance_user)
    client.force_login(auditor_user)

    listing = client.get(reverse("invoice-list")).content.decode()
    draft_page = client.get(reverse("invoice-detail", args=[draft.pk])).content.decode()
    issued_page = client.get(reverse("invoice-detail", args=[issued.pk])).content.decode()

    assert reverse("invoice-create") not in listing
    for action in ("invoice-edit", "invoice-issue", "invoice-cancel"):
        assert reverse(action, args=[draft.pk]) not in draft_page
    for action in ("invoice-delivery", "invoice-dispute"):
        assert reverse(action, args=[issued.pk]) not in issued_page
    assert reverse("credit-note-create", args=[issued.pk]) not in issued_page


@pytest.mark.parametrize(
    "name",
    [
        "invoice-create",
        "invoice-preview",
        "invoice-edit",
        "invoice-issue",
        "invoice-cancel",
        "invoice-delivery",
        "invoice-dispute",
    ],
)
def test_auditor_gets_403_on_every_invoice_post(client, customer, auditor_user, finance_user, name):
    draft = draft_invoice(customer, finance_user)
    url = (
        reverse(name)
        if name in ("invoice-create", "invoice-preview")
        else reverse(name, args=[draft.pk])
    )
    before = ledger_snapshot()
    client.force_login(auditor_user)

    response = client.post(url, editor_data(customer, lines=ROUNDING_LINES))

    assert response.status_code == 403
    assert ledger_snapshot() == before


def test_delivery_details_are_saved(client, customer, finance_user):
    invoice = issued_invoice(customer, actor=finance_user, issue_date=date(2026, 1, 10))
    client.force_login(finance_user)

    response = client.post(
        reverse("invoice-delivery", args=[invoice.pk]),
        {"fapiao_number": "04400000001", "sent_on": "2026-01-11", "receipt_confirmed_on": ""},
    )

    invoice.refresh_from_db()
    assert response.status_code == 302
    assert (invoice.fapiao_number, invoice.sent_on, invoice.receipt_confirmed_on) == (
        "04400000001",
        date(2026, 1, 11),
        None,
    )
    page = client.get(reverse("invoice-detail", args=[invoice.pk])).content.decode()
    assert history_changes(page)[:2] == [
        ("fapiao_number", "Fapiao number", "—", "04400000001"),
        ("sent_on", "Sent on", "—", "2026-01-11"),
    ]


def test_delivery_before_the_issue_date_is_refused_on_its_field(client, customer, finance_user):
    invoice = issued_invoice(customer, actor=finance_user, issue_date=date(2026, 1, 10))
    client.force_login(finance_user)

    response = client.post(
        reverse("invoice-delivery", args=[invoice.pk]),
        {"fapiao_number": "F-9", "sent_on": "2026-01-09", "receipt_confirmed_on": ""},
    )

    invoice.refresh_from_db()
    assert response.status_code == 400
    assert response.context["delivery_form"].errors == {
        "sent_on": ["An invoice cannot be sent before its issue date."]
    }
    assert 'data-field-error="sent_on"' in response.content.decode()
    assert (invoice.fapiao_number, invoice.sent_on) == ("", None)


def test_dispute_is_set_and_cleared(client, customer, finance_user):
    invoice = issued_invoice(customer, actor=finance_user)
    client.force_login(finance_user)

    client.post(reverse("invoice-dispute", args=[invoice.pk]), {"disputed": "on"})
    invoice.refresh_from_db()
    assert invoice.is_disputed is True

    client.post(reverse("invoice-dispute", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.is_disputed is False


def test_detail_links_a_bank_charge_to_the_payment_it_was_deducted_from(
    client, customer, finance_user
):
    invoice = issued_invoice(customer, actor=finance_user, issue_date=date(2026, 1, 10))
    installment = invoice.installments.get()
    payment = recorded_payment(customer, actor=finance_user, amount=Decimal("990.00"))
    services.payment_allocate(
        actor=finance_user,
        payment=payment,
        allocations=[(installment.pk, Decimal("990.00"))],
        applied_on=date(2026, 1, 20),
    )
    services.bank_charge_record(
        actor=finance_user,
        payment=payment,
        installment=installment,
        amount=Decimal("10.00"),
        charged_on=date(2026, 1, 20),
    )
    client.force_login(finance_user)

    response = client.get(reverse("invoice-detail", args=[invoice.pk]))

    assert [(a.kind, a.amount) for a in response.context["allocations"]] == [
        ("payment", Decimal("990.00")),
        ("bank_charge", Decimal("10.00")),
    ]
    assert response.context["invoice"].status == Invoice.Status.PAID
    html = response.content.decode()
    link = f'href="{reverse("payment-detail", args=[payment.pk])}" data-bank-charge-payment'
    assert link in html
