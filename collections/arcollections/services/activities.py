"""The collector's activity log (催收记录): logging a call, visit, letter, message or note (with a
promise to pay made during it), and completing a call or visit task the dunning run created.

E-mails the dunning run sends are logged by the run itself (services.dunning), one activity per
message, so the log holds every contact with the customer.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from arcollections.models import Activity, DunningMessage, DunningStep
from arcollections.selectors.activities import check_may_collect
from arcollections.services.promises import promise_create
from core.exceptions import ApplicationError
from customers.models import Contact, Customer


@dataclass(frozen=True)
class PromiseTerms:
    """A promise to pay made during an activity (see services.promises.promise_create)."""

    amount: Decimal
    currency: str
    promised_date: date
    installments: tuple = ()
    note: str = ""


def _attribute(instance, actor):
    instance._history_user = actor
    return instance


# A task for a call is completed by a call, one for a visit by a visit.
_TASK_ACTIVITY_KIND = {
    DunningStep.Channel.CALL: Activity.Kind.CALL,
    DunningStep.Channel.VISIT: Activity.Kind.VISIT,
}


def _check_activity(
    *, customer: Customer, kind: str, occurred_at: datetime, contact, outcome, note, follow_up
):
    if kind not in Activity.Kind.values:
        raise ApplicationError(_("Choose what kind of contact this was."), field="kind")
    if outcome not in Activity.Outcome.values:
        raise ApplicationError(_("Choose a valid outcome."), field="outcome")
    if occurred_at is None:
        raise ApplicationError(_("Give the date and time."), field="occurred_at")
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    # A minute's slack for the clock of the person's device.
    if occurred_at > timezone.now() + timedelta(minutes=1):
        raise ApplicationError(
            _("An activity cannot be logged in the future."), field="occurred_at"
        )
    if contact is not None and contact.customer_id != customer.pk:
        raise ApplicationError(_("The contact belongs to another customer."), field="contact")
    if kind == Activity.Kind.NOTE and not note.strip():
        raise ApplicationError(_("Write the note."), field="note")
    if follow_up is not None and follow_up < timezone.localtime(occurred_at).date():
        raise ApplicationError(
            _("The follow-up cannot be before the activity."), field="next_follow_up_on"
        )
    return occurred_at


def _create_activity(*, actor, customer, promise: PromiseTerms | None, **fields) -> Activity:
    if promise is not None and not fields["outcome"]:
        fields["outcome"] = Activity.Outcome.PROMISED
    activity = Activity(customer=customer, performed_by=actor, **fields)
    _attribute(activity, actor).save()
    if promise is not None:
        promise_create(
            actor=actor,
            customer=customer,
            amount=promise.amount,
            currency=promise.currency,
            promised_date=promise.promised_date,
            contact=activity.contact,
            installments=promise.installments,
            note=promise.note,
            activity=activity,
            promised_on=timezone.localtime(activity.occurred_at).date(),
        )
    return activity


@transaction.atomic
def activity_log(
    *,
    actor,
    customer: Customer,
    kind: str,
    occurred_at: datetime,
    contact: Contact | None = None,
    outcome: str = "",
    note: str = "",
    next_follow_up_on: date | None = None,
    promise: PromiseTerms | None = None,
) -> Activity:
    """Log a contact with `customer` by `actor` (Finance, a Manager, Admin, or the customer's
    own sales rep), with a promise to pay made during it when `promise` is given (the outcome
    then defaults to "promised"; the promise counts payments from the activity's day). Nothing
    is saved if the promise is refused."""
    check_may_collect(actor, customer)
    occurred_at = _check_activity(
        customer=customer,
        kind=kind,
        occurred_at=occurred_at,
        contact=contact,
        outcome=outcome,
        note=note,
        follow_up=next_follow_up_on,
    )
    return _create_activity(
        actor=actor,
        customer=customer,
        promise=promise,
        kind=kind,
        occurred_at=occurred_at,
        contact=contact,
        outcome=outcome,
        note=note.strip(),
        next_follow_up_on=next_follow_up_on,
    )


@transaction.atomic
def dunning_task_complete(
    *,
    actor,
    message: DunningMessage,
    occurred_at: datetime,
    contact: Contact | None = None,
    outcome: str = "",
    note: str = "",
    next_follow_up_on: date | None = None,
    promise: PromiseTerms | None = None,
) -> Activity:
    """Complete a call or visit task of the dunning run: log the call (visit) it asked for,
    linked to the task, and mark the task done. A task is completed once."""
    check_may_collect(actor, message.customer)
    message = (
        DunningMessage.objects.select_for_update().select_related("customer").get(pk=message.pk)
    )
    if message.status != DunningMessage.Status.OPEN_TASK:
        raise ApplicationError(
            _("This task is not open; it is %(status)s.")
            % {"status": message.get_status_display().lower()},
            code="task_not_open",
        )
    kind = _TASK_ACTIVITY_KIND[message.channel]
    occurred_at = _check_activity(
        customer=message.customer,
        kind=kind,
        occurred_at=occurred_at,
        contact=contact,
        outcome=outcome,
        note=note,
        follow_up=next_follow_up_on,
    )
    activity = _create_activity(
        actor=actor,
        customer=message.customer,
        promise=promise,
        kind=kind,
        occurred_at=occurred_at,
        contact=contact,
        outcome=outcome,
        note=note.strip(),
        next_follow_up_on=next_follow_up_on,
        dunning_message=message,
    )
    message.status = DunningMessage.Status.DONE
    _attribute(message, actor).save(update_fields=["status"])
    return activity
