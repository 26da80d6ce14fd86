"""A small ledger for the aging and provision tests, built through the real services, with its
aging worked out by hand (docs/aging-and-provision.md uses the same example).

Reporting date AS_OF = 2026-03-31. All invoices are on net 30 (due 30 days after issue).

    customer  invoice  issued      due         amount      open on AS_OF  days past due
    A (CNY)   A1       2026-01-05  2026-02-04  1,000.00      400.00        55  (31–60)
    A         A2       2026-03-20  2026-04-19  2,000.00    2,000.00       -19  (current)
    A         A3       2025-02-01  2025-03-03    500.00      450.00       393  (over 365)
    B (USD)   B1       2026-01-20  2026-02-19    100.00      100.00 USD    40  (31–60)  = 700.00
    B         B2       2025-11-01  2025-12-01     33.33       33.33 USD   120  (91–180) = 233.31
    C (CNY)   C1       2026-03-01  2026-03-31     80.00       80.00         0  (current)
    C         C2       2025-12-01  2025-12-31     70.00       70.00        90  (61–90)

A1: paid 400 on 02-20; 300 paid on 03-10 and reversed on 03-25 (reopened before AS_OF); 200
paid on 03-28 and reversed on 04-10 (still paid on AS_OF). A2: paid in full on 04-15 (after).
A3: credit notes of 50 on 03-15 (before) and 100 on 04-02 (after). USD is 7.00 from 2025-01-01
and 7.50 from 2026-04-01 (after AS_OF, so not used for it).

Today's state (after everything): A1 600.00, A2 0, A3 350.00, B and C unchanged.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from customers.models import Customer
from receivables import services
from receivables.models import CreditControlPolicy, Invoice
from tests.factories import CustomerFactory, UserFactory, issued_invoice, recorded_payment

AS_OF = date(2026, 3, 31)
LATER = date(2026, 4, 30)
CHINESE_NAME = "华东机电有限公司"


def relax_credit_control() -> None:
    """Let old overdue items and zero limits pass credit control: these tests build histories
    (an invoice issued while an older one is long overdue) that credit control would refuse."""
    CreditControlPolicy.objects.update_or_create(
        pk=CreditControlPolicy.SINGLETON_ID,
        defaults={"max_days_overdue": 1_000_000, "zero_limit_is_no_credit": False},
    )


def pay(customer, actor, invoice: Invoice, amount: str, on: date):
    """A payment received and applied to the invoice's (only) installment on `on`."""
    payment = recorded_payment(customer, actor=actor, amount=Decimal(amount), received_on=on)
    services.payment_allocate(
        actor=actor,
        payment=payment,
        allocations=[(invoice.installments.get().pk, Decimal(amount))],
        applied_on=on,
    )
    return payment


def reverse(actor, payment, on: date):
    return services.payment_reverse(actor=actor, payment=payment, reversed_on=on, reason="退票")


def credit(actor, invoice, amount: str, on: date):
    return services.credit_note_issue(
        actor=actor, invoice=invoice, amount=Decimal(amount), reason="折让", issue_date=on
    )


def set_rate(actor, currency: str, on: date, rate: str):
    services.exchange_rate_set(
        actor=actor, currency=currency, rate_date=on, rate_to_base=Decimal(rate)
    )


def invoice(customer, actor, amount: str, issued: date) -> Invoice:
    return issued_invoice(customer, actor=actor, amount=Decimal(amount), issue_date=issued)


@dataclass
class ExampleLedger:
    rep_a: object
    rep_b: object
    a: Customer
    b: Customer
    c: Customer
    invoices: dict[str, Invoice]


def build_example_ledger(finance_user) -> ExampleLedger:
    relax_credit_control()
    rep_a = UserFactory(username="rep_east", first_name="洋", last_name="刘", role="Sales")
    rep_b = UserFactory(username="rep_north", role="Sales")
    a = CustomerFactory(
        code="A001",
        legal_name=CHINESE_NAME,
        short_name="",
        owner=rep_a,
        region="华东",
        tier=Customer.Tier.A,
    )
    b = CustomerFactory(
        code="B001",
        legal_name="Northwind Trading Ltd",
        short_name="Northwind",
        owner=rep_b,
        region="华北",
        tier=Customer.Tier.B,
        currency="USD",
    )
    c = CustomerFactory(
        code="C001",
        legal_name="无主客户有限公司",
        short_name="无主",
        owner=None,
        region="",
        tier=Customer.Tier.C,
    )
    set_rate(finance_user, "USD", date(2025, 1, 1), "7.00")
    set_rate(finance_user, "USD", date(2026, 4, 1), "7.50")
    invoices = {
        "A3": invoice(a, finance_user, "500.00", date(2025, 2, 1)),
        "A1": invoice(a, finance_user, "1000.00", date(2026, 1, 5)),
        "A2": invoice(a, finance_user, "2000.00", date(2026, 3, 20)),
        "B2": invoice(b, finance_user, "33.33", date(2025, 11, 1)),
        "B1": invoice(b, finance_user, "100.00", date(2026, 1, 20)),
        "C2": invoice(c, finance_user, "70.00", date(2025, 12, 1)),
        "C1": invoice(c, finance_user, "80.00", date(2026, 3, 1)),
    }
    a1 = invoices["A1"]
    pay(a, finance_user, a1, "400.00", date(2026, 2, 20))
    reverse(finance_user, pay(a, finance_user, a1, "300.00", date(2026, 3, 10)), date(2026, 3, 25))
    reverse(finance_user, pay(a, finance_user, a1, "200.00", date(2026, 3, 28)), date(2026, 4, 10))
    pay(a, finance_user, invoices["A2"], "2000.00", date(2026, 4, 15))
    credit(finance_user, invoices["A3"], "50.00", date(2026, 3, 15))
    credit(finance_user, invoices["A3"], "100.00", date(2026, 4, 2))
    return ExampleLedger(rep_a=rep_a, rep_b=rep_b, a=a, b=b, c=c, invoices=invoices)


D = Decimal
# The report of the example on AS_OF, by customer, days past due, default buckets.
EXPECTED_BY_CUSTOMER = {
    "A001": {"current": D("2000.00"), "days_31_60": D("400.00"), "over_365": D("450.00")},
    "B001": {"days_31_60": D("700.00"), "days_91_180": D("233.31")},
    "C001": {"current": D("80.00"), "days_61_90": D("70.00")},
}
EXPECTED_TOTALS = {
    "current": D("2080.00"),
    "days_1_30": D("0.00"),
    "days_31_60": D("1100.00"),
    "days_61_90": D("70.00"),
    "days_91_180": D("233.31"),
    "days_181_365": D("0.00"),
    "over_365": D("450.00"),
}
EXPECTED_GRAND_TOTAL = D("3933.31")
