# PLACEHOLDER: replaced by the helper that owns this module.
from django.http import Http404


def statement_reply(request, **kwargs):
    raise Http404


def statement_reply_pdf(request, **kwargs):
    raise Http404
