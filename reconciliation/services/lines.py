"""What people and the engine decide about a bank line: apply it (to installments, or as
unapplied credit), accept or reject a suggestion, ignore it, undo an application.

Every decision locks the line first (`lock_bank_line`), so a line is applied once however many
users, and the engine, act on it at the same moment; the second finds it no longer open. The
ledger writes go through receivables' services, which lock the payment and installments after.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Capability, has_capability
from core.exceptions import ApplicationError, PermissionDeniedError
from core.money import ZERO, quantize
from customers.models import Customer
from receivables.models import Installment, Payment
from receivables.services import (
    bank_charge_record,
    payment_allocate,
    payment_record,
    payment_reverse,
)
from reconciliation.matching.names import account_key, name_key
from reconciliation.models import BankLine, MatchSuggestion, PayerLink

OPEN_STATUSES = (BankLine.Status.UNMATCHED, BankLine.Status.SUGGESTED)


def lock_bank_line(line_id) -> BankLine:
    return BankLine.objects.select_for_update().get(pk=line_id)


def _attribute(instance, actor):
    instance._history_user = actor
    return instance


def _check_open(line: BankLine) -> None:
    if line.status not in OPEN_STATUSES:
        raise ApplicationError(
            _("Bank line %(line)s is already %(status)s.")
            % {"line": line.pk, "status": line.get_status_display()},
            field="line",
            code="line_not_open",
        )


def _check_fee(fee: Decimal, line: BankLine) -> Decimal:
    fee = quantize(Decimal(fee or 0), line.currency)
    if fee < 0:
        raise ApplicationError(_("Bank charges cannot be negative."), field="fee")
    if fee > settings.RECONCILIATION_FEE_TOLERANCE:
        raise ApplicationError(
            _("Bank charges above %(tolerance)s %(currency)s are a short payment, not a fee.")
            % {"tolerance": settings.RECONCILIATION_FEE_TOLERANCE, "currency": line.currency},
            field="fee",
            code="fee_above_tolerance",
        )
    return fee


def _split_fee(
    allocations: list[tuple[int, Decimal]], fee: Decimal
) -> tuple[list[tuple[int, Decimal]], list[tuple[int, Decimal]]]:
    """Split what each installment gets settled into the payment's share and the bank's: the
    bank charge comes off the last installments, so the oldest are paid in cash first."""
    paid = [(installment_id, amount) for installment_id, amount in allocations]
    charged: list[tuple[int, Decimal]] = []
    remaining = fee
    for index in range(len(paid) - 1, -1, -1):
        if remaining == 0:
            break
        installment_id, amount = paid[index]
        share = min(amount, remaining)
        paid[index] = (installment_id, amount - share)
        charged.append((installment_id, share))
        remaining -= share
    return [(i, a) for i, a in paid if a > 0], charged


def _normalised_allocations(allocations, line: BankLine) -> list[tuple[int, Decimal]]:
    normalised = []
    for installment_id, amount in allocations:
        amount = quantize(Decimal(amount), line.currency)
        if amount <= 0:
            raise ApplicationError(
                _("Amounts to apply must be positive."),
                field="allocations",
                code="not_positive",
                row=installment_id,
            )
        normalised.append((int(installment_id), amount))
    return normalised


@transaction.atomic
def bank_line_apply(
    *,
    actor,
    line: BankLine,
    customer: Customer,
    allocations: list[tuple[int, Decimal]],
    fee: Decimal = ZERO,
    automatically: bool = False,
    suggestion: MatchSuggestion | None = None,
) -> Payment:
    """Turn a credit line into the customer's payment and apply it: `allocations` are
    (installment id, amount settled, bank charge included); `fee` of it the bank kept. What the
    allocations leave of the line stays unapplied credit; no allocations: all of it does."""
    line = lock_bank_line(line.pk)
    _check_open(line)
    if not line.is_credit:
        raise ApplicationError(
            _("Only money received can be applied to a customer."), field="line", code="debit"
        )
    if automatically and line.auto_apply_blocked:
        raise ApplicationError(
            _("A user undid this line's application; it is never applied automatically again."),
            field="line",
            code="auto_apply_blocked",
        )
    fee = _check_fee(fee, line)
    allocations = _normalised_allocations(allocations, line)
    settled = sum((amount for _id, amount in allocations), ZERO)
    if fee and not allocations:
        raise ApplicationError(
            _("Bank charges need an installment they were deducted from."), field="fee"
        )
    if settled - fee > line.amount:
        raise ApplicationError(
            _("The installments take %(needed)s; the bank line brought only %(amount)s.")
            % {"needed": settled - fee, "amount": line.amount},
            field="allocations",
            code="exceeds_line",
        )
    if fee and settled - fee != line.amount:
        raise ApplicationError(
            _(
                "A bank charge is only what the bank kept of a payment in full: with charges, the "
                "installments must take the whole line."
            ),
            field="fee",
            code="fee_with_remainder",
        )
    paid, charged = _split_fee(allocations, fee)
    if len(charged) > 1:
        # The bank kept one sum from one transfer; spreading it over installments would only
        # happen if the last were smaller than the fee, which the tolerance makes an oddity.
        raise ApplicationError(
            _("The bank charge is larger than the last installment it would settle."),
            field="fee",
            code="fee_spans_installments",
        )
    payment = payment_record(
        actor=actor,
        customer=customer,
        received_on=line.booked_on,
        amount=line.amount,
        currency=line.currency,
        method=Payment.Method.BANK_TRANSFER,
        reference=(line.bank_reference or line.counterparty_name)[:100],
        notes=_("Bank line %(line)s, %(account)s: %(payer)s %(text)s")
        % {
            "line": line.pk,
            "account": line.account.code,
            "payer": line.counterparty_name,
            "text": line.remittance,
        },
    )
    if paid:
        # Applied on the receipt date where possible, so aging as of that day is right; never
        # before an invoice exists (a prepayment applies on the invoice's issue date).
        latest_issue = max(
            Installment.objects.filter(pk__in=[i for i, _a in paid])
            .values_list("invoice__issue_date", flat=True)
            .order_by("-invoice__issue_date")[:1]
            or [line.booked_on]
        )
        payment_allocate(
            actor=actor,
            payment=payment,
            allocations=paid,
            applied_on=max(line.booked_on, latest_issue),
        )
    charge = None
    for installment_id, amount in charged:
        installment = Installment.objects.select_related("invoice").get(pk=installment_id)
        charge = bank_charge_record(
            actor=actor,
            payment=payment,
            installment=installment,
            amount=amount,
            charged_on=max(line.booked_on, installment.invoice.issue_date),
        )
    line.status = BankLine.Status.APPLIED
    line.customer = customer
    line.payment = payment
    line.bank_charge = charge
    line.applied_automatically = automatically
    line.applied_by = None if automatically else actor
    line.applied_at = timezone.now()
    if suggestion is not None:
        line.confidence = suggestion.confidence
    _attribute(line, actor).save()
    now = timezone.now()
    line.suggestions.filter(status=MatchSuggestion.Status.OPEN).exclude(
        pk=getattr(suggestion, "pk", None)
    ).update(status=MatchSuggestion.Status.REJECTED, decided_by=actor, decided_at=now)
    if suggestion is not None:
        MatchSuggestion.objects.filter(pk=suggestion.pk).update(
            status=MatchSuggestion.Status.ACCEPTED, decided_by=actor, decided_at=now
        )
    if not automatically:
        payer_link_learn(actor=actor, line=line, customer=customer)
    payment.refresh_from_db()
    return payment


@transaction.atomic
def bank_line_accept(*, actor, line: BankLine, suggestion: MatchSuggestion) -> Payment:
    """Apply a line as the engine suggested."""
    if suggestion.line_id != line.pk:
        raise ApplicationError(
            _("This suggestion belongs to another bank line."), field="suggestion"
        )
    line = lock_bank_line(line.pk)
    suggestion = MatchSuggestion.objects.select_related("customer").get(pk=suggestion.pk)
    if suggestion.status != MatchSuggestion.Status.OPEN:
        raise ApplicationError(
            _("This suggestion was already %(status)s.")
            % {"status": suggestion.get_status_display()},
            field="suggestion",
            code="suggestion_decided",
        )
    items = [(item.installment_id, item.amount) for item in suggestion.items.order_by("pk")]
    return bank_line_apply(
        actor=actor,
        line=line,
        customer=suggestion.customer,
        allocations=items,
        fee=suggestion.fee_amount,
        suggestion=suggestion,
    )


@transaction.atomic
def bank_line_reject(*, actor, suggestion: MatchSuggestion) -> BankLine:
    """Turn a suggestion down; the engine never proposes the same one for this line again."""
    line = lock_bank_line(suggestion.line_id)
    _check_open(line)
    suggestion = MatchSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.status != MatchSuggestion.Status.OPEN:
        raise ApplicationError(
            _("This suggestion was already %(status)s.")
            % {"status": suggestion.get_status_display()},
            field="suggestion",
            code="suggestion_decided",
        )
    suggestion.status = MatchSuggestion.Status.REJECTED
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "decided_by", "decided_at"])
    best = line.suggestions.filter(status=MatchSuggestion.Status.OPEN).order_by("rank").first()
    if best is None:
        line.status = BankLine.Status.UNMATCHED
        line.customer = None
        line.confidence = None
    else:
        line.customer_id = best.customer_id
        line.confidence = best.confidence
    _attribute(line, actor).save(update_fields=["status", "customer", "confidence"])
    return line


@transaction.atomic
def bank_line_ignore(*, actor, line: BankLine, reason: str) -> BankLine:
    """Set aside a line that is not a customer's payment (a debit, interest, a supplier's
    refund), saying why."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why the line is ignored."), field="reason")
    line = lock_bank_line(line.pk)
    _check_open(line)
    line.status = BankLine.Status.IGNORED
    line.ignored_reason = reason[:200]
    _attribute(line, actor).save(update_fields=["status", "ignored_reason"])
    line.suggestions.filter(status=MatchSuggestion.Status.OPEN).update(
        status=MatchSuggestion.Status.REJECTED, decided_by=actor, decided_at=timezone.now()
    )
    return line


@transaction.atomic
def bank_line_unignore(*, actor, line: BankLine) -> BankLine:
    line = lock_bank_line(line.pk)
    if line.status != BankLine.Status.IGNORED:
        raise ApplicationError(_("This line is not ignored."), field="line", code="not_ignored")
    line.status = BankLine.Status.UNMATCHED
    line.ignored_reason = ""
    line.customer = None
    line.confidence = None
    _attribute(line, actor).save(
        update_fields=["status", "ignored_reason", "customer", "confidence"]
    )
    _queue_rematch(line)
    return line


@transaction.atomic
def bank_line_undo(*, actor, line: BankLine, reason: str) -> BankLine:
    """Take back an application: the payment (and any bank charge) is reversed today, the
    installments re-open, and the line returns to the queue, never to be applied
    automatically again."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give a reason for undoing the match."), field="reason")
    line = lock_bank_line(line.pk)
    if not line.can_undo():
        raise ApplicationError(
            _("Only an applied line can be undone."), field="line", code="line_not_applied"
        )
    payment = line.payment
    last_applied = max(
        payment.allocations.values_list("applied_on", flat=True).order_by("-applied_on")[:1]
        or [payment.received_on]
    )
    payment_reverse(
        actor=actor,
        payment=payment,
        reversed_on=max(timezone.localdate(), last_applied),
        reason=_("Bank line %(line)s un-applied: %(reason)s") % {"line": line.pk, "reason": reason},
    )
    line.status = BankLine.Status.UNMATCHED
    line.payment = None
    line.bank_charge = None
    line.customer = None
    line.confidence = None
    line.applied_automatically = False
    line.applied_by = None
    line.applied_at = None
    line.auto_apply_blocked = True
    _attribute(line, actor).save()
    line.suggestions.filter(status=MatchSuggestion.Status.ACCEPTED).update(
        status=MatchSuggestion.Status.REJECTED, decided_by=actor, decided_at=timezone.now()
    )
    _queue_rematch(line)
    return line


def _queue_rematch(line: BankLine) -> None:
    from reconciliation.tasks import match_bank_lines

    line_id = line.pk
    transaction.on_commit(lambda: match_bank_lines.delay([line_id]))


def bank_lines_rematch(*, actor) -> None:
    """Ask the engine to look at every line still unmatched or suggested again, now (new
    invoices, payers learned since): queued for the worker, as a run can take a while."""
    # The task module imports the matching service, which imports this one.
    from reconciliation.tasks import match_open_lines

    if actor is not None and not has_capability(actor, Capability.RECONCILE):
        raise PermissionDeniedError(_("You may not run the matching engine."), field="line")
    transaction.on_commit(match_open_lines.delay)


@dataclass
class BulkAcceptResult:
    accepted: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)


def bank_lines_accept_bulk(*, actor, line_ids, min_confidence: int) -> BulkAcceptResult:
    """Accept the best suggestion of each suggested line whose best reaches `min_confidence`
    and is not tied with another. Each line is its own transaction: one that fails (someone
    paid the invoice meanwhile) is reported and the rest go through."""
    result = BulkAcceptResult()
    lines = BankLine.objects.filter(pk__in=list(line_ids)).order_by("pk")
    for line in lines:
        if line.status != BankLine.Status.SUGGESTED:
            result.skipped.append((line.pk, _("not a suggestion")))
            continue
        open_suggestions = list(
            line.suggestions.filter(status=MatchSuggestion.Status.OPEN).order_by(
                "-confidence", "rank"
            )[:2]
        )
        if not open_suggestions or open_suggestions[0].confidence < min_confidence:
            result.skipped.append((line.pk, _("confidence below the threshold")))
            continue
        if len(open_suggestions) > 1 and (
            open_suggestions[1].confidence == open_suggestions[0].confidence
        ):
            result.skipped.append((line.pk, _("two suggestions are equally likely")))
            continue
        try:
            bank_line_accept(actor=actor, line=line, suggestion=open_suggestions[0])
        except ApplicationError as error:
            result.skipped.append((line.pk, str(error)))
        else:
            result.accepted += 1
    return result


def payer_link_learn(*, actor, line: BankLine, customer: Customer) -> PayerLink | None:
    """Remember who paid for whom, so the next payment from this account or name is
    recognised even when the payer is not the customer (代付)."""
    account = account_key(line.counterparty_account)
    key = name_key(line.counterparty_name)
    if not account and not key:
        return None
    natural_key = {"customer": customer, "account_number": account, "name_key": key}
    link = PayerLink.objects.select_for_update().filter(**natural_key).first()
    if link is None:
        try:
            # Another user may be confirming the same payer on another line right now.
            with transaction.atomic():
                link = _attribute(
                    PayerLink(
                        **natural_key, payer_name=line.counterparty_name[:200], created_by=actor
                    ),
                    actor,
                )
                link.save()
            return link
        except IntegrityError:
            link = PayerLink.objects.select_for_update().get(**natural_key)
    link.times_confirmed += 1
    _attribute(link, actor).save(update_fields=["times_confirmed", "last_confirmed_at"])
    return link
