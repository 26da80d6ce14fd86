"""Promises to pay (承诺付款): recording one, cancelling it, and the daily check that settles open
promises as kept or broken from the payments received.

Rules (docs/collections.md, "Promises to pay"):
- A promise counts the customer's payments in the promise's currency received from the day it
  was made (`promised_on`) to its date plus PROMISE_GRACE_DAYS, reversed payments excluded,
  whatever they were applied to: the customer paying is what was promised.
- KEPT as soon as those payments reach the amount; `settled_on` is the receipt date of the
  payment that completed it.
- BROKEN once the check runs after the last day of grace without that; `settled_on` is the day
  after that last day (the first day it was known broken), whenever the check runs, so a late
  run records the same facts as a punctual one.
- While open, the promise pauses dunning of the installments it covers (all the customer's
  when it names none) until its date; once broken, reminders resume by themselves and the
  early-warning rule "promise broken" raises an alert (alerts reads settled promises).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import (
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from arcollections.models import PromiseToPay
from arcollections.selectors.activities import check_may_collect
from core.exceptions import ApplicationError
from core.money import CURRENCY_MINOR_UNITS, DECIMAL_PLACES, MAX_DIGITS, ZERO, quantize
from customers.models import Contact, Customer
from receivables.models import Installment, Payment

# Days after the promised date that a payment still counts. 0: a promise to pay by the 15th is
# broken on the 16th. Dunning pauses only while the promised date has not passed
# (services.dunning), so a grace here would let reminders resume before the promise is judged.
PROMISE_GRACE_DAYS = 0

_MONEY = DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)


def _attribute(instance, actor):
    instance._history_user = actor
    return instance


def last_day_counted(promise: PromiseToPay) -> date:
    """The last receipt date that still counts towards `promise`."""
    return promise.promised_date + timedelta(days=PROMISE_GRACE_DAYS)


def _check_amount(amount, currency: str) -> Decimal:
    if currency not in CURRENCY_MINOR_UNITS:
        raise ApplicationError(
            _("Unknown currency: %(code)s") % {"code": currency}, field="currency"
        )
    try:
        amount = Decimal(amount)
    except (TypeError, ArithmeticError):
        raise ApplicationError(_("Enter an amount."), field="amount") from None
    if amount <= 0:
        raise ApplicationError(
            _("The promised amount must be positive."), field="amount", code="not_positive"
        )
    if quantize(amount, currency) != amount:
        raise ApplicationError(
            _("%(currency)s amounts have at most %(places)d decimal places.")
            % {"currency": currency, "places": CURRENCY_MINOR_UNITS[currency]},
            field="amount",
            code="too_precise",
        )
    return quantize(amount, currency)


def _check_contact(contact: Contact | None, customer: Customer) -> None:
    if contact is not None and contact.customer_id != customer.pk:
        raise ApplicationError(
            _("The contact belongs to another customer."), field="contact", code="other_customer"
        )


def _checked_installments(installments, customer: Customer, currency: str) -> list[Installment]:
    """The installments a promise covers: the customer's, open, in the promise's currency."""
    ids = sorted({getattr(item, "pk", item) for item in installments})
    if not ids:
        return []
    found = {
        item.pk: item for item in Installment.objects.filter(pk__in=ids).select_related("invoice")
    }
    for pk in ids:
        item = found.get(pk)
        if item is None or item.customer_id != customer.pk:
            raise ApplicationError(
                _("An installment chosen is not this customer's."),
                field="installments",
                code="other_customer",
            )
        if item.open_amount <= 0:
            raise ApplicationError(
                _("%(item)s is already settled.") % {"item": item},
                field="installments",
                code="not_open",
            )
        if item.currency != currency:
            raise ApplicationError(
                _("%(item)s is in %(item_currency)s, the promise in %(currency)s.")
                % {"item": item, "item_currency": item.currency, "currency": currency},
                field="installments",
                code="currency_mismatch",
            )
    return [found[pk] for pk in ids]


@transaction.atomic
def promise_create(
    *,
    actor,
    customer: Customer,
    amount: Decimal,
    currency: str,
    promised_date: date,
    contact: Contact | None = None,
    installments=(),
    note: str = "",
    activity=None,
    promised_on: date | None = None,
) -> PromiseToPay:
    """Record that `customer` promised to pay `amount` `currency` by `promised_date`, made on
    `promised_on` (default today, the date payments start counting from). Covers the
    `installments` named (the customer's, open, in that currency) or, with none, everything the
    customer owes. Refuses a date before the promise was made."""
    check_may_collect(actor, customer)
    promised_on = promised_on or timezone.localdate()
    amount = _check_amount(amount, currency)
    if promised_date is None:
        raise ApplicationError(_("Give the date payment was promised for."), field="promised_date")
    if promised_date < promised_on:
        raise ApplicationError(
            _("The promised date cannot be in the past."),
            field="promised_date",
            code="date_in_past",
        )
    _check_contact(contact, customer)
    if activity is not None and activity.customer_id != customer.pk:
        raise ApplicationError(_("The activity belongs to another customer."), field="activity")
    covered = _checked_installments(installments, customer, currency)
    promise = PromiseToPay(
        customer=customer,
        amount=amount,
        currency=currency,
        promised_on=promised_on,
        promised_date=promised_date,
        contact=contact,
        activity=activity,
        note=note.strip(),
        created_by=actor,
    )
    _attribute(promise, actor).save()
    if covered:
        promise.installments.set(covered)
    return promise


@transaction.atomic
def promise_cancel(*, actor, promise: PromiseToPay, reason: str = "") -> PromiseToPay:
    """Withdraw an open promise (recorded by mistake, replaced by a new one): it no longer
    pauses dunning and is never judged kept or broken."""
    check_may_collect(actor, promise.customer)
    promise = PromiseToPay.objects.select_for_update().get(pk=promise.pk)
    if promise.status != PromiseToPay.Status.OPEN:
        raise ApplicationError(
            _("Only an open promise can be cancelled; this one is %(status)s.")
            % {"status": promise.get_status_display().lower()},
            code="not_open",
        )
    promise.status = PromiseToPay.Status.CANCELLED
    if reason.strip():
        promise.note = "\n".join(part for part in (promise.note, reason.strip()) if part)
    _attribute(promise, actor).save(update_fields=["status", "note"])
    return promise


# --- the daily check ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PromiseCheck:
    """What one check changed: promises kept, broken, and still open with new payments."""

    kept: int
    broken: int
    updated: int


def _counting_payments(*, until: date):
    """Payments that count towards the promise of the outer query, received up to `until`
    (and no later than its last day of grace)."""
    return (
        Payment.objects.filter(
            customer=OuterRef("customer"),
            currency=OuterRef("currency"),
            received_on__gte=OuterRef("promised_on"),
            received_on__lte=OuterRef("counted_until"),
        )
        .filter(received_on__lte=until)
        .exclude(status=Payment.Status.REVERSED)
    )


def _completion_dates(promises: list[PromiseToPay], until: date) -> dict[int, date]:
    """For promises whose payments reach their amount: the receipt date of the payment that
    got there (payments in receipt order). One query."""
    if not promises:
        return {}
    window = Q()
    for promise in promises:
        window |= Q(
            customer_id=promise.customer_id,
            currency=promise.currency,
            received_on__gte=promise.promised_on,
            received_on__lte=min(until, last_day_counted(promise)),
        )
    payments = defaultdict(list)
    for payment in (
        Payment.objects.filter(window)
        .exclude(status=Payment.Status.REVERSED)
        .order_by("received_on", "pk")
        .values("customer_id", "currency", "received_on", "amount")
    ):
        payments[payment["customer_id"], payment["currency"]].append(payment)
    completed = {}
    for promise in promises:
        last_day = min(until, last_day_counted(promise))
        running = ZERO
        for payment in payments[promise.customer_id, promise.currency]:
            if promise.promised_on <= payment["received_on"] <= last_day:
                running += payment["amount"]
                if running >= promise.amount:
                    completed[promise.pk] = payment["received_on"]
                    break
    return completed


@transaction.atomic
def promises_check(*, on_date: date) -> PromiseCheck:
    """Settle the open promises made by `on_date`: kept when the payments counted reach the
    amount, broken once `on_date` is past the last day of grace; otherwise record what has been
    paid so far. Idempotent (only open promises change) and a fixed number of queries. Concurrent
    checks wait for each other on the promise rows."""
    open_promises = (
        PromiseToPay.objects.select_for_update()
        .filter(status=PromiseToPay.Status.OPEN, promised_on__lte=on_date)
        .annotate(
            counted_until=ExpressionWrapper(
                F("promised_date") + timedelta(days=PROMISE_GRACE_DAYS), output_field=DateField()
            )
        )
    )
    paid = (
        _counting_payments(until=on_date)
        .values("customer")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    promises = list(
        open_promises.annotate(paid=Coalesce(Subquery(paid, output_field=_MONEY), ZERO)).order_by(
            "pk"
        )
    )
    kept = [promise for promise in promises if promise.paid >= promise.amount]
    completed_on = _completion_dates(kept, on_date)
    changed, kept_count, broken_count, updated_count = [], 0, 0, 0
    for promise in promises:
        if promise.paid >= promise.amount:
            promise.status = PromiseToPay.Status.KEPT
            promise.settled_on = completed_on[promise.pk]
            kept_count += 1
        elif on_date > last_day_counted(promise):
            promise.status = PromiseToPay.Status.BROKEN
            promise.settled_on = last_day_counted(promise) + timedelta(days=1)
            broken_count += 1
        elif promise.paid != promise.paid_amount:
            updated_count += 1
        else:
            continue
        promise.paid_amount = promise.paid
        changed.append(promise)
    if changed:
        bulk_update_with_history(
            changed, PromiseToPay, ["status", "settled_on", "paid_amount"], batch_size=500
        )
    return PromiseCheck(kept=kept_count, broken=broken_count, updated=updated_count)
