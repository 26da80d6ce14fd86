"""Every write of statements of account: generating a statement (its PDF, hash and figures),
e-mailing it once, the scheduled run, and on-demand requests from the API.

Invariants:
- One statement per customer and period (a unique constraint): generation is a get-or-create
  under a row lock, so a second run, a retried task or two workers never make a second one.
- A READY statement never changes: its stored PDF and SHA-256 are what the customer received.
  Only PENDING and FAILED statements are (re)rendered.
- Rendering and storing happen in one savepoint: a failure leaves the statement FAILED with
  the reason and nothing else (no figures, no file).
- E-mail goes out once per request: the row is locked, the message sent and `emailed_at` set in
  one transaction (as alerts.services.alerts_notify_pending does); a failed send stays pending
  for the next run. Finance's explicit resend is a deliberate second e-mail, recorded as such.
"""

import hashlib
import logging
import smtplib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.roles import Capability, has_capability
from core.exceptions import ApplicationError, PermissionDeniedError
from core.money import quantize
from core.selectors import company_profile
from customers.models import Contact, Customer
from customers.selectors import customers_visible_to
from receivables.locks import lock_customer
from receivables.models import Dispute, Installment, Invoice, Payment
from receivables.selectors import installments_open_as_of
from receivables.services import dispute_open
from statements.documents import statement_pdf
from statements.links import confirmation_url
from statements.models import ConfirmationReply, Statement, StatementBalance
from statements.periods import period_due
from statements.selectors import StatementOfAccount, statement_of_account

logger = logging.getLogger(__name__)

# What a mail server or the network can throw at a send: recorded, retried by the next run.
# Anything else is a bug and propagates (the statement stays pending, so a rerun sends it).
MAIL_ERRORS = (smtplib.SMTPException, OSError)


def _attribute(instance, actor):
    instance._history_user = actor
    return instance


def _check_may_generate(actor, customer: Customer) -> None:
    if not has_capability(actor, Capability.MANAGE_LEDGER):
        raise PermissionDeniedError(_("You may not generate or send statements."))
    if not customers_visible_to(actor).filter(pk=customer.pk).exists():
        raise PermissionDeniedError(_("You may not generate or send statements."))


def _check_period(*, period_start: date, period_end: date) -> None:
    if period_start > period_end:
        raise ApplicationError(
            _("The period must not end before it starts."), field="period_end", code="period"
        )
    # A period that has not ended yet would print figures that still move; the statement could
    # not be reproduced later.
    if period_end > timezone.localdate():
        raise ApplicationError(
            _("The period must not end in the future."), field="period_end", code="period"
        )


def statement_file_name(statement: Statement) -> str:
    return f"{statement.customer.code}-{statement.period_end.isoformat()}.pdf"


def statement_attachment_name(statement: Statement) -> str:
    """The file name customers see (download and e-mail attachment): ASCII, so every mail
    client shows it the same."""
    return (
        f"statement-{statement.customer.code}-"
        f"{statement.period_start.isoformat()}-{statement.period_end.isoformat()}.pdf"
    )


def _locked(statement_id: int) -> Statement:
    return (
        Statement.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=statement_id)
    )


def _get_or_create_locked(
    *, customer: Customer, period_start: date, period_end: date, actor, **fields
) -> Statement:
    """The period's statement, created (PENDING, attributed to `actor`) if there is none, and
    locked. Two transactions creating it at once: the unique constraint makes the second wait
    for the first and then take its row."""
    period = {"customer": customer, "period_start": period_start, "period_end": period_end}
    statement_id = Statement.objects.filter(**period).values_list("pk", flat=True).first()
    if statement_id is None:
        statement = Statement(
            **period,
            language=customer.language,
            confirmation_kind=customer.statement_confirmation,
            requested_by=actor,
            **fields,
        )
        try:
            with transaction.atomic():
                _attribute(statement, actor).save()
            statement_id = statement.pk
        except IntegrityError:
            statement_id = Statement.objects.filter(**period).values_list("pk", flat=True).get()
    return _locked(statement_id)


def _balances(statement: Statement, content: StatementOfAccount) -> list[StatementBalance]:
    return [
        StatementBalance(
            statement=statement,
            currency=section.currency,
            opening_balance=section.opening_balance,
            closing_balance=section.closing_balance,
            overdue_amount=section.overdue_amount,
            late_interest=section.late_interest,
        )
        for section in content.sections
    ]


def _render(statement: Statement, content: StatementOfAccount, actor) -> None:
    """Render, store and mark READY in a savepoint; on any error mark FAILED instead. The
    statement row must be locked by the caller."""
    customer = statement.customer
    generated_at = timezone.now()
    statement.language = customer.language
    statement.confirmation_kind = customer.statement_confirmation
    reply_due_on = timezone.localdate(generated_at) + timedelta(days=settings.STATEMENT_REPLY_DAYS)
    stored_name = ""
    try:
        with transaction.atomic():
            pdf_bytes = statement_pdf(
                content,
                language=statement.language,
                confirmation_kind=statement.confirmation_kind,
                reply_url=confirmation_url(statement),
                reply_due_on=reply_due_on,
                generated_at=generated_at,
            )
            StatementBalance.objects.filter(statement=statement).delete()
            StatementBalance.objects.bulk_create(_balances(statement, content))
            # The file last: storage is not transactional, so only a failure after this line
            # can leave a file behind, and the except clause removes it.
            statement.pdf.save(statement_file_name(statement), ContentFile(pdf_bytes), save=False)
            stored_name = statement.pdf.name
            statement.pdf_sha256 = hashlib.sha256(pdf_bytes).hexdigest()
            statement.status = Statement.Status.READY
            statement.failure = ""
            statement.generated_at = generated_at
            statement.reply_due_on = reply_due_on
            _attribute(statement, actor).save()
    except Exception as error:
        logger.exception("Statement %s could not be generated", statement.pk)
        if stored_name:
            statement.pdf.storage.delete(stored_name)
        statement.pdf = ""
        statement.pdf_sha256 = ""
        statement.generated_at = statement.reply_due_on = None
        statement.status = Statement.Status.FAILED
        statement.failure = f"{type(error).__name__}: {error}"[:2000]
        _attribute(statement, actor).save()


def _generate(
    *,
    customer: Customer,
    period_start: date,
    period_end: date,
    source: str,
    actor,
    send: bool,
    skip_empty: bool,
    mail_on_commit: bool = True,
) -> tuple[Statement | None, bool]:
    """The period's statement (None if skipped as empty) and whether it was rendered now. With
    `send`, it is e-mailed after the commit, unless the caller sends in bulk afterwards
    (`mail_on_commit=False`, the scheduled run: one SMTP connection for all)."""
    with transaction.atomic():
        statement = (
            Statement.objects.select_for_update(of=("self",))
            .select_related("customer")
            .filter(customer=customer, period_start=period_start, period_end=period_end)
            .first()
        )
        if statement is not None and statement.status == Statement.Status.READY:
            if send and not statement.send_requested:
                statement.send_requested = True
                _attribute(statement, actor).save(update_fields=["send_requested"])
                if mail_on_commit:
                    _send_after_commit(statement)
            return statement, False
        content = statement_of_account(
            customer=customer, period_start=period_start, period_end=period_end
        )
        if statement is None:
            if skip_empty and not content.sections:
                return None, False
            statement = _get_or_create_locked(
                customer=customer,
                period_start=period_start,
                period_end=period_end,
                actor=actor,
                source=source,
            )
            # Another worker may have created (and even finished) it meanwhile.
            if statement.status == Statement.Status.READY:
                return statement, False
        statement.send_requested = statement.send_requested or send
        _render(statement, content, actor)
        if (
            statement.status == Statement.Status.READY
            and statement.send_requested
            and mail_on_commit
        ):
            _send_after_commit(statement)
        return statement, True


def statement_generate(
    *,
    customer: Customer,
    period_start: date,
    period_end: date,
    source: str,
    actor=None,
    send: bool = False,
) -> Statement:
    """The customer's statement for the period, generated if needed: a READY one is returned
    unchanged (same file, same hash); a missing, PENDING or FAILED one is rendered now in the
    customer's language with its confirmation kind and stored with its figures, or marked
    FAILED with the reason. `send` asks for it to be e-mailed (after the commit). `actor` is
    None for the scheduled run."""
    if actor is not None:
        _check_may_generate(actor, customer)
    _check_period(period_start=period_start, period_end=period_end)
    statement, _rendered = _generate(
        customer=customer,
        period_start=period_start,
        period_end=period_end,
        source=source,
        actor=actor,
        send=send,
        skip_empty=False,
    )
    return statement


def statement_generate_requested(*, statement_id: int) -> Statement | None:
    """Render a statement requested through the API (the background job): the requester is
    the author; nothing happens if it is READY already or no longer exists."""
    statement = (
        Statement.objects.select_related("customer", "requested_by").filter(pk=statement_id).first()
    )
    if statement is None:
        return None
    statement, _rendered = _generate(
        customer=statement.customer,
        period_start=statement.period_start,
        period_end=statement.period_end,
        source=statement.source,
        actor=statement.requested_by,
        send=statement.send_requested,
        skip_empty=False,
    )
    return statement


@transaction.atomic
def statement_request(
    *, actor, customer: Customer, period_start: date, period_end: date, send: bool = False
) -> tuple[Statement, bool]:
    """Ask for the customer's statement for a period to be generated in the background: the
    PENDING statement (its id is the job's id) and whether a job was queued. The period's
    existing statement is returned instead of a second one; one that is not READY is queued
    again (a job lost with a broker is thus retried by asking again)."""
    _check_may_generate(actor, customer)
    _check_period(period_start=period_start, period_end=period_end)
    statement = _get_or_create_locked(
        customer=customer,
        period_start=period_start,
        period_end=period_end,
        actor=actor,
        source=Statement.Source.ON_DEMAND,
        send_requested=send,
    )
    if send and not statement.send_requested:
        statement.send_requested = True
        _attribute(statement, actor).save(update_fields=["send_requested"])
        if statement.status == Statement.Status.READY:
            _send_after_commit(statement)
    if statement.status == Statement.Status.READY:
        return statement, False
    # Tasks call services; the service queues the task only once its row is committed.
    from statements.tasks import generate_statement

    statement_id = statement.pk
    transaction.on_commit(lambda: generate_statement.delay(statement_id))
    return statement, True


# --- e-mail -----------------------------------------------------------------------------------


def statement_recipients(customer: Customer) -> list[str]:
    """The addresses of the customer's statement contacts, primary contact first, each once."""
    addresses = (
        Contact.objects.filter(customer=customer, receives_statements=True)
        .exclude(email="")
        .order_by("-is_primary", "name", "pk")
        .values_list("email", flat=True)
    )
    return list(dict.fromkeys(addresses))


def _statement_email(statement: Statement, recipients: list[str], connection):
    company = company_profile()
    context = {
        "statement": statement,
        "customer": statement.customer,
        "company": company,
        "company_name": company.name_in(statement.language),
        "balances": list(statement.balances.all()),
        "reply_url": confirmation_url(statement),
        "positive": statement.confirmation_kind == Customer.ConfirmationKind.POSITIVE,
    }
    with translation.override(statement.language):
        subject = render_to_string("statements/email/statement_subject.txt", context)
        body = render_to_string("statements/email/statement_body.txt", context)
        html = render_to_string("statements/email/statement_body.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        to=recipients,
        reply_to=[company.email] if company.email else None,
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    with statement.pdf.open("rb") as pdf:
        message.attach(statement_attachment_name(statement), pdf.read(), "application/pdf")
    return message


def _deliver(statement: Statement, *, connection, actor, changed=()) -> bool:
    """Send the locked, READY statement to its contacts and record the outcome on it (with the
    fields the caller `changed`)."""
    recipients = statement_recipients(statement.customer)
    failure = ""
    if not recipients:
        failure = _("no statement contact")
    else:
        try:
            _statement_email(statement, recipients, connection).send()
        except MAIL_ERRORS as error:
            logger.warning("Statement %s was not e-mailed: %s", statement.pk, error)
            failure = f"{type(error).__name__}: {error}"[:2000]
    if failure:
        # Saved only when it changes: a contact-less customer is retried daily without
        # a history row each day.
        if statement.email_failure != failure or changed:
            statement.email_failure = failure
            _attribute(statement, actor).save(update_fields=["email_failure", *changed])
        return False
    statement.emailed_at = timezone.now()
    statement.emailed_to = ", ".join(recipients)
    statement.email_failure = ""
    _attribute(statement, actor).save(
        update_fields=["emailed_at", "emailed_to", "email_failure", *changed]
    )
    return True


def statements_send_pending(*, statement_ids=None) -> int:
    """E-mail every READY statement asked to be sent and not yet sent (or only those of
    `statement_ids`); returns how many went out. One statement per transaction, its row locked
    (skip_locked: another worker sending it is left alone): a crash leaves only unsent ones
    pending, so running this again sends just those."""
    pending = Statement.objects.filter(
        status=Statement.Status.READY, send_requested=True, emailed_at__isnull=True
    )
    if statement_ids is not None:
        pending = pending.filter(pk__in=list(statement_ids))
    pending_ids = list(pending.order_by("pk").values_list("pk", flat=True))
    if not pending_ids:
        return 0
    connection = get_connection()
    sent = 0
    for pk in pending_ids:
        with transaction.atomic():
            statement = (
                Statement.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("customer")
                .filter(
                    pk=pk,
                    status=Statement.Status.READY,
                    send_requested=True,
                    emailed_at__isnull=True,
                )
                .first()
            )
            if statement is None:
                continue
            sent += _deliver(statement, connection=connection, actor=None)
    return sent


def _send_after_commit(statement: Statement) -> None:
    transaction.on_commit(
        partial(statements_send_pending, statement_ids=[statement.pk]), robust=True
    )


@transaction.atomic
def statement_send(*, statement: Statement, actor=None) -> Statement:
    """E-mail a READY statement now, whether or not it was sent before (Finance's deliberate
    resend): sets `emailed_at`/`emailed_to` on success, `email_failure` otherwise (it then stays
    asked-for, so the next run tries again)."""
    statement = _locked(statement.pk)
    if actor is not None:
        _check_may_generate(actor, statement.customer)
    if statement.status != Statement.Status.READY:
        raise ApplicationError(
            _("Only a generated statement can be sent."), code="not_ready", field=None
        )
    changed = () if statement.send_requested else ("send_requested",)
    statement.send_requested = True
    _deliver(statement, connection=get_connection(), actor=actor, changed=changed)
    return statement


# --- the scheduled run ------------------------------------------------------------------------


@dataclass(frozen=True)
class RunSummary:
    """What one run did: statements generated, customers skipped because there was nothing to
    report, statements that failed to render, e-mails sent."""

    generated: int
    skipped_empty: int
    failed: int
    emailed: int


def _customers_due(*, frequency: str, period_start: date, period_end: date):
    """Customers on `frequency` whose statement for the period is not READY and asked to be
    sent yet. Archived customers get none; a customer on hold or blocked still owes, so it
    does. Customers with no posted document by the period end have nothing to report and are
    left out here, in SQL."""
    done = Statement.objects.filter(
        customer=OuterRef("pk"),
        period_start=period_start,
        period_end=period_end,
        status=Statement.Status.READY,
        send_requested=True,
    )
    has_history = Exists(
        Invoice.objects.filter(
            customer=OuterRef("pk"), number__isnull=False, issue_date__lte=period_end
        )
    ) | Exists(Payment.objects.filter(customer=OuterRef("pk"), received_on__lte=period_end))
    return (
        Customer.objects.filter(is_archived=False, statement_frequency=frequency)
        .filter(has_history)
        .filter(~Exists(done))
        .order_by("pk")
    )


def statements_run(*, on_date: date) -> RunSummary:
    """Generate and e-mail every statement due on `on_date`: for each non-archived customer
    with a statement frequency, its last complete period (statements.periods), unless that
    statement exists and was sent. Each customer in its own transaction, then every statement
    still waiting for its e-mail is sent (including those a crashed or failed run left). A
    customer with no balance, no movement and no open item in the period gets no statement.
    Running it again the same day (or after a crash) generates and sends nothing twice."""
    generated = skipped = failed = 0
    for frequency in (Customer.StatementFrequency.MONTHLY, Customer.StatementFrequency.QUARTERLY):
        period_start, period_end = period_due(frequency=frequency, on_date=on_date)
        for customer in _customers_due(
            frequency=frequency, period_start=period_start, period_end=period_end
        ):
            statement, rendered = _generate(
                customer=customer,
                period_start=period_start,
                period_end=period_end,
                source=Statement.Source.SCHEDULED,
                actor=None,
                send=True,
                skip_empty=True,
                mail_on_commit=False,
            )
            if statement is None:
                skipped += 1
            elif statement.status == Statement.Status.FAILED:
                failed += 1
            elif rendered:
                generated += 1
    emailed = statements_send_pending()
    return RunSummary(generated=generated, skipped_empty=skipped, failed=failed, emailed=emailed)


# --- balance confirmation -----------------------------------------------------------------------
# Recording the customer's answer to a statement (对账确认 / 询证函回执), given through the
# signed link without an account.
#
# Invariants: a statement has at most one reply (the row lock serialises replies and the
# OneToOne refuses a second); a reply that disagrees always opens a Dispute (database check);
# a confirmation is the customer's written acknowledgement of the debt, so it restarts the
# limitation period of every item open at the statement's period end and never moves a restart
# date backwards.

MAX_USER_AGENT = 300


def _statement_items_open(statement: Statement):
    """The installments the statement listed as open (open at its period end)."""
    return installments_open_as_of(as_of=statement.period_end).filter(
        customer_id=statement.customer_id
    )


def _check_amount_believed(amount, currency: str) -> Decimal | None:
    if amount in (None, ""):
        return None
    try:
        amount = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        raise ApplicationError(_("Enter an amount."), field="amount_believed") from None
    if amount < 0:
        raise ApplicationError(
            _("The balance you believe you owe cannot be negative."), field="amount_believed"
        )
    if quantize(amount, currency) != amount:
        raise ApplicationError(
            _("Enter the amount to the cent at most."), field="amount_believed", code="too_precise"
        )
    return amount


def _restart_limitation(statement: Statement, on_date: date) -> int:
    """Acknowledged in writing on `on_date`: the three years run again from then for every item
    open at the period end. One UPDATE; the reply row records why."""
    return (
        Installment.objects.filter(pk__in=_statement_items_open(statement).values("pk"))
        .filter(Q(limitation_restarted_on__isnull=True) | Q(limitation_restarted_on__lt=on_date))
        .update(limitation_restarted_on=on_date)
    )


@transaction.atomic
def statement_reply_record(
    *,
    statement: Statement,
    outcome: str,
    respondent_name: str,
    respondent_title: str = "",
    respondent_email: str = "",
    comment: str = "",
    currency: str = "",
    amount_believed=None,
    contested_item_ids=(),
    ip_address: str,
    user_agent: str = "",
) -> ConfirmationReply:
    """Record the customer's one reply to a ready statement. Confirmed: the customer's balance
    was last confirmed today and the limitation period of the items open at the period end
    restarts today. Disagrees: a Dispute (source statement reply) with the amount believed,
    the contested items and the comment, which marks the contested invoices disputed."""
    # The customer's row first (its last confirmation date may change), then the statement's:
    # two replies to the same statement queue here and the second sees the first.
    customer = lock_customer(statement.customer_id)
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    if statement.status != Statement.Status.READY:
        raise ApplicationError(_("This statement cannot be answered."), code="not_ready")
    if ConfirmationReply.objects.filter(statement=statement).exists():
        raise ApplicationError(
            _("This statement has already been answered."), code="already_replied"
        )
    if outcome not in ConfirmationReply.Outcome.values:
        raise ApplicationError(_("Choose whether the balance agrees."), field="outcome")
    respondent_name = respondent_name.strip()
    if not respondent_name:
        raise ApplicationError(_("Enter your name."), field="respondent_name", code="required")

    replied_at = timezone.now()
    replied_on = timezone.localdate(replied_at)
    reply = ConfirmationReply(
        statement=statement,
        outcome=outcome,
        respondent_name=respondent_name,
        respondent_title=respondent_title.strip(),
        respondent_email=respondent_email.strip(),
        comment=comment.strip(),
        replied_at=replied_at,
        ip_address=ip_address,
        user_agent=user_agent[:MAX_USER_AGENT],
    )
    contested = []
    if outcome == ConfirmationReply.Outcome.CONFIRMED:
        if amount_believed not in (None, "") or contested_item_ids:
            raise ApplicationError(
                _("A confirmation states no other amount and contests no item."),
                field="outcome",
            )
        _restart_limitation(statement, replied_on)
        if customer.last_balance_confirmed_on is None or (
            customer.last_balance_confirmed_on < replied_on
        ):
            customer.last_balance_confirmed_on = replied_on
            customer._history_user = None
            customer.save(update_fields=["last_balance_confirmed_on"])
    else:
        currencies = list(
            statement.balances.order_by("currency").values_list("currency", flat=True)
        )
        if not currency and len(currencies) == 1:
            currency = currencies[0]
        if currency not in currencies:
            raise ApplicationError(_("Choose one of the statement's currencies."), field="currency")
        amount = _check_amount_believed(amount_believed, currency)
        wanted = {int(pk) for pk in contested_item_ids}
        contested = list(_statement_items_open(statement).filter(pk__in=wanted).order_by("pk"))
        if len(contested) != len(wanted):
            raise ApplicationError(
                _("Only items listed on the statement can be contested."),
                field="contested_items",
            )
        if amount is None and not contested and not reply.comment:
            raise ApplicationError(
                _("Tell us what does not agree: the balance you believe, the items or a comment."),
                field="comment",
                code="required",
            )
        reply.currency, reply.amount_believed = currency, amount
        reply.dispute = dispute_open(
            actor=None,
            customer=customer,
            source=Dispute.Source.STATEMENT_REPLY,
            reason=Dispute.Reason.BALANCE,
            currency=currency,
            opened_on=replied_on,
            amount_claimed=amount,
            installments=contested,
            description=reply.comment,
        )
    try:
        with transaction.atomic():
            reply.save()
    except IntegrityError:
        raise ApplicationError(
            _("This statement has already been answered."), code="already_replied"
        ) from None
    reply.contested_items.set(contested)
    return reply
