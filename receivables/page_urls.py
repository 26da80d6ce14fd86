"""Page URLs of the ledger documents (the API's are in receivables/urls.py)."""

from receivables.views import (
    contracts,
    credit_notes,
    credit_overrides,
    invoice_pdf,
    invoices,
    payments,
    write_offs,
)

urlpatterns = [
    *invoices.urlpatterns,
    *invoice_pdf.urlpatterns,
    *credit_notes.urlpatterns,
    *contracts.urlpatterns,
    *payments.urlpatterns,
    *write_offs.urlpatterns,
    *credit_overrides.urlpatterns,
]
