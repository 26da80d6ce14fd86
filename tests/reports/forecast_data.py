"""Hand-made payment histories for the cash forecast tests: the worked example of
docs/cash-forecast.md, built through the real ledger services."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from receivables import services
from receivables.models import Installment
from tests.factories import CustomerFactory, PaymentTermsFactory, issued_invoice, recorded_payment

# A Wednesday: the forecast's first week starts on Monday 2026-03-02, its 13th ends on Sunday
# 2026-05-31. History: installments paid after 2025-03-04; recent trend: after 2025-12-04.
AS_OF = date(2026, 3, 4)


def open_item(customer, *, actor, due: date, amount: str, terms=None) -> Installment:
    """An issued one-installment invoice due on `due` (issued `terms.net_days` earlier)."""
    terms = terms or PaymentTermsFactory()
    invoice = issued_invoice(
        customer,
        actor=actor,
        amount=Decimal(amount),
        issue_date=due - timedelta(days=terms.net_days),
        terms=terms,
    )
    return invoice.installments.get()


def pay(installment: Installment, *, actor, on: date, amount: str | None = None) -> None:
    """A payment received and applied to `installment` on `on` (all that is open by default)."""
    amount = Decimal(amount) if amount else installment.open_amount
    payment = recorded_payment(installment.customer, actor=actor, amount=amount, received_on=on)
    services.payment_allocate(
        actor=actor, payment=payment, allocations=[(installment.pk, amount)], applied_on=on
    )
    installment.refresh_from_db()


def paid_late(customer, *, actor, due: date, days_late: int, amount: str = "100.00") -> None:
    """An installment due on `due` that the customer paid in full `days_late` days after it."""
    installment = open_item(customer, actor=actor, due=due, amount=amount)
    pay(installment, actor=actor, on=due + timedelta(days=days_late))


@dataclass
class WorkedExample:
    alpha: object
    beta: object
    gamma: object
    delta: object
    epsilon: object
    items: dict[str, Installment]


def build_worked_example(*, actor, approver, rep_one, rep_two) -> WorkedExample:
    """Five customers (docs/cash-forecast.md, "Worked example"):

    alpha (rep one): paid 10, 11, 20 and 40 days late, all before the trend window; also one
    paid before the history window (62 days late), one settled by a credit note alone (91 days
    late) and one partly paid and written off (139 days late), none of which counts. Median
    15.5 → 16 days.
    beta (rep one): paid 0, 2, 4 days late long ago and 20, 30, 40 days late recently: median 12,
    recent median 30, so 30 (trend).
    gamma (rep one): one installment paid 100 days late: too little history, so rep one's
    customers' median (20) or, being later, their recent one (30).
    delta (rep two): no history; rep two's customers have 2 installments (too few), so all
    customers': median 11, recent 20, so 20 (trend).
    epsilon (rep two, USD): paid 5 days early twice (recently): too few, so all customers' 20.
    """
    alpha = CustomerFactory(code="ALPHA", owner=rep_one)
    beta = CustomerFactory(code="BETA", owner=rep_one)
    gamma = CustomerFactory(code="GAMMA", owner=rep_one)
    delta = CustomerFactory(code="DELTA", owner=rep_two)
    epsilon = CustomerFactory(code="EPSILON", owner=rep_two, currency="USD")
    services.exchange_rate_set(
        actor=actor, currency="USD", rate_date=date(2026, 3, 1), rate_to_base=Decimal("7.10")
    )
    # A later rate: the forecast converts at the rate known on its date.
    services.exchange_rate_set(
        actor=actor, currency="USD", rate_date=date(2026, 3, 5), rate_to_base=Decimal("7.30")
    )

    paid_late(alpha, actor=actor, due=date(2024, 12, 1), days_late=62)  # before the window
    for due, days_late in [
        (date(2025, 5, 1), 10),
        (date(2025, 6, 1), 11),
        (date(2025, 7, 1), 20),
        (date(2025, 8, 1), 40),
    ]:
        paid_late(alpha, actor=actor, due=due, days_late=days_late)
    credited = open_item(alpha, actor=actor, due=date(2025, 9, 1), amount="100.00")
    services.credit_note_issue(
        actor=actor,
        invoice=credited.invoice,
        amount=Decimal("100.00"),
        reason="退货",
        issue_date=date(2025, 12, 1),
    )
    written_off = open_item(alpha, actor=actor, due=date(2025, 6, 15), amount="100.00")
    pay(written_off, actor=actor, on=date(2025, 7, 1), amount="40.00")
    services.write_off_approve(
        actor=approver,
        write_off=services.write_off_request(
            actor=actor, installment=written_off, amount=Decimal("60.00"), reason="破产"
        ),
        effective_on=date(2025, 11, 1),
    )
    for due, days_late in [
        (date(2025, 5, 1), 0),
        (date(2025, 6, 1), 2),
        (date(2025, 7, 1), 4),
        (date(2026, 1, 5), 20),
        (date(2026, 1, 6), 30),
        (date(2026, 1, 7), 40),
    ]:
        paid_late(beta, actor=actor, due=due, days_late=days_late)
    paid_late(gamma, actor=actor, due=date(2025, 4, 1), days_late=100)
    for due in [date(2026, 1, 20), date(2026, 1, 21)]:
        paid_late(epsilon, actor=actor, due=due, days_late=-5)

    net_90 = PaymentTermsFactory(code="NET90", name="Net 90", net_days=90)
    items = {
        "alpha_overdue": open_item(alpha, actor=actor, due=date(2026, 1, 10), amount="500.00"),
        "alpha_due": open_item(alpha, actor=actor, due=date(2026, 3, 1), amount="1000.00"),
        "beta": open_item(beta, actor=actor, due=date(2026, 3, 10), amount="2000.00"),
        "gamma": open_item(gamma, actor=actor, due=date(2026, 2, 20), amount="300.00"),
        "delta_later": open_item(
            delta, actor=actor, due=date(2026, 5, 15), amount="4000.00", terms=net_90
        ),
        "delta_disputed": open_item(delta, actor=actor, due=date(2026, 3, 5), amount="700.00"),
        "epsilon": open_item(epsilon, actor=actor, due=date(2026, 3, 30), amount="100.00"),
    }
    # Part of beta's item was paid before the forecast date; alpha's overdue item only after it.
    pay(items["beta"], actor=actor, on=date(2026, 2, 20), amount="500.00")
    pay(items["alpha_overdue"], actor=actor, on=date(2026, 3, 6))
    services.invoice_set_disputed(
        actor=actor, invoice=items["delta_disputed"].invoice, disputed=True
    )
    return WorkedExample(alpha, beta, gamma, delta, epsilon, items)
