"""Late interest not yet invoiced (逾期利息), per installment, for a fee invoice.

For each of the customer's installments overdue and open on `as_of` (not disputed, not itself
a fee), interest runs from the day after the due date, or from the day after the last period
already invoiced (FeeInvoiceLink.interest_to, on a fee invoice that is not cancelled), to
`as_of` inclusive, on what is open on `as_of`, at the rate of receivables.interest. So the first
fee invoice of an installment charges exactly the late interest a statement shows on that day,
and the next one only the days since.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Max, OuterRef, Q, Subquery

from arcollections.models import FeeInvoiceLink
from customers.models import Customer
from receivables.interest import interest_amount, with_late_interest
from receivables.models import Installment, Invoice
from receivables.selectors import installments_open_as_of


@dataclass(frozen=True)
class FeeLine:
    installment: Installment
    interest_from: date
    interest_to: date
    open_amount: Decimal
    rate: Decimal
    amount: Decimal

    @property
    def days(self) -> int:
        return (self.interest_to - self.interest_from).days + 1


def _live_links():
    """Links whose fee invoice still stands (a cancelled draft or a fully credited fee frees
    its period to be invoiced again)."""
    return FeeInvoiceLink.objects.exclude(fee_invoice__status=Invoice.Status.CANCELLED)


def fee_invoice_ids() -> Subquery:
    """Invoices that are fees: no interest is charged on interest."""
    return FeeInvoiceLink.objects.values("fee_invoice")


def fee_lines_due(
    *, customer: Customer, as_of: date, currency: str, installment_ids=None
) -> list[FeeLine]:
    """Interest not invoiced yet on the customer's overdue items in `currency` as of `as_of`
    (only `installment_ids` when given), oldest due first; items with nothing to charge are
    left out. One query."""
    last_invoiced = (
        _live_links()
        .filter(installment=OuterRef("pk"))
        .values("installment")
        .annotate(last=Max("interest_to"))
        .values("last")
    )
    installments = (
        installments_open_as_of(as_of=as_of)
        .filter(customer=customer, currency=currency, due_date__lt=as_of)
        .exclude(Q(invoice__is_disputed=True) | Q(invoice__in=fee_invoice_ids()))
        .annotate(last_invoiced_to=Subquery(last_invoiced))
        .select_related("invoice")
        .order_by("due_date", "pk")
    )
    if installment_ids is not None:
        installments = installments.filter(pk__in=list(installment_ids))
    lines = []
    for installment in with_late_interest(installments, as_of=as_of):
        start = installment.due_date + timedelta(days=1)
        if installment.last_invoiced_to is not None:
            start = max(start, installment.last_invoiced_to + timedelta(days=1))
        days = (as_of - start).days + 1
        amount = interest_amount(
            open_amount=installment.open_as_of,
            rate=installment.late_interest_rate,
            days=days,
            currency=installment.currency,
        )
        if amount > 0:
            lines.append(
                FeeLine(
                    installment=installment,
                    interest_from=start,
                    interest_to=as_of,
                    open_amount=installment.open_as_of,
                    rate=installment.late_interest_rate,
                    amount=amount,
                )
            )
    return lines
