from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny


@extend_schema(tags=["auth"])
class TokenObtainApi(ObtainAuthToken):
    """POST username and password; returns {"token": "..."} for an `Authorization: Token` header."""

    permission_classes = [AllowAny]
