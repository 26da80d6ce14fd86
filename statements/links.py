"""The signed link a customer follows to confirm or dispute a statement, without an account.

The URL carries the statement's id and a token signed with SECRET_KEY (django.core.signing,
salted for this purpose) over the statement id, its customer and the statement's access key,
with the signing time. A link is honoured only if the signature is intact, it is younger than
STATEMENT_LINK_MAX_AGE_DAYS, and it names exactly the statement in the URL. A token made for one
statement therefore opens no other, and replacing a statement's access key revokes its links.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from statements.models import Statement

_SALT = "statements.confirmation-link"


class LinkInvalid(Exception):
    """Tampered, made for another statement, or revoked: the page says only that."""


class LinkExpired(Exception):
    pass


def link_max_age() -> timedelta:
    return timedelta(days=settings.STATEMENT_LINK_MAX_AGE_DAYS)


def confirmation_token(statement: Statement) -> str:
    return signing.dumps(
        {"s": statement.pk, "c": statement.customer_id, "k": statement.access_key}, salt=_SALT
    )


def confirmation_path(statement: Statement) -> str:
    return reverse(
        "statement-reply", kwargs={"pk": statement.pk, "token": confirmation_token(statement)}
    )


def confirmation_url(statement: Statement) -> str:
    """The absolute link for e-mails and the PDF's reply slip (SITE_URL + path)."""
    return settings.SITE_URL.rstrip("/") + confirmation_path(statement)


def statement_for_link(*, pk: int, token: str) -> Statement:
    """The statement a link opens, or LinkInvalid / LinkExpired. Raises before any lookup when
    the signature is wrong, so a forged link learns nothing, not even whether the id exists."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=link_max_age())
    except signing.SignatureExpired:
        raise LinkExpired from None
    except signing.BadSignature:
        raise LinkInvalid from None
    if not isinstance(payload, dict) or payload.get("s") != pk:
        raise LinkInvalid
    statement = (
        Statement.objects.select_related("customer")
        .filter(pk=pk, customer_id=payload.get("c"), access_key=payload.get("k"))
        .first()
    )
    if statement is None or statement.status != Statement.Status.READY:
        raise LinkInvalid
    return statement
