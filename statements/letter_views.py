"""Reminder and demand letters (催款通知 / 催款函) as PDF downloads, for Finance to send."""

from datetime import date

from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.access import capability_required
from accounts.roles import Capability
from core.pdf import pdf_response
from customers.selectors import customers_visible_to
from statements.documents import LetterKind, reminder_letter_pdf


# A letter goes to the customer in the company's name: the people who keep the ledger
# (Finance, Admin) produce it; a read-only role cannot.
@capability_required(Capability.MANAGE_LEDGER)
@require_safe
def customer_letter_pdf(request, pk, kind):
    """`?as_of=YYYY-MM-DD` (default today) dates the letter and decides what is overdue."""
    if kind not in LetterKind.ALL:
        raise Http404
    customer = get_object_or_404(customers_visible_to(request.user), pk=pk)
    as_of = timezone.localdate()
    if request.GET.get("as_of"):
        try:
            as_of = date.fromisoformat(request.GET["as_of"])
        except ValueError:
            return HttpResponseBadRequest(_("as_of must be a date (YYYY-MM-DD)."))
    pdf = reminder_letter_pdf(customer=customer, as_of=as_of, language=customer.language, kind=kind)
    return pdf_response(pdf, filename=f"{customer.code}-{kind}-{as_of.isoformat()}.pdf")
