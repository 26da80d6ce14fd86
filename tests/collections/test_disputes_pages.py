"""Dispute pages: the list (filters, scoping, time to resolve, constant queries), opening a
dispute on installments, assigning, resolving with a credit note; the fee invoice page."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from arcollections.models import FeeInvoiceLink
from arcollections.selectors.disputes import customer_disputes, disputes_for_list
from receivables.models import CreditNote, Dispute, Invoice
from receivables.services import dispute_open, dispute_resolve
from tests.factories import CustomerFactory, PaymentTermsFactory, issued_invoice

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _client(client, user):
    client.force_login(user)
    return client


def _dispute(customer, actor, invoice=None, **fields):
    invoice = invoice or issued_invoice(customer, actor=actor)
    return dispute_open(
        actor=actor,
        customer=customer,
        source=Dispute.Source.CUSTOMER_CONTACT,
        currency="CNY",
        opened_on=fields.pop("opened_on", date(2026, 2, 1)),
        installments=[invoice.installments.get()],
        **fields,
    )


def _listed(response) -> list[int]:
    return [dispute.pk for dispute in response.context["page"]]


def test_the_list_shows_a_rep_only_own_customers_disputes(
    client, customer, finance_user, sales_user
):
    own = _dispute(customer, finance_user)
    _dispute(CustomerFactory(), finance_user)

    response = _client(client, sales_user).get(reverse("dispute-list"))

    assert response.status_code == 200
    assert _listed(response) == [own.pk]


def test_the_list_filters_by_status_reason_and_owner(client, customer, finance_user, sales_user):
    price = _dispute(customer, finance_user, reason=Dispute.Reason.PRICE, owner=sales_user)
    quality = _dispute(customer, finance_user, reason=Dispute.Reason.QUALITY)
    dispute_resolve(
        actor=finance_user, dispute=quality, resolution_kind="rejected", resolution="质量合格"
    )
    page = _client(client, finance_user)

    assert _listed(page.get(reverse("dispute-list"), {"status": "open"})) == [price.pk]
    assert _listed(page.get(reverse("dispute-list"), {"reason": "quality"})) == [quality.pk]
    assert _listed(page.get(reverse("dispute-list"), {"owner": str(sales_user.pk)})) == [price.pk]
    assert _listed(page.get(reverse("dispute-list"), {"owner": "none"})) == [quality.pk]


def test_age_and_time_to_resolve_count_days_from_the_day_raised(customer, finance_user):
    resolved = _dispute(customer, finance_user, opened_on=date(2026, 2, 1))
    still_open = _dispute(customer, finance_user, opened_on=date(2026, 2, 20))
    dispute_resolve(
        actor=finance_user, dispute=resolved, resolution_kind="withdrawn", resolution="客户撤回"
    )
    # Resolved late on 2026-02-13 in Shanghai (still the 13th there, the 13th in UTC too).
    Dispute.objects.filter(pk=resolved.pk).update(
        resolved_at=datetime(2026, 2, 13, 23, 30, tzinfo=SHANGHAI)
    )

    rows = {
        d.pk: (d.age_days, d.days_to_resolve, d.contested_open_amount)
        for d in disputes_for_list(user=finance_user, on_date=date(2026, 3, 2))
    }

    assert rows == {
        resolved.pk: (12, 12, Decimal("1000.00")),
        still_open.pk: (10, None, Decimal("1000.00")),
    }


def test_the_list_runs_a_fixed_number_of_queries(client, finance_user):
    page = _client(client, finance_user)

    def count_queries(n):
        for _ in range(n):
            customer = CustomerFactory()
            _dispute(customer, finance_user)
        with CaptureQueriesContext(connection) as captured:
            response = page.get(reverse("dispute-list"))
        assert response.status_code == 200
        return len(captured.captured_queries)

    assert count_queries(2) == count_queries(6)


def test_opening_a_dispute_on_the_page_marks_the_invoice(client, customer, finance_user):
    invoice = issued_invoice(customer, actor=finance_user)
    url = reverse("dispute-create") + f"?customer={customer.pk}"
    page = _client(client, finance_user)
    assert page.get(url).status_code == 200

    response = page.post(
        url,
        {
            "customer": customer.pk,
            "installments": [invoice.installments.get().pk],
            "reason": "quantity",
            "source": "customer_contact",
            "description": "少发 20 件",
            "currency": "CNY",
            "opened_on": "2026-02-03",
        },
    )

    dispute = Dispute.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dispute-detail", args=[dispute.pk])
    assert (dispute.reason, dispute.description, dispute.opened_by) == (
        "quantity",
        "少发 20 件",
        finance_user,
    )
    invoice.refresh_from_db()
    assert invoice.is_disputed is True


def test_an_auditor_cannot_open_disputes_and_a_rep_not_for_others(
    client, customer, auditor_user, other_sales_user, finance_user
):
    invoice = issued_invoice(customer, actor=finance_user)
    body = {
        "customer": customer.pk,
        "installments": [invoice.installments.get().pk],
        "reason": "price",
        "source": "customer_contact",
        "description": "x",
        "currency": "CNY",
        "opened_on": "2026-02-03",
    }
    url = reverse("dispute-create") + f"?customer={customer.pk}"

    assert _client(client, auditor_user).post(url, body).status_code == 403
    # Another rep's customer "does not exist" for them: the page asks for a customer again.
    other = _client(client, other_sales_user).post(url, body)
    assert other.status_code == 200
    assert other.context["customer"] is None
    assert not Dispute.objects.exists()


def test_another_reps_dispute_is_a_404(client, finance_user, other_sales_user, customer):
    dispute = _dispute(customer, finance_user)

    page = _client(client, other_sales_user)
    assert page.get(reverse("dispute-detail", args=[dispute.pk])).status_code == 404


def test_resolving_on_the_page_with_a_credit_note(client, customer, finance_user):
    invoice = issued_invoice(customer, actor=finance_user)
    dispute = _dispute(customer, finance_user, invoice=invoice, reason="price")
    page = _client(client, finance_user)
    assert page.get(reverse("dispute-detail", args=[dispute.pk])).status_code == 200

    response = page.post(
        reverse("dispute-resolve", args=[dispute.pk]),
        {
            "resolution_kind": "credit_note",
            "resolution": "按合同价 95 折",
            "credit_note_invoice": invoice.pk,
            "credit_note_amount": "50.00",
            "credit_note_date": "2026-02-10",
        },
    )

    assert response.status_code == 302
    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolution_kind) == ("resolved", "credit_note")
    assert CreditNote.objects.get().amount == Decimal("50.00")
    detail = page.get(reverse("dispute-detail", args=[dispute.pk]))
    assert b"data-days-to-resolve" in detail.content


def test_a_sales_rep_may_not_resolve(client, customer, finance_user, sales_user):
    dispute = _dispute(customer, finance_user)

    response = _client(client, sales_user).post(
        reverse("dispute-resolve", args=[dispute.pk]),
        {"resolution_kind": "rejected", "resolution": "ok"},
    )

    assert response.status_code == 403
    dispute.refresh_from_db()
    assert dispute.status == "open"


def test_assigning_on_the_page(client, customer, finance_user, sales_user):
    dispute = _dispute(customer, finance_user)

    response = _client(client, finance_user).post(
        reverse("dispute-assign", args=[dispute.pk]), {"owner": sales_user.pk}
    )

    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.owner == sales_user


def test_customer_disputes_for_the_timeline_are_scoped(
    customer, finance_user, other_sales_user, sales_user
):
    first = _dispute(customer, finance_user, opened_on=date(2026, 2, 1))
    second = _dispute(customer, finance_user, opened_on=date(2026, 2, 5))

    assert list(customer_disputes(user=sales_user, customer=customer)) == [second, first]
    assert list(customer_disputes(user=other_sales_user, customer=customer)) == []


def test_the_fee_page_previews_then_creates_a_draft(client, finance_user):
    terms = PaymentTermsFactory(code="LI", net_days=30, late_interest_daily_rate=Decimal("0.0005"))
    customer = CustomerFactory()
    issued_invoice(
        customer,
        actor=finance_user,
        amount=Decimal("10000.00"),
        issue_date=date(2026, 1, 1),
        terms=terms,
    )
    page = _client(client, finance_user)
    url = reverse("fee-invoice-create")

    preview = page.get(url, {"customer": customer.pk, "as_of": "2026-03-31", "currency": "CNY"})
    assert preview.status_code == 200
    assert [line.amount for line in preview.context["lines"]] == [Decimal("295.00")]
    assert not FeeInvoiceLink.objects.exists()

    created = page.post(url, {"customer": customer.pk, "as_of": "2026-03-31", "currency": "CNY"})

    fee = Invoice.objects.get(status=Invoice.Status.DRAFT)
    assert created.status_code == 302
    assert created["Location"] == reverse("invoice-detail", args=[fee.pk])
    assert fee.total == Decimal("295.00")


def test_only_finance_reaches_the_fee_page(client, manager_user, sales_user):
    for user in (manager_user, sales_user):
        assert _client(client, user).get(reverse("fee-invoice-create")).status_code == 403
