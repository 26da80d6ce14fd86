# PLACEHOLDER: replaced by the helper that owns this module.
from django.http import Http404


def statement_pdf_download(request, **kwargs):
    raise Http404


def statement_send(request, **kwargs):
    raise Http404


def statement_generate(request, **kwargs):
    raise Http404
