"""Shared REST plumbing: pagination and the one exception handler."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ApplicationError, PermissionDeniedError


class StandardPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc, context):
    """Business errors become 400 (403 for permission) with the offending field named,
    in DRF's usual `{field: [message]}` shape."""
    if isinstance(exc, ApplicationError):
        field = exc.field or "non_field_errors"
        http_status = (
            status.HTTP_403_FORBIDDEN
            if isinstance(exc, PermissionDeniedError)
            else status.HTTP_400_BAD_REQUEST
        )
        return Response({field: [str(exc.message)]}, status=http_status)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            body = {
                (field if field != "__all__" else "non_field_errors"): [str(m) for m in messages]
                for field, messages in exc.message_dict.items()
            }
        else:
            body = {"non_field_errors": [str(m) for m in exc.messages]}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
