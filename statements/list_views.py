# PLACEHOLDER: replaced by the helper that owns this module.
from django.http import Http404


def statement_list(request, **kwargs):
    raise Http404


def limitation_list(request, **kwargs):
    raise Http404


def statement_detail(request, **kwargs):
    raise Http404
