"""The dunning engine (催收提醒): the daily run that decides which installments reach which step
and writes the messages, the sender that e-mails them exactly once, and the manager's approval.

Idempotency rests on two unique keys (arcollections.models): a DunningNotice per installment and
step (a step reaches an installment at most once, ever) and a DunningMessage per customer, run
date and channel. Each customer is written in its own transaction, so a run that dies midway
leaves every customer either complete or untouched, and the next run picks up the rest. See
docs/collections.md.
"""

import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Capability, has_capability
from arcollections.business_days import is_business_day
from arcollections.messages import dunning_context, render_dunning_template
from arcollections.models import (
    Activity,
    CollectionProfile,
    DunningMessage,
    DunningNotice,
    DunningRun,
    DunningStep,
    DunningTemplate,
)
from arcollections.selectors.dunning import active_steps, installments_due_a_step
from core.exceptions import ApplicationError, PermissionDeniedError
from core.selectors import company_profile
from customers.models import Contact, Customer
from receivables.documents import invoice_pdf
from receivables.models import Installment
from statements.documents import LetterKind, reminder_letter_pdf
from statements.models import Statement
from statements.services import statement_attachment_name

logger = logging.getLogger(__name__)

MAIL_ERRORS = (smtplib.SMTPException, OSError)
# A queued e-mail the mail server keeps refusing is given up after this many runs (status
# failed, visible on the messages page) rather than retried forever.
MAX_SEND_ATTEMPTS = 5
APPROVE_DUNNING = Capability.APPROVE_CREDIT
FALLBACK_LANGUAGE = Customer.Language.ZH_HANS


def _attribute(instance, actor):
    instance._history_user = actor
    return instance


# --- the run ---------------------------------------------------------------------------------


@dataclass
class RunSummary:
    """What one run did. `business_day` False: a rest day, nothing was written (the next
    working day's run sends what came due meanwhile). `failed_customers`: customers whose
    transaction failed and was rolled back; the next run retries them."""

    run_date: date
    business_day: bool
    customers: int = 0
    messages: int = 0
    notices: int = 0
    superseded: int = 0
    failed_customers: list[int] = field(default_factory=list)
    by_status: dict[str, int] = field(default_factory=dict)


@dataclass
class _Group:
    """The installments of one customer whose reached step is on one channel."""

    installments: list[Installment] = field(default_factory=list)
    step: DunningStep | None = None


@dataclass
class _Written:
    """What one customer's transaction wrote."""

    messages: int = 0
    notices: int = 0
    superseded: int = 0
    statuses: list[str] = field(default_factory=list)


def dunning_run(*, run_date: date, actor=None) -> RunSummary:
    """Write the day's dunning messages: for every installment in the cadence (not paused),
    the most advanced step of its customer's policy reached by `run_date` that it has not
    received, grouped into one message per customer and channel. Earlier steps reached at the
    same time (after a pause or a missed run) are recorded as superseded in the same message,
    so they never go out late. Nothing on a rest day. Idempotent: a second run the same day
    writes nothing; a customer already holding a message for the day and channel is skipped.
    Reads are a fixed number of queries; writes are one transaction per customer."""
    summary = RunSummary(run_date=run_date, business_day=is_business_day(run_date))
    if not summary.business_day:
        return summary
    run, _created = DunningRun.objects.get_or_create(
        run_date=run_date, defaults={"started_at": timezone.now()}
    )
    steps = active_steps()
    steps_by_id = {step.pk: step for step in steps}
    due = list(
        installments_due_a_step(on_date=run_date, steps=steps).select_related(
            "invoice__payment_terms"
        )
    )
    if due:
        customer_ids = sorted({installment.customer_id for installment in due})
        customers = Customer.objects.in_bulk(customer_ids)
        contacts = _reminder_contacts(customer_ids)
        company = company_profile()
        templates = {
            (template.step_id, template.language): template
            for template in DunningTemplate.objects.filter(step_id__in=steps_by_id)
        }
        by_customer = defaultdict(list)
        for installment in due:
            by_customer[installment.customer_id].append(installment)
        for customer_id in customer_ids:
            try:
                written = _run_customer(
                    customer=customers[customer_id],
                    installments=by_customer[customer_id],
                    run_date=run_date,
                    actor=actor,
                    steps=steps,
                    steps_by_id=steps_by_id,
                    contacts=contacts.get(customer_id, []),
                    templates=templates,
                    company=company,
                )
            except Exception:
                # One customer's failure (a template that does not render, a lock timeout)
                # must not stop the others; its transaction rolled back, the next run retries.
                logger.exception("Dunning run %s failed for customer %s", run_date, customer_id)
                summary.failed_customers.append(customer_id)
                continue
            # Counted once committed: a customer rolled back adds nothing.
            if written.messages:
                summary.customers += 1
            summary.messages += written.messages
            summary.notices += written.notices
            summary.superseded += written.superseded
            for status in written.statuses:
                summary.by_status[status] = summary.by_status.get(status, 0) + 1
    DunningRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(), notices_created=F("notices_created") + summary.notices
    )
    return summary


def _reminder_contacts(customer_ids) -> dict[int, list[Contact]]:
    contacts = defaultdict(list)
    for contact in (
        Contact.objects.filter(customer_id__in=customer_ids, receives_reminders=True)
        .exclude(email="")
        .order_by("customer_id", "-is_primary", "name", "pk")
    ):
        contacts[contact.customer_id].append(contact)
    return contacts


@transaction.atomic
def _run_customer(
    *,
    customer,
    installments,
    run_date,
    actor,
    steps,
    steps_by_id,
    contacts,
    templates,
    company,
) -> _Written:
    # The customer's row lock queues a second run started at the same moment (beat and the
    # "run now" button) behind this one; it then finds today's messages and skips.
    Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk").first()
    existing = set(
        DunningMessage.objects.filter(customer=customer, run_date=run_date).values_list(
            "channel", flat=True
        )
    )
    # Read under the lock: the steps each installment already received, to supersede the rest.
    noticed = defaultdict(set)
    for installment_id, step_id in DunningNotice.objects.filter(
        installment_id__in=[installment.pk for installment in installments]
    ).values_list("installment_id", "step_id"):
        noticed[installment_id].add(step_id)
    written = _Written()
    groups: dict[str, _Group] = defaultdict(_Group)
    for installment in installments:
        step = steps_by_id[installment.reached_step_id]
        group = groups[step.channel]
        group.installments.append(installment)
        if group.step is None or step.offset_days > group.step.offset_days:
            group.step = step
    for channel, group in groups.items():
        if channel in existing:
            # Written by an earlier run today; installments that became due since then are
            # left for tomorrow rather than attached to a message that may already be sent.
            continue
        message = _create_message(
            customer=customer,
            group=group,
            run_date=run_date,
            actor=actor,
            contacts=contacts,
            templates=templates,
            company=company,
        )
        notices = []
        for installment in group.installments:
            reached = steps_by_id[installment.reached_step_id]
            # The reached step, and every earlier step of the policy the installment never
            # received (superseded: recorded so it is never sent late).
            for step in steps:
                if (
                    step.policy_id == reached.policy_id
                    and step.offset_days <= reached.offset_days
                    and step.pk not in noticed[installment.pk]
                ):
                    notices.append(
                        DunningNotice(
                            installment=installment,
                            step=step,
                            message=message,
                            open_amount=installment.open_amount,
                            days_overdue=(run_date - installment.due_date).days,
                        )
                    )
                    if step.pk != reached.pk:
                        written.superseded += 1
        DunningNotice.objects.bulk_create(notices)
        if (
            group.step.escalates_to_legal
            and message.status != DunningMessage.Status.PENDING_APPROVAL
        ):
            _escalate_to_legal(message=message, installments=group.installments, actor=actor)
        written.messages += 1
        written.notices += len(notices)
        written.statuses.append(message.status)
    return written


def _template_for(templates, step: DunningStep, language: str) -> DunningTemplate | None:
    return (
        templates.get((step.pk, language))
        or templates.get((step.pk, FALLBACK_LANGUAGE))
        or next((t for (step_id, _lang), t in templates.items() if step_id == step.pk), None)
    )


def _create_message(
    *, customer, group, run_date, actor, contacts, templates, company
) -> DunningMessage:
    step = group.step
    language = customer.language
    message = DunningMessage(
        customer=customer,
        step=step,
        run_date=run_date,
        channel=step.channel,
        language=language,
        recipients=", ".join(contact.email for contact in contacts),
        assigned_to_id=customer.owner_id,
    )
    template = _template_for(templates, step, language)
    if template is not None:
        context = dunning_context(
            customer=customer,
            installments=group.installments,
            as_of=run_date,
            language=language,
            contact_name=contacts[0].name if contacts else "",
            step_name=step.name,
            demand=step.attachment == DunningStep.Attachment.DEMAND_LETTER,
            company=company,
        )
        message.subject, message.body = render_dunning_template(
            subject=template.subject, body=template.body, language=language, context=context
        )
    elif step.channel == DunningStep.Channel.EMAIL:
        raise ApplicationError(
            _("Step %(step)s has no template to e-mail.") % {"step": step}, field="templates"
        )
    else:
        message.subject = step.name
    if step.requires_approval:
        message.status = DunningMessage.Status.PENDING_APPROVAL
    else:
        _set_status_to_act(message)
    _attribute(message, actor).save()
    return message


def _set_status_to_act(message: DunningMessage) -> None:
    """An approved (or approval-free) message: an e-mail with recipients is queued for the
    sender; anything else is a task for the collector: a call, a visit, a letter to print and
    post, or an e-mail nobody receives (the customer has no reminder contact)."""
    if message.channel == DunningStep.Channel.EMAIL and message.recipients:
        message.status = DunningMessage.Status.QUEUED
        return
    message.status = DunningMessage.Status.OPEN_TASK
    if message.channel == DunningStep.Channel.EMAIL:
        message.last_error = _(
            "No contact of the customer receives reminders by e-mail: contact the customer "
            "another way, and mark a contact to receive reminders."
        )


def _escalate_to_legal(*, message: DunningMessage, installments, actor) -> None:
    """Hand the customer over (律师函 stage): it leaves the automatic cadence. The amount handed
    over is what the message covers, when that is in one currency."""
    profile, _created = CollectionProfile.objects.select_for_update().get_or_create(
        customer_id=message.customer_id
    )
    if profile.legal_stage:
        return
    currencies = {installment.currency for installment in installments}
    profile.legal_stage = CollectionProfile.LegalStage.LAWYER_LETTER
    profile.legal_since = timezone.localdate() if message.approved_at else message.run_date
    if len(currencies) == 1:
        profile.legal_currency = currencies.pop()
        profile.legal_amount = sum(
            (installment.open_amount for installment in installments), Decimal("0.00")
        )
    _attribute(profile, actor).save()


# --- approval --------------------------------------------------------------------------------


def _check_may_approve(actor) -> None:
    if not has_capability(actor, APPROVE_DUNNING):
        raise PermissionDeniedError(_("Only a manager may approve or reject dunning messages."))


def _locked_pending(message: DunningMessage) -> DunningMessage:
    message = DunningMessage.objects.select_for_update().select_related("step").get(pk=message.pk)
    if message.status != DunningMessage.Status.PENDING_APPROVAL:
        raise ApplicationError(
            _("This message is not awaiting approval."), code="not_pending", field=None
        )
    return message


@transaction.atomic
def dunning_message_approve(*, actor, message: DunningMessage) -> DunningMessage:
    """A manager approves a message the run held for approval: an e-mail is queued and sent
    right after commit (or by the next run if the mail server refuses); a task is opened. An
    approved legal-escalation step hands the customer over to legal."""
    _check_may_approve(actor)
    message = _locked_pending(message)
    message.approved_by = actor
    message.approved_at = timezone.now()
    _set_status_to_act(message)
    _attribute(message, actor).save(
        update_fields=["approved_by", "approved_at", "status", "last_error"]
    )
    if message.step.escalates_to_legal:
        installments = list(Installment.objects.filter(dunning_notices__message=message).distinct())
        _escalate_to_legal(message=message, installments=installments, actor=actor)
    if message.status == DunningMessage.Status.QUEUED:
        transaction.on_commit(partial(dunning_send_queued, message_ids=[message.pk]), robust=True)
    return message


@transaction.atomic
def dunning_message_reject(*, actor, message: DunningMessage, reason: str = "") -> DunningMessage:
    """A manager stops a held message: it is never sent, and its step counts as done for its
    installments (the cadence goes on with the next step). The reason is logged as a note on
    the customer's timeline."""
    _check_may_approve(actor)
    message = _locked_pending(message)
    message.approved_by = actor
    message.approved_at = timezone.now()
    message.status = DunningMessage.Status.REJECTED
    _attribute(message, actor).save(update_fields=["approved_by", "approved_at", "status"])
    _attribute(
        Activity(
            customer_id=message.customer_id,
            kind=Activity.Kind.NOTE,
            occurred_at=message.approved_at,
            performed_by=actor,
            note=_("Dunning message rejected: %(subject)s. %(reason)s")
            % {"subject": message.subject, "reason": reason},
            dunning_message=message,
        ),
        actor,
    ).save()
    return message


# --- sending ---------------------------------------------------------------------------------


def dunning_send_queued(*, message_ids=None) -> int:
    """E-mail every queued dunning message (or only those of `message_ids`); returns how many
    went out. One message per transaction, its row locked (skip_locked: one another worker is
    sending is left alone), marked sent and logged as an activity in the transaction that
    sent it. A refusal counts an attempt and leaves it queued for the next run."""
    queued = DunningMessage.objects.filter(status=DunningMessage.Status.QUEUED)
    if message_ids is not None:
        queued = queued.filter(pk__in=list(message_ids))
    queued_ids = list(queued.order_by("pk").values_list("pk", flat=True))
    if not queued_ids:
        return 0
    connection = get_connection()
    sent = 0
    for pk in queued_ids:
        with transaction.atomic():
            message = (
                DunningMessage.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("customer", "step")
                .filter(pk=pk, status=DunningMessage.Status.QUEUED)
                .first()
            )
            if message is None:
                continue
            sent += _deliver(message, connection=connection)
    return sent


def _deliver(message: DunningMessage, *, connection) -> bool:
    message.attempts += 1
    try:
        _email(message, connection).send()
    except Exception as error:
        if not isinstance(error, MAIL_ERRORS):
            # An attachment failing to render is our bug, not the mail server's: keep its trace.
            logger.exception("Dunning message %s could not be built", message.pk)
        else:
            logger.warning("Dunning message %s was not e-mailed: %s", message.pk, error)
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if message.attempts >= MAX_SEND_ATTEMPTS:
            message.status = DunningMessage.Status.FAILED
        message.save(update_fields=["attempts", "last_error", "status"])
        return False
    message.status = DunningMessage.Status.SENT
    message.sent_at = timezone.now()
    message.last_error = ""
    message.save(update_fields=["attempts", "last_error", "status", "sent_at"])
    recipients = _recipient_list(message)
    Activity.objects.create(
        customer_id=message.customer_id,
        kind=Activity.Kind.EMAIL,
        occurred_at=message.sent_at,
        contact=Contact.objects.filter(customer_id=message.customer_id, email__in=recipients)
        .order_by("-is_primary", "pk")
        .first(),
        outcome=Activity.Outcome.SENT,
        note=message.subject,
        dunning_message=message,
    )
    DunningRun.objects.filter(run_date=message.run_date).update(
        messages_sent=F("messages_sent") + 1
    )
    return True


def _recipient_list(message: DunningMessage) -> list[str]:
    return [address.strip() for address in message.recipients.split(",") if address.strip()]


def _email(message: DunningMessage, connection) -> EmailMultiAlternatives:
    company = company_profile()
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        to=_recipient_list(message),
        reply_to=[company.email] if company.email else None,
        connection=connection,
    )
    email.attach_alternative(
        render_to_string(
            "collections/email/dunning_body.html",
            {"message": message, "company_name": company.name_in(message.language)},
        ),
        "text/html",
    )
    for name, content in message_attachments(message):
        email.attach(name, content, "application/pdf")
    return email


def message_attachments(message: DunningMessage) -> list[tuple[str, bytes]]:
    """The PDFs a message carries, per its step's `attachment`, rendered in the message's
    language and dated its run date (a retry attaches the same letter): the latest stored
    statement of account (or, for a customer that never had one, a reminder letter listing
    the same open items), each invoice the message is about, or the reminder / demand letter."""
    customer = message.customer
    kind = message.step.attachment
    code = customer.code
    day = message.run_date.isoformat()
    if kind == DunningStep.Attachment.STATEMENT:
        statement = (
            Statement.objects.filter(customer=customer, status=Statement.Status.READY)
            .exclude(pdf="")
            .order_by("-period_end")
            .first()
        )
        if statement is not None:
            with statement.pdf.open("rb") as pdf:
                return [(statement_attachment_name(statement), pdf.read())]
        kind = DunningStep.Attachment.REMINDER_LETTER
    if kind == DunningStep.Attachment.INVOICES:
        invoices = {
            notice.installment.invoice
            for notice in message.notices.select_related("installment__invoice__customer")
        }
        return [
            (f"invoice-{invoice.number}.pdf", invoice_pdf(invoice, language=message.language))
            for invoice in sorted(invoices, key=lambda invoice: invoice.number)
        ]
    if kind in (DunningStep.Attachment.REMINDER_LETTER, DunningStep.Attachment.DEMAND_LETTER):
        letter = (
            LetterKind.DEMAND
            if kind == DunningStep.Attachment.DEMAND_LETTER
            else LetterKind.REMINDER
        )
        pdf = reminder_letter_pdf(
            customer=customer, as_of=message.run_date, language=message.language, kind=letter
        )
        return [(f"{letter}-{code}-{day}.pdf", pdf)]
    return []
