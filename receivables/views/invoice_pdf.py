"""The invoice as a PDF download, for every role that may see the invoice."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from accounts.access import viewer_required
from core.pdf import pdf_response
from receivables import selectors
from receivables.documents import invoice_pdf
from receivables.models import Invoice


def invoice_pdf_response(invoice: Invoice) -> HttpResponse:
    """The posted invoice as a PDF attachment in its customer's language (the reader of the
    document, whoever downloads it); a draft is a 404, it is not a document yet."""
    if not invoice.is_posted:
        raise Http404
    pdf = invoice_pdf(invoice, language=invoice.customer.language)
    return pdf_response(pdf, filename=f"{invoice.number}.pdf")


@viewer_required
def invoice_pdf_download(request, pk):
    # Another sales rep's invoice is a 404, as on the detail page.
    visible = selectors.invoices_visible_to(request.user).select_related("customer")
    return invoice_pdf_response(get_object_or_404(visible, pk=pk))


urlpatterns = [path("invoices/<int:pk>/pdf/", invoice_pdf_download, name="invoice-pdf")]
