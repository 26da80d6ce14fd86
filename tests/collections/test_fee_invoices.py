"""Fee invoices for late interest: a draft charging the interest not invoiced before, one line
per overdue installment, never the same days twice."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from arcollections.models import FeeInvoiceLink
from arcollections.selectors.fees import fee_lines_due
from arcollections.services.fees import fee_invoice_create
from core.exceptions import ApplicationError, PermissionDeniedError
from receivables import services
from receivables.interest import installment_late_interest
from receivables.models import Dispute, Invoice
from tests.factories import CustomerFactory, PaymentTermsFactory, issued_invoice, recorded_payment

pytestmark = pytest.mark.django_db

# Net 30 at 万分之五 a day: invoices of 2026-01-01 fall due on 2026-01-31.
ISSUED = date(2026, 1, 1)
DUE = date(2026, 1, 31)


@pytest.fixture
def terms(db):
    return PaymentTermsFactory(
        code="N30-LI", net_days=30, late_interest_daily_rate=Decimal("0.0005")
    )


@pytest.fixture
def debtor(finance_user, terms):
    """10,000.00 and 4,000.00 due 2026-01-31, and 2,000.00 not yet due on 2026-03-31."""
    customer = CustomerFactory(language="zh-hans")
    big = issued_invoice(
        customer, actor=finance_user, amount=Decimal("10000.00"), issue_date=ISSUED, terms=terms
    )
    small = issued_invoice(
        customer, actor=finance_user, amount=Decimal("4000.00"), issue_date=ISSUED, terms=terms
    )
    issued_invoice(
        customer,
        actor=finance_user,
        amount=Decimal("2000.00"),
        issue_date=date(2026, 3, 15),
        terms=terms,
    )
    return customer, big, small


def _links():
    return list(
        FeeInvoiceLink.objects.order_by("installment_id", "interest_from").values_list(
            "installment__invoice__number", "interest_from", "interest_to", "amount"
        )
    )


def test_a_fee_invoice_charges_each_overdue_item_its_interest_to_date(finance_user, debtor):
    customer, big, small = debtor
    customer.language = "en"
    customer.save(update_fields=["language"])

    with translation.override("zh-hans"):  # whoever raises it, the lines are the customer's
        fee = fee_invoice_create(
            actor=finance_user, customer=customer, as_of=date(2026, 3, 31), currency="CNY"
        )

    assert (fee.status, fee.customer, fee.issue_date, fee.total) == (
        Invoice.Status.DRAFT,
        customer,
        date(2026, 3, 31),
        Decimal("413.00"),  # (10,000 + 4,000) × 0.0005 × 59
    )
    lines = list(fee.lines.values_list("description", "quantity", "unit_price", "amount"))
    assert [line[1:] for line in lines] == [
        (Decimal("1.0000"), Decimal("295.0000"), Decimal("295.00")),
        (Decimal("1.0000"), Decimal("118.0000"), Decimal("118.00")),
    ]
    assert lines[0][0] == f"Late interest {big.number} (2026-02-01 – 2026-03-31, 59 days)"
    assert _links() == [
        (big.number, date(2026, 2, 1), date(2026, 3, 31), Decimal("295.00")),
        (small.number, date(2026, 2, 1), date(2026, 3, 31), Decimal("118.00")),
    ]
    # The first fee is exactly the late interest a statement shows that day.
    installment = big.installments.select_related("invoice__payment_terms").get()
    assert installment_late_interest(
        installment, as_of=date(2026, 3, 31), open_amount=Decimal("10000.00")
    ) == Decimal("295.00")


def test_the_next_fee_invoice_starts_the_day_after_the_last_one(finance_user, debtor):
    customer, big, small = debtor
    fee_invoice_create(
        actor=finance_user, customer=customer, as_of=date(2026, 3, 31), currency="CNY"
    )
    payment = recorded_payment(
        customer, actor=finance_user, amount=Decimal("6000.00"), received_on=date(2026, 4, 10)
    )
    services.payment_allocate(
        actor=finance_user,
        payment=payment,
        allocations=[(big.installments.get().pk, Decimal("6000.00"))],
        applied_on=date(2026, 4, 10),
    )

    second = fee_invoice_create(
        actor=finance_user, customer=customer, as_of=date(2026, 4, 30), currency="CNY"
    )

    # April: 4,000 left on the big one and 4,000 on the small one, 30 days each → 60.00 each;
    # the invoice of March (due 2026-04-14) is overdue 16 days: 2,000 × 0.0005 × 16 = 16.00.
    assert second.total == Decimal("136.00")
    assert _links()[1::2] == [
        (big.number, date(2026, 4, 1), date(2026, 4, 30), Decimal("60.00")),
        (small.number, date(2026, 4, 1), date(2026, 4, 30), Decimal("60.00")),
    ]
    assert FeeInvoiceLink.objects.filter(fee_invoice=second).count() == 3


def test_asking_again_for_the_same_day_charges_nothing_twice(finance_user, debtor):
    customer, _big, _small = debtor
    fee_invoice_create(
        actor=finance_user, customer=customer, as_of=date(2026, 3, 31), currency="CNY"
    )
    before = (_links(), Invoice.objects.count())

    with pytest.raises(ApplicationError) as refused:
        fee_invoice_create(
            actor=finance_user, customer=customer, as_of=date(2026, 3, 31), currency="CNY"
        )

    assert refused.value.field == "as_of"
    assert (_links(), Invoice.objects.count()) == before


def test_cancelling_the_draft_frees_its_days(finance_user, debtor):
    customer, _big, _small = debtor
    first = fee_invoice_create(
        actor=finance_user, customer=customer, as_of=date(2026, 3, 31), currency="CNY"
    )
    services.invoice_cancel_draft(actor=finance_user, invoice=first)

    again = fee_invoice_create(
        actor=finance_user, customer=customer, as_of=date(2026, 3, 31), currency="CNY"
    )

    assert again.total == Decimal("413.00")


def test_disputed_items_and_fees_carry_no_interest_to_invoice(finance_user, debtor):
    customer, big, small = debtor
    services.dispute_open(
        actor=finance_user,
        customer=customer,
        source=Dispute.Source.CUSTOMER_CONTACT,
        currency="CNY",
        opened_on=date(2026, 2, 10),
        installments=[small.installments.get()],
    )
    fee = fee_invoice_create(
        actor=finance_user, customer=customer, as_of=date(2026, 3, 31), currency="CNY"
    )
    assert fee.total == Decimal("295.00")  # the disputed invoice is left out
    services.invoice_issue(actor=finance_user, invoice=fee)

    # Months later the issued fee invoice is overdue too, but no interest runs on interest.
    lines = fee_lines_due(customer=customer, as_of=date(2026, 6, 30), currency="CNY")

    march = Invoice.objects.get(issue_date=date(2026, 3, 15))
    assert [(line.installment.invoice, line.interest_from, line.amount) for line in lines] == [
        (big, date(2026, 4, 1), Decimal("455.00")),  # 10,000 × 0.0005 × 91
        (march, date(2026, 4, 15), Decimal("77.00")),  # 2,000 × 0.0005 × 77
    ]


def test_a_fee_invoice_can_charge_chosen_items_only(finance_user, debtor):
    customer, _big, small = debtor

    fee = fee_invoice_create(
        actor=finance_user,
        customer=customer,
        as_of=date(2026, 3, 31),
        currency="CNY",
        installment_ids=[small.installments.get().pk],
    )

    assert fee.total == Decimal("118.00")
    assert [row[0] for row in _links()] == [small.number]


def test_only_finance_raises_fee_invoices(sales_user, manager_user, debtor):
    customer, _big, _small = debtor
    for user in (sales_user, manager_user):
        with pytest.raises(PermissionDeniedError):
            fee_invoice_create(
                actor=user, customer=customer, as_of=date(2026, 3, 31), currency="CNY"
            )

    assert not Invoice.objects.filter(status=Invoice.Status.DRAFT).exists()
    assert not FeeInvoiceLink.objects.exists()
