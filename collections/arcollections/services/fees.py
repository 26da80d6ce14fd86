"""Fee invoices for late interest (逾期利息发票): Finance raises a DRAFT invoice charging the
interest not invoiced before, reviews it, then issues it through the normal invoice flow (or
cancels the draft, which frees the period to be charged again)."""

from datetime import date

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.roles import Capability, has_capability
from arcollections.models import FeeInvoiceLink
from arcollections.selectors.fees import fee_lines_due
from core.exceptions import ApplicationError, PermissionDeniedError
from customers.models import Customer
from receivables.locks import lock_installments
from receivables.models import Invoice
from receivables.services import invoice_create_draft


def _line_description(line) -> str:
    installment = line.installment
    reference = installment.invoice.number
    if installment.sequence > 1:
        reference = f"{reference}/{installment.sequence}"
    return _("Late interest %(reference)s (%(start)s – %(end)s, %(days)d days)") % {
        "reference": reference,
        "start": line.interest_from.isoformat(),
        "end": line.interest_to.isoformat(),
        "days": line.days,
    }


@transaction.atomic
def fee_invoice_create(
    *, actor, customer: Customer, as_of: date, currency: str, installment_ids=None
) -> Invoice:
    """A draft invoice with one line per overdue installment charging its late interest not
    invoiced before, up to `as_of`; each line is recorded as a FeeInvoiceLink so the same days
    are never charged twice. Finance only. The installments are locked so that two requests at
    once cannot both charge the same days."""
    if not has_capability(actor, Capability.MANAGE_LEDGER):
        raise PermissionDeniedError(_("You may not raise fee invoices."))
    candidates = fee_lines_due(
        customer=customer, as_of=as_of, currency=currency, installment_ids=installment_ids
    )
    lock_installments(line.installment.pk for line in candidates)
    # Read again under the locks: a concurrent fee invoice may have taken some of the days.
    lines = fee_lines_due(
        customer=customer,
        as_of=as_of,
        currency=currency,
        installment_ids=[line.installment.pk for line in candidates],
    )
    if not lines:
        raise ApplicationError(
            _("There is no late interest left to invoice on %(date)s.")
            % {"date": as_of.isoformat()},
            field="as_of",
            code="nothing_to_invoice",
        )
    # The invoice is the customer's document: its lines are worded in the customer's language.
    with translation.override(customer.language):
        invoice_lines = [
            {
                "description": _line_description(line),
                "quantity": 1,
                "unit_price": line.amount,
                "tax_rate": 0,
            }
            for line in lines
        ]
        notes = _("Late interest to %(date)s") % {"date": as_of.isoformat()}
    invoice = invoice_create_draft(
        actor=actor,
        customer=customer,
        issue_date=as_of,
        currency=currency,
        lines=invoice_lines,
        notes=notes,
    )
    FeeInvoiceLink.objects.bulk_create(
        FeeInvoiceLink(
            installment=line.installment,
            fee_invoice=invoice,
            interest_from=line.interest_from,
            interest_to=line.interest_to,
            amount=line.amount,
        )
        for line in lines
    )
    return invoice
