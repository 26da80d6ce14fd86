"""Every write to the customer archive. Each runs in a transaction and is attributed to `actor`
in the audit trail."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from accounts.roles import Capability, has_capability
from core.exceptions import ApplicationError, PermissionDeniedError
from core.money import CURRENCY_MINOR_UNITS
from customers.models import Contact, Customer
from customers.validators import normalize_phone, normalize_uscc, validate_uscc

CUSTOMER_FIELDS = (
    "code",
    "legal_name",
    "short_name",
    "country",
    "uscc",
    "industry",
    "region",
    "address",
    "tier",
    "owner",
    "status",
    "default_payment_terms",
    "currency",
    "credit_limit",
    "language",
    "notes",
)
# Credit terms are a manager's decision (内部控制); the rest of the archive is Finance's.
CREDIT_FIELDS = ("credit_limit",)
CONTACT_FIELDS = (
    "name",
    "title",
    "email",
    "phone",
    "is_primary",
    "receives_statements",
    "receives_reminders",
    "receives_invoices",
)


def name_initials(*names: str) -> str:
    """Pinyin initials of each name, upper-cased and space-separated (华为技术 -> HWJS)."""
    parts = []
    for name in names:
        if name:
            initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore"))
            parts.append(initials.upper())
    return " ".join(parts)


def _prepare_customer(customer: Customer) -> None:
    customer.code = customer.code.strip()
    customer.country = (customer.country or "").upper()
    customer.uscc = normalize_uscc(customer.uscc)
    if customer.uscc:
        if customer.country != "CN":
            raise ValidationError(
                {"uscc": _("A USCC only applies to customers registered in China (country CN).")}
            )
        try:
            validate_uscc(customer.uscc)
        except ValidationError as exc:
            raise ValidationError({"uscc": exc.messages}) from None
        # The conditional unique constraint would report a duplicate without naming the field.
        if Customer.objects.filter(uscc=customer.uscc).exclude(pk=customer.pk).exists():
            raise ValidationError({"uscc": _("Another customer has this USCC.")})
    if customer.currency not in CURRENCY_MINOR_UNITS:
        raise ValidationError({"currency": _("Unknown currency: %s") % customer.currency})
    # The database constraint would report this without naming the field.
    if customer.credit_limit < 0:
        raise ValidationError({"credit_limit": _("The credit limit cannot be negative.")})
    if customer.owner_id and not customer.owner.is_active:
        raise ValidationError({"owner": _("The sales rep's account is inactive.")})
    customer.name_initials = name_initials(customer.legal_name, customer.short_name)
    customer.full_clean()


@transaction.atomic
def customer_create(*, actor, **fields) -> Customer:
    """Create a customer archive entry after validating identifiers and currency."""
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown field."), field=sorted(unknown)[0])
    fields.setdefault("currency", settings.BASE_CURRENCY)
    customer = Customer(**fields)
    _prepare_customer(customer)
    customer._history_user = actor
    customer.save()
    return customer


@transaction.atomic
def customer_update(*, actor, customer: Customer, **fields) -> Customer:
    """Change archive fields; the before/after values land in the customer's history."""
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown field."), field=sorted(unknown)[0])
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    changed = sorted(name for name, value in fields.items() if getattr(customer, name) != value)
    for name in changed:
        capability = (
            Capability.MANAGE_CREDIT if name in CREDIT_FIELDS else Capability.MANAGE_CUSTOMERS
        )
        if not has_capability(actor, capability):
            if name in CREDIT_FIELDS:
                message = _("You may not change credit limits.")
            else:
                message = _("You may only change this customer's credit fields.")
            raise PermissionDeniedError(message, field=name)
    for name, value in fields.items():
        setattr(customer, name, value)
    _prepare_customer(customer)
    customer._history_user = actor
    customer.save()
    return customer


@transaction.atomic
def customer_archive(*, actor, customer: Customer) -> Customer:
    """Archive a customer: kept with its whole history, hidden from day-to-day lists."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    customer.is_archived = True
    customer._history_user = actor
    customer.save(update_fields=["is_archived", "updated_at"])
    return customer


@transaction.atomic
def customer_delete(*, actor, customer: Customer) -> None:
    """Delete a customer that has no ledger documents; one with invoices, payments or contracts
    must be archived instead, since its history is accounting evidence (the ledger's foreign
    keys PROTECT it)."""
    customer._history_user = actor
    try:
        with transaction.atomic():
            customer.delete()
    except ProtectedError:
        raise ApplicationError(
            _("This customer has invoices, payments or contracts; archive it instead."),
            code="customer_has_ledger",
        ) from None


def _prepare_contact(contact: Contact) -> None:
    if contact.phone:
        try:
            contact.phone = normalize_phone(contact.phone, country=contact.customer.country)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from None
    contact.full_clean()


@transaction.atomic
def contact_create(*, actor, customer: Customer, **fields) -> Contact:
    """Add a contact person to a customer."""
    contact = Contact(customer=customer, **fields)
    _prepare_contact(contact)
    contact._history_user = actor
    contact.save()
    return contact


@transaction.atomic
def contact_update(*, actor, contact: Contact, **fields) -> Contact:
    """Change a contact; phone numbers are re-validated."""
    for name, value in fields.items():
        if name not in CONTACT_FIELDS:
            raise ApplicationError(_("This field cannot be changed."), field=name)
        setattr(contact, name, value)
    _prepare_contact(contact)
    contact._history_user = actor
    contact.save()
    return contact


@transaction.atomic
def contact_delete(*, actor, contact: Contact) -> None:
    """Remove a contact person."""
    contact._history_user = actor
    contact.delete()
