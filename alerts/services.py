"""Every write of early warning: evaluating the rules (opening, updating and closing alerts in
bulk), e-mailing new alerts once, and people acknowledging and assigning them.

Invariants (the database backs the first with a partial unique constraint): a customer has at
most one live (open or acknowledged) alert per rule; an alert is live exactly while its rule is
active and the customer's measure stays above the rule's threshold (for the limitation rule:
at or below it, see AlertRule.is_met_by).
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.roles import Capability, has_capability
from accounts.selectors import user_language
from alerts.models import Alert, AlertRule
from alerts.selectors import (
    alert_recipients_in_finance,
    measurements,
    users_assignable,
)
from core.exceptions import ApplicationError, PermissionDeniedError
from customers.selectors import customers_visible_to


@dataclass(frozen=True)
class Evaluation:
    """What one evaluation changed: alerts opened, live alerts whose measure was updated,
    alerts closed."""

    opened: int
    updated: int
    closed: int


def _attribute(instance, actor):
    instance._history_user = actor
    return instance


@transaction.atomic
def alerts_evaluate(*, on_date: date, customer_ids=None) -> Evaluation:
    """Measure every active rule for every customer (or those of `customer_ids`) on `on_date`:
    open an alert where a measure is above its threshold and none is live, update a live one's
    measure, close live ones whose condition cleared or whose rule is inactive. A fixed number
    of queries whatever the number of customers; evaluations run one at a time (the rule rows
    stay locked until commit). E-mails for new alerts go out after the commit."""
    if customer_ids is not None:
        customer_ids = list(customer_ids)
    # Locking the rules serialises evaluations, so two never open the same alert twice.
    rules = list(AlertRule.objects.select_for_update().order_by("pk"))
    active_rules = [rule for rule in rules if rule.is_active]
    measured = measurements(
        kinds={rule.kind for rule in active_rules}, on_date=on_date, customer_ids=customer_ids
    )
    live = Alert.objects.select_for_update().filter(status__in=Alert.LIVE_STATUSES)
    if customer_ids is not None:
        live = live.filter(customer_id__in=customer_ids)
    live_by_key = {(alert.customer_id, alert.rule_id): alert for alert in live.order_by("pk")}
    rules_by_pk = {rule.pk: rule for rule in rules}

    now = timezone.now()
    to_open, to_update, to_close = [], [], []
    for (customer_id, rule_id), alert in live_by_key.items():
        rule = rules_by_pk[rule_id]
        measurement = measured.get(rule.kind, {}).get(customer_id) if rule.is_active else None
        if rule.is_active and measurement is not None and measurement.value is None:
            continue  # cannot be measured now: neither confirmed nor cleared
        if measurement is None or not rule.is_met_by(measurement.value):
            alert.status, alert.closed_at = Alert.Status.CLOSED, now
            to_close.append(alert)
        elif (alert.measured_value, alert.message) != (measurement.value, measurement.message):
            alert.measured_value, alert.message = measurement.value, measurement.message
            alert.measured_on = on_date
            to_update.append(alert)
    for rule in active_rules:
        for customer_id, measurement in measured[rule.kind].items():
            exceeded = measurement.value is not None and rule.is_met_by(measurement.value)
            if exceeded and (customer_id, rule.pk) not in live_by_key:
                to_open.append(
                    Alert(
                        customer_id=customer_id,
                        rule=rule,
                        status=Alert.Status.OPEN,
                        opened_at=now,
                        measured_on=on_date,
                        measured_value=measurement.value,
                        message=measurement.message,
                    )
                )
    if to_close:
        bulk_update_with_history(to_close, Alert, ["status", "closed_at"])
    if to_update:
        bulk_update_with_history(to_update, Alert, ["measured_value", "measured_on", "message"])
    if to_open:
        bulk_create_with_history(to_open, Alert)
    # Also picks up alerts whose e-mails a crashed or failed run did not send. Robust: a mail
    # server that is down is logged and retried by the next evaluation; the alerts stand.
    transaction.on_commit(alerts_notify_pending, robust=True)
    return Evaluation(opened=len(to_open), updated=len(to_update), closed=len(to_close))


# --- notifications ----------------------------------------------------------------------------


def _language_of(user) -> str:
    return user_language(user=user) or settings.LANGUAGE_CODE


def _alert_email(alert: Alert, recipient) -> EmailMessage:
    path = reverse("alert-detail", args=[alert.pk])
    context = {"alert": alert, "recipient": recipient, "path": path}
    with translation.override(_language_of(recipient)):
        subject = render_to_string("alerts/email/alert_opened_subject.txt", context)
        body = render_to_string("alerts/email/alert_opened_body.txt", context)
    return EmailMessage(subject=" ".join(subject.split()), body=body, to=[recipient.email])


def _recipients(alert: Alert, finance_users: list) -> list:
    """The customer's sales rep (if active with an e-mail address) and the Finance users, each
    once."""
    owner = alert.customer.owner
    people = [owner] if owner is not None and owner.is_active and owner.email else []
    return people + [user for user in finance_users if user.pk != alert.customer.owner_id]


def alerts_notify_pending() -> int:
    """E-mail every open alert that has not been notified yet to its recipients, each in their
    own language, and record `notified_at`; returns the number of e-mails sent. One alert at a
    time in its own transaction: a crash leaves only unsent alerts unmarked, so running this
    again sends just those. Alerts acknowledged or closed before being notified are not sent."""
    pending = list(
        Alert.objects.filter(status=Alert.Status.OPEN, notified_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not pending:
        return 0
    finance_users = alert_recipients_in_finance()
    sent = 0
    connection = get_connection()
    for pk in pending:
        with transaction.atomic():
            alert = (
                Alert.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("customer__owner", "rule")
                .filter(pk=pk, status=Alert.Status.OPEN, notified_at__isnull=True)
                .first()
            )
            if alert is None:
                continue  # another worker is sending it, or it changed meanwhile
            messages = [_alert_email(alert, user) for user in _recipients(alert, finance_users)]
            if messages:
                sent += connection.send_messages(messages)
            alert.notified_at = timezone.now()
            alert.save(update_fields=["notified_at"])
    return sent


# --- people handling alerts -------------------------------------------------------------------


def _check_may_handle(actor, alert: Alert) -> None:
    if not has_capability(actor, Capability.HANDLE_ALERTS) or not (
        customers_visible_to(actor).filter(pk=alert.customer_id).exists()
    ):
        raise PermissionDeniedError(_("You may not handle this customer's alerts."))


def _lock(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


@transaction.atomic
def alert_acknowledge(*, actor, alert: Alert) -> Alert:
    """Record that `actor` has seen an open alert. It stays live until its condition clears."""
    _check_may_handle(actor, alert)
    alert = _lock(alert)
    if not alert.can_acknowledge():
        raise ApplicationError(
            _("Only an open alert can be acknowledged; this one is %(status)s.")
            % {"status": alert.get_status_display().lower()},
            code="not_open",
        )
    alert.status = Alert.Status.ACKNOWLEDGED
    alert.acknowledged_by, alert.acknowledged_at = actor, timezone.now()
    _attribute(alert, actor).save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    return alert


@transaction.atomic
def alert_assign(*, actor, alert: Alert, assignee) -> Alert:
    """Make `assignee` (None: nobody) responsible for following a live alert up; they must be
    able to see the customer and handle alerts (users_assignable)."""
    _check_may_handle(actor, alert)
    alert = _lock(alert)
    if not alert.can_assign():
        raise ApplicationError(_("A closed alert cannot be assigned."), code="closed")
    if (
        assignee is not None
        and not users_assignable(customer=alert.customer).filter(pk=assignee.pk).exists()
    ):
        raise ApplicationError(
            _("%(user)s may not handle this customer's alerts.") % {"user": assignee},
            field="assigned_to",
            code="not_assignable",
        )
    alert.assigned_to = assignee
    _attribute(alert, actor).save(update_fields=["assigned_to"])
    return alert
