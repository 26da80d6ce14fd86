"""The invoice as a PDF document (the commercial invoice / 账单 sent with or before the fapiao)."""

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.money import quantize
from core.pdf import letterhead, render_pdf
from core.selectors import company_profile
from core.templatetags.huikuan import CURRENCY_SYMBOLS, money
from receivables.models import Invoice, InvoiceLine


@dataclass(frozen=True)
class PrintedLine:
    position: int
    description: str
    quantity: str
    unit_price: str
    amount: Decimal
    tax_rate: str
    tax_amount: Decimal

    @property
    def total(self) -> Decimal:
        return self.amount + self.tax_amount


def _plain(number: Decimal) -> str:
    """2.5000 → "2.5", 10.0000 → "10": quantities and rates as people write them."""
    return f"{number.normalize():f}"


def _unit_price(price: Decimal, currency: str) -> str:
    """To the cent like every amount, unless the price is finer (12.345 stays 12.345): a
    rounded unit price times the quantity would not give the printed amount."""
    if price == quantize(price, currency):
        return money(price, currency)
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
    sign = "-" if price < 0 else ""
    return f"{sign}{symbol}{abs(price).normalize():,f}"


def _printed_line(line: InvoiceLine, currency: str) -> PrintedLine:
    return PrintedLine(
        position=line.position,
        description=line.description,
        quantity=_plain(line.quantity),
        unit_price=_unit_price(line.unit_price, currency),
        amount=line.amount,
        tax_rate=f"{_plain(line.tax_rate * 100)}%",
        tax_amount=line.tax_amount,
    )


class InvoiceNotPosted(ValueError):
    """Drafts have no number and can still change: they are never printed for a customer."""


def invoice_pdf(invoice: Invoice, *, language: str) -> bytes:
    """The posted invoice in `language`: letterhead, customer, lines with quantity, unit price,
    tax and amount, totals, the installment schedule, fapiao number and where to pay. Dated when
    it was issued, so printing the same invoice again gives the same file."""
    if not invoice.is_posted:
        raise InvoiceNotPosted(invoice.pk)
    invoice = (
        Invoice.objects.select_related("customer", "payment_terms", "contract")
        .prefetch_related("lines", "installments")
        .get(pk=invoice.pk)
    )
    issued_at = invoice.issued_at or timezone.make_aware(
        datetime.combine(invoice.issue_date, time.min)
    )
    with override(language):
        footer = _("Invoice %(number)s") % {"number": invoice.number}
    return render_pdf(
        "pdf/invoice.html",
        {
            **letterhead(company_profile(), language=language),
            "invoice": invoice,
            "customer": invoice.customer,
            "lines": [_printed_line(line, invoice.currency) for line in invoice.lines.all()],
            "installments": list(invoice.installments.all()),
            "footer_text": footer,
        },
        language=language,
        generated_at=issued_at,
    )
