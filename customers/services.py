"""Every write to the customer archive. Each runs in a transaction and is attributed to `actor`
in the audit trail."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from accounts.roles import Capability, has_capability
from core.exceptions import ApplicationError, PermissionDeniedError
from core.money import CURRENCY_MINOR_UNITS, quantize
from customers.models import Contact, CreditChangeRequest, Customer
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
    "statement_frequency",
    "statement_confirmation",
    "notes",
)
# Credit terms are a manager's decision (内部控制): once a customer exists they change only
# through a CreditChangeRequest that a manager other than the requester approves. The rest of the
# archive is Finance's.
CREDIT_FIELDS = ("credit_limit", "default_payment_terms")
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
    """Change archive fields; the before/after values land in the customer's history. The credit
    fields are refused: they change through credit_change_request / credit_change_approve."""
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown field."), field=sorted(unknown)[0])
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    changed = sorted(name for name, value in fields.items() if getattr(customer, name) != value)
    for name in changed:
        if name in CREDIT_FIELDS:
            raise ApplicationError(
                _(
                    "The %(field)s changes only when a manager approves a credit change "
                    "request: request the change instead."
                )
                % {"field": Customer._meta.get_field(name).verbose_name},
                field=name,
                code="credit_change_needs_approval",
            )
    if changed and not has_capability(actor, Capability.MANAGE_CUSTOMERS):
        raise PermissionDeniedError(_("You may not change the customer archive."), field=changed[0])
    return _save_customer(actor=actor, customer=customer, fields=fields)


def _save_customer(*, actor, customer: Customer, fields: dict) -> Customer:
    """Set `fields` on the locked `customer`, validate and save it, attributed to `actor`."""
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


# --- credit change requests --------------------------------------------------------------------


def _check_requested_limit(credit_limit, customer: Customer) -> Decimal:
    credit_limit = Decimal(credit_limit)
    if credit_limit < 0:
        raise ApplicationError(
            _("The credit limit cannot be negative."), field="credit_limit", code="not_positive"
        )
    if quantize(credit_limit, customer.currency) != credit_limit:
        raise ApplicationError(
            _("%(currency)s amounts have at most %(places)d decimal places.")
            % {"currency": customer.currency, "places": CURRENCY_MINOR_UNITS[customer.currency]},
            field="credit_limit",
            code="too_precise",
        )
    return quantize(credit_limit, customer.currency)


@transaction.atomic
def credit_change_request(
    *,
    actor,
    customer: Customer,
    reason: str,
    credit_limit: Decimal | None = None,
    default_payment_terms=None,
) -> CreditChangeRequest:
    """Ask for a new credit limit (in the customer's currency) and/or default payment terms.
    Nothing changes until a manager other than `actor` approves it; one pending request per
    customer. A value equal to the current one is not a change and is left out."""
    if not has_capability(actor, Capability.MANAGE_CREDIT):
        raise PermissionDeniedError(
            _("You may not request credit changes."), field="customer", code="not_allowed"
        )
    # Locked so that two requests for one customer queue and the second sees the first.
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.is_archived:
        raise ApplicationError(
            _("Customer %(code)s is archived.") % {"code": customer.code},
            field="customer",
            code="customer_archived",
        )
    if credit_limit is not None:
        credit_limit = _check_requested_limit(credit_limit, customer)
        if credit_limit == customer.credit_limit:
            credit_limit = None
    if default_payment_terms is not None:
        if default_payment_terms.pk == customer.default_payment_terms_id:
            default_payment_terms = None
        elif not default_payment_terms.is_active:
            raise ApplicationError(
                _("These payment terms are no longer in use."), field="default_payment_terms"
            )
    if credit_limit is None and default_payment_terms is None:
        raise ApplicationError(
            _("Ask for a credit limit or payment terms different from the current ones."),
            field="credit_limit",
            code="no_change",
        )
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("Give a reason for the change."), field="reason")
    if customer.credit_change_requests.filter(status=CreditChangeRequest.Status.PENDING).exists():
        raise ApplicationError(
            _(
                "Customer %(code)s already has a credit change waiting for approval; "
                "wait for its decision or withdraw it."
            )
            % {"code": customer.code},
            field="customer",
            code="credit_change_pending",
        )
    change = CreditChangeRequest(
        customer=customer,
        credit_limit=credit_limit,
        default_payment_terms=default_payment_terms,
        credit_limit_before=customer.credit_limit,
        default_payment_terms_before_id=customer.default_payment_terms_id,
        reason=reason,
        requested_by=actor,
    )
    change._history_user = actor
    change.save()
    return change


def _lock_pending_change(change: CreditChangeRequest) -> CreditChangeRequest:
    change = CreditChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status != CreditChangeRequest.Status.PENDING:
        raise ApplicationError(
            _("This credit change was already %(status)s.")
            % {"status": change.get_status_display().lower()},
            field="status",
            code="already_decided",
        )
    return change


def _lock_for_decision(actor, change: CreditChangeRequest) -> CreditChangeRequest:
    """The pending request, locked, once `actor` is known to be a manager who may decide it."""
    if not has_capability(actor, Capability.APPROVE_CREDIT):
        raise PermissionDeniedError(
            _("Only a manager may decide credit changes."), field="status", code="not_allowed"
        )
    change = _lock_pending_change(change)
    if change.requested_by_id == actor.pk:
        raise PermissionDeniedError(
            _("You asked for this credit change; another manager must decide it."),
            field="status",
            code="four_eyes",
        )
    return change


def _decide(change: CreditChangeRequest, *, actor, status: str, note: str) -> None:
    change.status = status
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_note = note.strip()
    change._history_user = actor
    change.save()


@transaction.atomic
def credit_change_approve(
    *, actor, change: CreditChangeRequest, note: str = ""
) -> CreditChangeRequest:
    """Approve a pending credit change (a manager other than the requester) and apply it to the
    customer, attributed to the approver in the customer's history. The request keeps the
    values it replaced."""
    change = _lock_for_decision(actor, change)
    customer = Customer.objects.select_for_update().get(pk=change.customer_id)
    fields = {}
    if change.credit_limit is not None:
        fields["credit_limit"] = change.credit_limit
    if change.default_payment_terms_id is not None:
        if not change.default_payment_terms.is_active:
            raise ApplicationError(
                _("The requested payment terms are no longer in use; reject the request."),
                field="default_payment_terms",
            )
        fields["default_payment_terms"] = change.default_payment_terms
    change.credit_limit_before = customer.credit_limit
    change.default_payment_terms_before_id = customer.default_payment_terms_id
    _decide(change, actor=actor, status=CreditChangeRequest.Status.APPROVED, note=note)
    change.customer = _save_customer(actor=actor, customer=customer, fields=fields)
    return change


@transaction.atomic
def credit_change_reject(
    *, actor, change: CreditChangeRequest, note: str = ""
) -> CreditChangeRequest:
    """Turn down a pending credit change (a manager other than the requester); the customer
    keeps its limit and terms."""
    change = _lock_for_decision(actor, change)
    _decide(change, actor=actor, status=CreditChangeRequest.Status.REJECTED, note=note)
    return change


@transaction.atomic
def credit_change_withdraw(*, actor, change: CreditChangeRequest) -> CreditChangeRequest:
    """The requester takes back a pending credit change (e.g. to ask for different values)."""
    change = _lock_pending_change(change)
    if change.requested_by_id != actor.pk:
        raise PermissionDeniedError(
            _("Only the person who asked for a credit change may withdraw it."),
            field="status",
            code="not_requester",
        )
    change.status = CreditChangeRequest.Status.WITHDRAWN
    change.decided_at = timezone.now()
    change._history_user = actor
    change.save()
    return change


# --- credit scoring ---

# The audit trail's note on a grade written by credit scoring (the nightly job has no user).
RATING_CHANGE_REASON = "credit scoring"


@transaction.atomic
def customers_set_ratings(*, actor_or_none, ratings: dict[int, str]) -> list[Customer]:
    """Write each customer's current credit grade (customer id → grade) to
    Customer.credit_rating. Only changed customers are saved, each with an audit row attributed
    to `actor_or_none` (None: the nightly scoring job, recorded without a user). A constant
    number of queries, whatever the number of customers; returns the customers changed."""
    if actor_or_none is not None and not has_capability(actor_or_none, Capability.MANAGE_CREDIT):
        raise PermissionDeniedError(_("You may not change credit ratings."), field="credit_rating")
    customers = Customer.objects.select_for_update().filter(pk__in=ratings).order_by("pk")
    changed = []
    now = timezone.now()
    for customer in customers:
        if customer.credit_rating != ratings[customer.pk]:
            customer.credit_rating = ratings[customer.pk]
            customer.updated_at = now
            customer._history_user = actor_or_none
            changed.append(customer)
    if changed:
        Customer.objects.bulk_update(changed, ["credit_rating", "updated_at"])
        Customer.history.bulk_history_create(
            changed, update=True, default_change_reason=RATING_CHANGE_REASON, default_date=now
        )
    return changed


def customer_set_rating(*, actor_or_none, customer: Customer, rating: str) -> Customer:
    """Write one customer's current credit grade (see customers_set_ratings)."""
    customers_set_ratings(actor_or_none=actor_or_none, ratings={customer.pk: rating})
    customer.refresh_from_db(fields=["credit_rating", "updated_at"])
    return customer
