# PLACEHOLDER: replaced by the helper that owns this module.
from django.http import Http404


def customer_letter_pdf(request, **kwargs):
    raise Http404
