"""The worked example of docs/kpis.md, built through the real services: one customer, net 30
(each invoice one installment due 30 days after issue), base currency.

    invoice  issued      due         amount
    A        2025-12-15  2026-01-14  1,000.00   paid 01-20
    B        2026-01-10  2026-02-09  2,000.00   1,200 paid 02-25, bounced (payment reversed)
                                                03-03; 2,000 paid 03-15
    C        2026-02-20  2026-03-22  1,500.00   credit note 300 on 03-10; 1,200 paid 04-10
    D        2026-03-05  2026-04-04  3,000.00   credit note 500 on 04-15; 1,000 paid 04-20,
                                                that allocation undone 04-25
    E        2026-04-08  2026-05-08  2,500.00   open

Everything from April on happens after 31 March and must not change March's figures.
"""

from datetime import date
from decimal import Decimal as D

from receivables import services
from tests.factories import PaymentTermsFactory, issued_invoice, recorded_payment


def net30():
    return PaymentTermsFactory(code="NET30", name="Net 30", net_days=30)


def invoice(customer, actor, issued: date, amount: str):
    """An invoice of one installment, due 30 days after `issued`."""
    return issued_invoice(customer, actor=actor, amount=D(amount), issue_date=issued, terms=net30())


def pay(customer, actor, target, amount: str, on: date):
    """A payment received on `on` and applied to `target` the same day; (payment, allocation)."""
    payment = recorded_payment(customer, actor=actor, amount=D(amount), received_on=on)
    allocations = services.payment_allocate(
        actor=actor,
        payment=payment,
        allocations=[(target.installments.get().pk, D(amount))],
        applied_on=on,
    )
    return payment, allocations[0]


def credit(actor, target, amount: str, on: date):
    return services.credit_note_issue(
        actor=actor, invoice=target, amount=D(amount), reason="price adjustment", issue_date=on
    )


def build_worked_example(customer, actor):
    """The ledger above, for `customer`."""
    inv_a = invoice(customer, actor, date(2025, 12, 15), "1000.00")
    inv_b = invoice(customer, actor, date(2026, 1, 10), "2000.00")
    inv_c = invoice(customer, actor, date(2026, 2, 20), "1500.00")
    inv_d = invoice(customer, actor, date(2026, 3, 5), "3000.00")
    pay(customer, actor, inv_a, "1000.00", date(2026, 1, 20))
    bounced, _allocation = pay(customer, actor, inv_b, "1200.00", date(2026, 2, 25))
    services.payment_reverse(
        actor=actor, payment=bounced, reversed_on=date(2026, 3, 3), reason="bounced"
    )
    credit(actor, inv_c, "300.00", date(2026, 3, 10))
    pay(customer, actor, inv_b, "2000.00", date(2026, 3, 15))
    # After 31 March.
    invoice(customer, actor, date(2026, 4, 8), "2500.00")
    pay(customer, actor, inv_c, "1200.00", date(2026, 4, 10))
    credit(actor, inv_d, "500.00", date(2026, 4, 15))
    _payment, undone = pay(customer, actor, inv_d, "1000.00", date(2026, 4, 20))
    services.allocation_reverse(actor=actor, allocation=undone, reversed_on=date(2026, 4, 25))
    return customer
