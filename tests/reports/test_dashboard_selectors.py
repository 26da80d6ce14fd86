"""The dashboard's reads (reports.selectors) against hand-computed figures."""

from datetime import date, timedelta
from decimal import Decimal
from decimal import Decimal as D

import pytest

from customers.models import Customer
from receivables import services
from reports.selectors import (
    AGING_BUCKETS,
    CollectionRate,
    cash_received,
    collection_rates,
    customers_over_credit_limit,
    finance_work_queue,
    month_ends,
    open_and_overdue_trend,
    percent_of,
    receivables_position,
    sales_rep_table,
    top_debtors,
    unapplied_cash,
)
from tests.factories import (
    CustomerFactory,
    PaymentTermsFactory,
    UserFactory,
    issued_invoice,
    recorded_payment,
)

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)


def net(days: int):
    return PaymentTermsFactory(code=f"NET{days}", name=f"Net {days}", net_days=days)


def invoice_due(customer, actor, due_date: date, amount: str):
    """An invoice with one installment due on `due_date` (issued ten days before)."""
    return issued_invoice(
        customer,
        actor=actor,
        amount=Decimal(amount),
        issue_date=due_date - timedelta(days=10),
        terms=net(10),
    )


def pay(customer, actor, invoice, amount: str, on: date):
    payment = recorded_payment(customer, actor=actor, amount=Decimal(amount), received_on=on)
    services.payment_allocate(
        actor=actor,
        payment=payment,
        allocations=[(invoice.installments.get().pk, Decimal(amount))],
        applied_on=on,
    )
    return payment


def set_rate(actor, currency: str, on: date, rate: str):
    services.exchange_rate_set(
        actor=actor, currency=currency, rate_date=on, rate_to_base=Decimal(rate)
    )


def only_bucket(position) -> dict:
    return {key: amount for key, amount in position.buckets.items() if amount}


@pytest.mark.parametrize(
    ("days_past_due", "bucket"),
    [
        (-5, "current"),
        (0, "current"),
        (1, "days_1_30"),
        (30, "days_1_30"),
        (31, "days_31_60"),
        (60, "days_31_60"),
        (61, "days_61_90"),
        (90, "days_61_90"),
        (91, "days_91_180"),
        (180, "days_91_180"),
        (181, "days_181_365"),
        (365, "days_181_365"),
        (366, "over_365"),
        (900, "over_365"),
    ],
)
def test_aging_bucket_boundaries(customer, finance_user, days_past_due, bucket):
    invoice_due(customer, finance_user, AS_OF - timedelta(days=days_past_due), "123.45")

    position = receivables_position(user=finance_user, as_of=AS_OF)

    assert only_bucket(position) == {bucket: Decimal("123.45")}
    assert position.open == Decimal("123.45")
    assert position.overdue == (Decimal("123.45") if days_past_due > 0 else Decimal("0.00"))


def test_buckets_partition_the_open_amount_and_the_totals_add_up(customer, finance_user):
    # Due the day after the week that starts on AS_OF: not "due soon".
    invoice_due(customer, finance_user, AS_OF + timedelta(days=7), "1.00")
    # Due on the week's last day: due soon.
    invoice_due(customer, finance_user, AS_OF + timedelta(days=6), "2.00")
    # Latest due first: credit control refuses an invoice while an item is over 90 days overdue.
    for days, amount in [(-3, "10.00"), (0, "20.00"), (6, "40.00"), (45, "80.00"), (400, "160.00")]:
        invoice_due(customer, finance_user, AS_OF - timedelta(days=days), amount)

    position = receivables_position(user=finance_user, as_of=AS_OF)

    assert position.open == Decimal("313.00")
    assert position.overdue == Decimal("280.00")
    assert position.overdue_percent == Decimal("89.5")
    assert position.due_soon == Decimal("32.00")
    assert position.buckets == {
        "current": Decimal("33.00"),
        "days_1_30": Decimal("40.00"),
        "days_31_60": Decimal("80.00"),
        "days_61_90": Decimal("0.00"),
        "days_91_180": Decimal("0.00"),
        "days_181_365": Decimal("0.00"),
        "over_365": Decimal("160.00"),
    }
    assert sum(position.buckets.values()) == position.open
    assert [bucket.key for bucket in AGING_BUCKETS] == list(position.buckets)
    assert position.missing_rates == ()


def test_foreign_currency_converts_at_the_reporting_dates_rate_and_missing_rates_are_named(
    finance_user,
):
    dollars = CustomerFactory(currency="USD")
    euros = CustomerFactory(currency="EUR")
    yuan = CustomerFactory(currency="CNY")
    set_rate(finance_user, "USD", date(2026, 6, 1), "7.1234")
    # Recorded after the reporting date: not yet known on it.
    set_rate(finance_user, "USD", date(2026, 7, 1), "9.0000")
    invoice_due(dollars, finance_user, date(2026, 6, 10), "33.33")
    invoice_due(euros, finance_user, date(2026, 6, 10), "50.00")
    invoice_due(yuan, finance_user, date(2026, 7, 10), "100.00")

    position = receivables_position(user=finance_user, as_of=AS_OF)

    # 33.33 × 7.1234 = 237.422922 → 237.42; the euro invoice has no rate and is left out.
    assert position.open == Decimal("337.42")
    assert position.overdue == Decimal("237.42")
    assert position.buckets["days_1_30"] == Decimal("237.42")
    assert position.missing_rates == ("EUR",)


def test_a_sales_rep_sees_only_their_customers(customer, sales_user, finance_user):
    invoice_due(customer, finance_user, date(2026, 6, 1), "100.00")
    invoice_due(CustomerFactory(), finance_user, date(2026, 6, 1), "900.00")
    pay(customer, finance_user, invoice_due(customer, finance_user, AS_OF, "50.00"), "50.00", AS_OF)

    assert receivables_position(user=sales_user, as_of=AS_OF).open == Decimal("100.00")
    assert receivables_position(user=finance_user, as_of=AS_OF).open == Decimal("1000.00")
    assert cash_received(user=sales_user, as_of=AS_OF) == {None: Decimal("50.00")}
    assert [c.pk for c in top_debtors(user=sales_user, as_of=AS_OF)] == [customer.pk]


def test_month_ends_are_the_last_ones_on_or_before_the_date():
    assert month_ends(as_of=date(2026, 3, 15), count=3) == [
        date(2025, 12, 31),
        date(2026, 1, 31),
        date(2026, 2, 28),
    ]
    assert month_ends(as_of=date(2026, 2, 28), count=2) == [date(2026, 1, 31), date(2026, 2, 28)]
    assert len(month_ends(as_of=AS_OF)) == 12


def test_trend_reproduces_past_balances_after_later_payments_and_reversals(customer, finance_user):
    # Issued 10 January on net 30: due 9 February.
    invoice = issued_invoice(
        customer, actor=finance_user, amount=Decimal("1000.00"), issue_date=date(2026, 1, 10)
    )
    first = pay(customer, finance_user, invoice, "400.00", date(2026, 3, 5))
    pay(customer, finance_user, invoice, "600.00", date(2026, 4, 20))
    services.payment_reverse(
        actor=finance_user, payment=first, reversed_on=date(2026, 4, 25), reason="bounced"
    )
    dates = [date(2025, 12, 31), *month_ends(as_of=date(2026, 4, 30), count=4)]

    trend = open_and_overdue_trend(user=finance_user, dates=dates)

    assert [(p.on_date, p.open, p.overdue) for p in trend] == [
        (date(2025, 12, 31), Decimal("0.00"), Decimal("0.00")),
        (date(2026, 1, 31), Decimal("1000.00"), Decimal("0.00")),
        (date(2026, 2, 28), Decimal("1000.00"), Decimal("1000.00")),
        (date(2026, 3, 31), Decimal("600.00"), Decimal("600.00")),
        (date(2026, 4, 30), Decimal("400.00"), Decimal("400.00")),
    ]
    assert all(point.missing_rates == () for point in trend)


def test_trend_converts_each_point_at_its_own_rate_and_names_missing_ones(finance_user):
    dollars = CustomerFactory(currency="USD")
    issued_invoice(
        dollars, actor=finance_user, amount=Decimal("10.00"), issue_date=date(2026, 1, 5)
    )
    set_rate(finance_user, "USD", date(2026, 2, 1), "7.00")
    set_rate(finance_user, "USD", date(2026, 3, 1), "7.50")

    trend = open_and_overdue_trend(
        user=finance_user, dates=[date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]
    )

    assert [(p.open, p.missing_rates) for p in trend] == [
        (Decimal("0.00"), ("USD",)),
        (Decimal("70.00"), ()),
        (Decimal("75.00"), ()),
    ]


def test_top_debtors_are_ordered_by_open_balance_then_code(finance_user):
    small = CustomerFactory(code="A1")
    large = CustomerFactory(code="B1")
    tied_late = CustomerFactory(code="D1")
    tied_early = CustomerFactory(code="C1")
    settled = CustomerFactory(code="E1")
    for customer, amount in [
        (small, "10.00"),
        (large, "500.00"),
        (tied_late, "200.00"),
        (tied_early, "200.00"),
    ]:
        invoice_due(customer, finance_user, date(2026, 6, 1), amount)
    pay(settled, finance_user, invoice_due(settled, finance_user, AS_OF, "80.00"), "80.00", AS_OF)

    debtors = top_debtors(user=finance_user, as_of=AS_OF, limit=3)

    assert [(c.code, c.open_base, c.overdue_base) for c in debtors] == [
        ("B1", Decimal("500.00"), Decimal("500.00")),
        ("C1", Decimal("200.00"), Decimal("200.00")),
        ("D1", Decimal("200.00"), Decimal("200.00")),
    ]


def test_top_debtors_as_of_a_past_date_ignore_later_payments(customer, finance_user):
    invoice = invoice_due(customer, finance_user, date(2026, 6, 1), "300.00")
    pay(customer, finance_user, invoice, "300.00", date(2026, 7, 2))

    assert [c.open_base for c in top_debtors(user=finance_user, as_of=AS_OF)] == [Decimal("300.00")]
    assert top_debtors(user=finance_user, as_of=date(2026, 7, 2)) == []


def test_customers_over_their_credit_limit_with_utilisation(finance_user):
    set_rate(finance_user, "USD", date(2026, 1, 1), "7.00")
    over = CustomerFactory(code="OVER")
    within = CustomerFactory(code="OK", credit_limit=Decimal("1000.00"))
    no_credit = CustomerFactory(code="ZERO")
    dollars = CustomerFactory(code="USD", currency="USD")
    invoice_due(over, finance_user, date(2026, 6, 1), "1500.00")
    invoice_due(within, finance_user, date(2026, 6, 1), "1000.00")
    invoice_due(no_credit, finance_user, date(2026, 6, 1), "5.00")
    # 120 USD against a 100 USD limit: 840 against 700 in yuan.
    invoice_due(dollars, finance_user, date(2026, 6, 1), "120.00")
    # Limits lowered after the invoices went out (credit control would have refused them).
    for customer, limit in [(over, "1000.00"), (no_credit, "0.00"), (dollars, "100.00")]:
        Customer.objects.filter(pk=customer.pk).update(credit_limit=Decimal(limit))

    listed = customers_over_credit_limit(user=finance_user, as_of=AS_OF)

    assert [(c.code, c.open_base, c.credit_limit_base, c.utilisation_percent) for c in listed] == [
        ("OVER", Decimal("1500.00"), Decimal("1000.00"), Decimal("150.0")),
        ("USD", Decimal("840.00"), Decimal("700.00"), Decimal("120.0")),
        ("ZERO", Decimal("5.00"), Decimal("0.00"), None),
    ]


def _march_ledger(customer, actor):
    """The collection-rate example of reports.selectors.collection_rates, in March 2026 up to
    the 20th: 1000 due of which 650 collected."""
    # Due 9 February, 300 paid in February: 700 still owed on 1 March; 500 paid in March.
    a = issued_invoice(
        customer, actor=actor, amount=Decimal("1000.00"), issue_date=date(2026, 1, 10)
    )
    pay(customer, actor, a, "300.00", date(2026, 2, 15))
    pay(customer, actor, a, "500.00", date(2026, 3, 10))
    # Paid on 12 March and reversed on the 18th: nets to nothing.
    bounced = pay(customer, actor, a, "100.00", date(2026, 3, 12))
    services.payment_reverse(
        actor=actor, payment=bounced, reversed_on=date(2026, 3, 18), reason="bounced"
    )
    # Issued in March, due 11 March: 400 less a 100 credit note is 300 owed; 150 paid.
    b = issued_invoice(
        customer, actor=actor, amount=Decimal("400.00"), issue_date=date(2026, 3, 1), terms=net(10)
    )
    services.credit_note_issue(
        actor=actor,
        invoice=b,
        amount=Decimal("100.00"),
        reason="price",
        issue_date=date(2026, 3, 5),
    )
    pay(customer, actor, b, "150.00", date(2026, 3, 12))
    # Due 2 April, after the month: its March payment counts in neither figure.
    c = issued_invoice(
        customer, actor=actor, amount=Decimal("800.00"), issue_date=date(2026, 2, 1), terms=net(60)
    )
    pay(customer, actor, c, "200.00", date(2026, 3, 15))
    # Settled in February: nothing owed in March.
    e = issued_invoice(
        customer, actor=actor, amount=Decimal("200.00"), issue_date=date(2026, 1, 5), terms=net(10)
    )
    pay(customer, actor, e, "200.00", date(2026, 2, 1))
    # Issued after the reporting date (though due in the month): not yet owed on it.
    issued_invoice(
        customer, actor=actor, amount=Decimal("999.00"), issue_date=date(2026, 3, 25), terms=net(0)
    )


def test_collection_rate_of_the_month_to_date(customer, finance_user):
    _march_ledger(customer, finance_user)

    rates = collection_rates(user=finance_user, as_of=date(2026, 3, 20))

    assert rates == {None: CollectionRate(collected=Decimal("650.00"), due=Decimal("1000.00"))}
    assert rates[None].percent == Decimal("65.0")
    # Cash received in March to the 20th: 500 + 150 + 200; the bounced 100 was never collected.
    assert cash_received(user=finance_user, as_of=date(2026, 3, 20)) == {None: Decimal("850.00")}


def test_collection_rate_before_the_reversal_still_counts_the_payment(customer, finance_user):
    _march_ledger(customer, finance_user)

    rates = collection_rates(user=finance_user, as_of=date(2026, 3, 17))

    assert rates[None] == CollectionRate(collected=Decimal("750.00"), due=Decimal("1000.00"))
    assert cash_received(user=finance_user, as_of=date(2026, 3, 17)) == {None: Decimal("950.00")}


def test_an_invoice_paid_in_full_less_bank_charges_is_fully_collected(customer, finance_user):
    invoice = issued_invoice(
        customer, actor=finance_user, amount=Decimal("1000.00"), issue_date=date(2026, 3, 1)
    )
    installment = invoice.installments.get()
    payment = services.payment_record(
        actor=finance_user,
        customer=customer,
        received_on=date(2026, 3, 5),
        amount=Decimal("985.00"),
    )
    services.payment_allocate(
        actor=finance_user,
        payment=payment,
        allocations=[(installment.pk, Decimal("985.00"))],
        applied_on=date(2026, 3, 5),
    )
    services.bank_charge_record(
        actor=finance_user,
        payment=payment,
        installment=installment,
        amount=Decimal("15.00"),
        charged_on=date(2026, 3, 5),
    )

    rates = collection_rates(user=finance_user, as_of=date(2026, 3, 31))

    assert rates[None] == CollectionRate(collected=Decimal("1000.00"), due=Decimal("1000.00"))


def test_collection_rate_without_anything_due_is_undefined(finance_user):
    rate = collection_rates(user=finance_user, as_of=AS_OF)[None]
    assert rate == CollectionRate(collected=Decimal("0.00"), due=Decimal("0.00"))
    assert rate.percent is None


def test_percentages_round_half_up():
    assert percent_of(Decimal("1"), Decimal("8")) == Decimal("12.5")
    assert percent_of(Decimal("1"), Decimal("16")) == Decimal("6.3")
    assert percent_of(Decimal("2"), Decimal("3")) == Decimal("66.7")
    assert percent_of(Decimal("5"), Decimal("0")) is None


def test_unapplied_cash_as_of_a_date(customer, finance_user):
    invoice = invoice_due(customer, finance_user, date(2026, 2, 28), "600.00")
    payment = recorded_payment(
        customer, actor=finance_user, amount=Decimal("1000.00"), received_on=date(2026, 1, 20)
    )
    services.payment_allocate(
        actor=finance_user,
        payment=payment,
        allocations=[(invoice.installments.get().pk, Decimal("600.00"))],
        applied_on=date(2026, 2, 20),
    )
    services.payment_refund(
        actor=finance_user, payment=payment, amount=Decimal("100.00"), refunded_on=date(2026, 3, 1)
    )
    recorded_payment(
        customer, actor=finance_user, amount=Decimal("50.00"), received_on=date(2026, 4, 1)
    )

    assert unapplied_cash(user=finance_user, as_of=date(2026, 1, 19)) == Decimal("0.00")
    assert unapplied_cash(user=finance_user, as_of=date(2026, 1, 31)) == Decimal("1000.00")
    assert unapplied_cash(user=finance_user, as_of=date(2026, 2, 20)) == Decimal("400.00")
    assert unapplied_cash(user=finance_user, as_of=date(2026, 3, 31)) == Decimal("300.00")
    assert unapplied_cash(user=finance_user, as_of=date(2026, 4, 1)) == Decimal("350.00")


def test_sales_rep_table(finance_user, sales_user, other_sales_user):
    mine = CustomerFactory(owner=sales_user)
    theirs = CustomerFactory(owner=other_sales_user)
    nobodys = CustomerFactory(owner=None)
    as_of = date(2026, 3, 20)
    _march_ledger(mine, finance_user)
    # Due 1 March (overdue on the 20th), 40 of 250 paid in March.
    other = invoice_due(theirs, finance_user, date(2026, 3, 1), "250.00")
    pay(theirs, finance_user, other, "40.00", date(2026, 3, 3))
    invoice_due(nobodys, finance_user, date(2026, 3, 25), "70.00")

    rows = sales_rep_table(user=finance_user, as_of=as_of)

    assert [
        (
            row.rep,
            row.open,
            row.overdue,
            row.overdue_percent,
            row.collected,
            row.collection_rate.percent,
        )
        for row in rows
    ] == [
        # Open on the 20th: a 200 (the bounced 100 re-opened), b 150, c 600, the late invoice
        # not yet issued; overdue: a and b.
        (sales_user, D("950.00"), D("350.00"), D("36.8"), D("850.00"), D("65.0")),
        (other_sales_user, D("210.00"), D("210.00"), D("100.0"), D("40.00"), D("16.0")),
        # Customers nobody owns; due on the 25th, so due this month and nothing collected.
        (None, D("70.00"), D("0.00"), D("0.0"), D("0.00"), D("0.0")),
    ]
    # A sales rep's own view of the table has only their line.
    assert [row.rep for row in sales_rep_table(user=sales_user, as_of=as_of)] == [sales_user]


def test_finance_work_queue(customer, finance_user, manager_user):
    unsent_disputed = invoice_due(customer, finance_user, date(2026, 6, 1), "100.00")
    services.invoice_set_disputed(actor=finance_user, invoice=unsent_disputed, disputed=True)
    sent = invoice_due(customer, finance_user, date(2026, 6, 1), "200.00")
    services.invoice_update_delivery(actor=finance_user, invoice=sent, sent_on=date(2026, 5, 25))
    # Paid in full: neither disputed work nor anything to send any more.
    paid = invoice_due(customer, finance_user, date(2026, 6, 1), "300.00")
    services.invoice_set_disputed(actor=finance_user, invoice=paid, disputed=True)
    pay(customer, finance_user, paid, "300.00", date(2026, 6, 2))
    partly_applied = recorded_payment(customer, actor=finance_user, amount=Decimal("1000.00"))
    services.payment_allocate(
        actor=finance_user,
        payment=partly_applied,
        allocations=[(sent.installments.get().pk, Decimal("150.00"))],
        applied_on=date(2026, 6, 2),
    )
    bounced = recorded_payment(customer, actor=finance_user, amount=Decimal("80.00"))
    services.payment_reverse(
        actor=finance_user, payment=bounced, reversed_on=date(2026, 6, 2), reason="bounced"
    )
    services.write_off_request(
        actor=manager_user,
        installment=unsent_disputed.installments.get(),
        amount=Decimal("60.00"),
        reason="insolvent",
    )

    queue = finance_work_queue(user=finance_user, on_date=AS_OF)

    assert queue.unapplied_payments == 1
    assert queue.unapplied_total == Decimal("850.00")
    assert queue.disputed_invoices == 1
    # The disputed one and the partly paid one that was sent: only the first is unsent.
    assert queue.unsent_invoices == 1
    assert queue.pending_write_offs == 1
    assert queue.pending_write_off_total == Decimal("60.00")


def test_the_work_queue_is_scoped_like_everything_else(sales_user, finance_user):
    stranger = CustomerFactory(owner=UserFactory())
    invoice_due(stranger, finance_user, date(2026, 6, 1), "100.00")
    recorded_payment(stranger, actor=finance_user)

    queue = finance_work_queue(user=sales_user, on_date=AS_OF)

    assert (queue.unapplied_payments, queue.unsent_invoices) == (0, 0)
