"""Every write to the receivables ledger.

Invariants kept here (and backed by database constraints):
- an installment's open amount = amount - its allocations (payments, credit notes, write-offs,
  bank charges), and never below zero;
- a payment's unapplied amount = amount - live allocations - refunds, and never below zero;
- posted documents (issued invoices, payments, credit notes, allocations) are never edited;
  corrections are new documents (credit notes, reversing allocations, payment reversals).
Writers lock payments, then installments, in primary-key order (see locks.py).
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Capability, has_capability
from core.exceptions import ApplicationError, PermissionDeniedError
from core.money import CURRENCY_MINOR_UNITS, ZERO, quantize, split_by_percentages
from customers.models import Customer
from customers.selectors import customers_visible_to
from receivables import selectors
from receivables.locks import (
    lock_credit_override,
    lock_customer,
    lock_document_sequence,
    lock_installments,
    lock_invoice,
    lock_payment,
    lock_write_off,
)
from receivables.models import (
    INSTRUMENT_METHOD_VALUES,
    Allocation,
    BankCharge,
    Contract,
    CreditNote,
    CreditOverride,
    Dispute,
    DocumentSequence,
    ExchangeRate,
    Installment,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentTerms,
    PaymentTermsInstallment,
    Refund,
    WriteOff,
)
from receivables.selectors import oldest_due_first_plan

INVOICE_PREFIX = "INV"
PAYMENT_PREFIX = "RCV"
CREDIT_NOTE_PREFIX = "CN"


# --- helpers -----------------------------------------------------------------------------------


def _check_currency(currency: str, *, field: str = "currency") -> None:
    if currency not in CURRENCY_MINOR_UNITS:
        raise ApplicationError(_("Unknown currency: %s") % currency, field=field)


def _check_amount(amount, currency: str, *, field: str = "amount", allow_zero=False) -> Decimal:
    """A positive amount with no more decimals than the currency's minor unit allows."""
    amount = Decimal(amount)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ApplicationError(_("The amount must be positive."), field=field, code="not_positive")
    if quantize(amount, currency) != amount:
        raise ApplicationError(
            _("%(currency)s amounts have at most %(places)d decimal places.")
            % {"currency": currency, "places": CURRENCY_MINOR_UNITS[currency]},
            field=field,
            code="too_precise",
        )
    return quantize(amount, currency)


def _check_customer_can_trade(customer: Customer) -> None:
    if customer.is_archived:
        raise ApplicationError(
            _("Customer %(code)s is archived.") % {"code": customer.code},
            field="customer",
            code="customer_archived",
        )


def _attribute(instance, actor):
    instance._history_user = actor
    return instance


def next_document_number(*, prefix: str, year: int) -> str:
    """Take the next number in a gap-free sequence. Must run inside the transaction that saves
    the document: the sequence row stays locked until it commits, and a rollback returns the
    number."""
    try:
        with transaction.atomic():
            DocumentSequence.objects.get_or_create(prefix=prefix, year=year)
    except IntegrityError:
        pass  # another transaction created the row first; lock it below
    sequence = lock_document_sequence(prefix=prefix, year=year)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return f"{prefix}-{year}-{sequence.last_value:06d}"


# --- payment terms -----------------------------------------------------------------------------


def _check_schedule(schedule: list[dict]) -> None:
    if not schedule:
        return
    if any(not (0 < Decimal(line["percent"]) <= 100) for line in schedule):
        raise ApplicationError(
            _("Each installment's percent must be more than 0 and at most 100."), field="schedule"
        )
    total = sum((Decimal(line["percent"]) for line in schedule), Decimal(0))
    if total != Decimal(100):
        raise ApplicationError(
            _("Installment percentages must add up to 100, not %(total)s.") % {"total": total},
            field="schedule",
            code="schedule_not_100",
        )
    days = [int(line["days"]) for line in schedule]
    if days != sorted(days):
        raise ApplicationError(
            _("Installments must be listed in order of their due days."), field="schedule"
        )


def _check_terms(terms: PaymentTerms) -> None:
    # The database constraints say the same, but without naming the field at fault.
    if not (0 <= terms.discount_percent < 100):
        raise ApplicationError(
            _("The discount must be between 0 and 100%."), field="discount_percent"
        )
    if terms.late_interest_daily_rate < 0:
        raise ApplicationError(
            _("Late interest cannot be negative."), field="late_interest_daily_rate"
        )


@transaction.atomic
def payment_terms_create(*, actor, schedule: list[dict] | None = None, **fields) -> PaymentTerms:
    """Create payment terms, optionally with an installment schedule adding up to 100%."""
    schedule = schedule or []
    _check_schedule(schedule)
    terms = PaymentTerms(**fields)
    _check_terms(terms)
    terms.full_clean()
    _attribute(terms, actor).save()
    _replace_schedule(terms, schedule, actor)
    return terms


@transaction.atomic
def payment_terms_update(
    *, actor, terms: PaymentTerms, schedule: list[dict] | None = None, **fields
) -> PaymentTerms:
    """Change payment terms. Invoices already issued keep the due dates they were issued with."""
    terms = PaymentTerms.objects.select_for_update().get(pk=terms.pk)
    for name, value in fields.items():
        setattr(terms, name, value)
    _check_terms(terms)
    terms.full_clean()
    _attribute(terms, actor).save()
    if schedule is not None:
        _check_schedule(schedule)
        _replace_schedule(terms, schedule, actor)
    return terms


def _replace_schedule(terms, schedule, actor):
    for line in terms.schedule.all():
        _attribute(line, actor).delete()
    for sequence, line in enumerate(schedule, start=1):
        _attribute(
            PaymentTermsInstallment(
                terms=terms, sequence=sequence, percent=line["percent"], days=line["days"]
            ),
            actor,
        ).save()


@dataclass(frozen=True)
class ScheduledInstallment:
    due_date: date
    discount_date: date | None
    amount: Decimal


def installment_schedule(
    *, terms: PaymentTerms, issue_date: date, total: Decimal, currency: str
) -> list[ScheduledInstallment]:
    """Due dates and amounts for an invoice under `terms`; the parts add up to `total` exactly."""
    if terms.basis == PaymentTerms.Basis.END_OF_MONTH:
        last_day = calendar.monthrange(issue_date.year, issue_date.month)[1]
        basis_date = issue_date.replace(day=last_day)
    else:
        basis_date = issue_date
    discount_date = (
        issue_date + timedelta(days=terms.discount_days) if terms.discount_percent > 0 else None
    )
    lines = list(terms.schedule.all())
    if not lines:
        return [
            ScheduledInstallment(basis_date + timedelta(days=terms.net_days), discount_date, total)
        ]
    amounts = split_by_percentages(total, [line.percent for line in lines], currency)
    # A tiny total can round some parts to zero; those installments are simply left out.
    return [
        ScheduledInstallment(basis_date + timedelta(days=line.days), discount_date, amount)
        for line, amount in zip(lines, amounts, strict=True)
        if amount > 0
    ]


# --- contracts ---------------------------------------------------------------------------------

# What a signed copy may be (the contract form's file picker offers the same extensions).
SIGNED_FILE_EXTENSIONS = ["pdf", "png", "jpg", "jpeg"]
SIGNED_FILE_MAX_BYTES = 20 * 1024 * 1024


def _check_signed_file(signed_file) -> None:
    """A new signed copy is a PDF or an image of at most SIGNED_FILE_MAX_BYTES."""
    try:
        FileExtensionValidator(SIGNED_FILE_EXTENSIONS)(signed_file)
    except ValidationError as error:
        raise ApplicationError(error.messages[0], field="signed_file") from None
    if signed_file.size > SIGNED_FILE_MAX_BYTES:
        raise ApplicationError(_("The file is larger than 20 MB."), field="signed_file")


def _check_contract_dates(contract: Contract) -> None:
    # The database constraint says the same, but without naming the field at fault.
    if contract.starts_on and contract.ends_on and contract.ends_on < contract.starts_on:
        raise ApplicationError(_("A contract cannot end before it starts."), field="ends_on")


@transaction.atomic
def contract_create(*, actor, customer: Customer, **fields) -> Contract:
    """Record a signed contract with a customer."""
    _check_customer_can_trade(customer)
    fields.setdefault("currency", customer.currency)
    _check_currency(fields["currency"])
    if fields.get("signed_file"):
        _check_signed_file(fields["signed_file"])
    contract = Contract(customer=customer, **fields)
    _check_amount(contract.amount, contract.currency, allow_zero=True)
    _check_contract_dates(contract)
    contract.full_clean()
    # A contract is refused for the reasons an invoice is (the customer blocked or on hold,
    # items long overdue, or its amount beyond the headroom), with no per-contract override:
    # the way past is a higher credit limit (docs/credit_control.md).
    refusals = selectors.credit_refusals(
        customer=lock_customer(customer.pk),
        amount=contract.amount,
        currency=contract.currency,
        on_date=contract.signed_on,
    )
    if refusals:
        raise _credit_refused(refusals)
    _attribute(contract, actor).save()
    return contract


@transaction.atomic
def contract_update(*, actor, contract: Contract, **fields) -> Contract:
    """Change a contract's details (its invoices are unaffected)."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if "customer" in fields and fields["customer"].pk != contract.customer_id:
        if contract.invoices.exists():
            raise ApplicationError(
                _("A contract with invoices cannot move to another customer."), field="customer"
            )
    if fields.get("signed_file"):
        _check_signed_file(fields["signed_file"])
    for name, value in fields.items():
        setattr(contract, name, value)
    _check_currency(contract.currency)
    _check_amount(contract.amount, contract.currency, allow_zero=True)
    _check_contract_dates(contract)
    contract.full_clean()
    _attribute(contract, actor).save()
    return contract


# --- invoices ----------------------------------------------------------------------------------


def _build_lines(lines: list[dict], currency: str) -> list[InvoiceLine]:
    if not lines:
        raise ApplicationError(_("An invoice needs at least one line."), field="lines")
    built = []
    for position, line in enumerate(lines, start=1):
        quantity = Decimal(line["quantity"])
        unit_price = Decimal(line["unit_price"])
        tax_rate = Decimal(line.get("tax_rate") or 0)
        where = _("line %(n)d") % {"n": position}
        if not str(line.get("description", "")).strip():
            raise ApplicationError(_("%s: a description is required.") % where, field="lines")
        if quantity <= 0:
            raise ApplicationError(_("%s: quantity must be positive.") % where, field="lines")
        if unit_price < 0:
            raise ApplicationError(_("%s: unit price cannot be negative.") % where, field="lines")
        if not (0 <= tax_rate < 1):
            raise ApplicationError(
                _("%s: tax rate is a fraction between 0 and 1 (0.13 for 13%%).") % where,
                field="lines",
            )
        amount = quantize(quantity * unit_price, currency)
        built.append(
            InvoiceLine(
                position=position,
                description=line["description"].strip(),
                quantity=quantity,
                unit_price=unit_price,
                tax_rate=tax_rate,
                amount=amount,
                tax_amount=quantize(amount * tax_rate, currency),
            )
        )
    return built


def _line_totals(built: list[InvoiceLine]) -> tuple[Decimal, Decimal, Decimal]:
    """Subtotal, tax and total of built lines: sums of the per-line rounded amounts."""
    subtotal = sum((line.amount for line in built), ZERO)
    tax_total = sum((line.tax_amount for line in built), ZERO)
    return subtotal, tax_total, subtotal + tax_total


def _set_lines(invoice: Invoice, lines: list[dict], actor) -> None:
    built = _build_lines(lines, invoice.currency)
    for old in invoice.lines.all():
        _attribute(old, actor).delete()
    for line in built:
        line.invoice = invoice
        _attribute(line, actor).save()
    invoice.subtotal, invoice.tax_total, invoice.total = _line_totals(built)


def _check_invoice_header(invoice: Invoice) -> None:
    _check_customer_can_trade(invoice.customer)
    _check_currency(invoice.currency)
    if invoice.payment_terms_id is None:
        raise ApplicationError(
            _("Choose payment terms (the customer has no default)."), field="payment_terms"
        )
    if invoice.contract_id:
        if invoice.contract.customer_id != invoice.customer_id:
            raise ApplicationError(_("The contract belongs to another customer."), field="contract")
        if invoice.contract.currency != invoice.currency:
            raise ApplicationError(
                _("The contract is in %(currency)s.") % {"currency": invoice.contract.currency},
                field="currency",
            )


@transaction.atomic
def invoice_create_draft(
    *,
    actor,
    customer: Customer,
    issue_date: date,
    lines: list[dict],
    payment_terms: PaymentTerms | None = None,
    contract: Contract | None = None,
    currency: str | None = None,
    fapiao_number: str = "",
    notes: str = "",
) -> Invoice:
    """Create a draft invoice with its lines; totals are computed from the lines in Decimal."""
    payment_terms, currency = invoice_header_defaults(
        customer=customer, contract=contract, payment_terms=payment_terms, currency=currency
    )
    invoice = Invoice(
        customer=customer,
        issue_date=issue_date,
        payment_terms=payment_terms,
        contract=contract,
        currency=currency,
        fapiao_number=fapiao_number,
        notes=notes,
        created_by=actor,
    )
    _check_invoice_header(invoice)
    _attribute(invoice, actor).save()
    _set_lines(invoice, lines, actor)
    invoice.save(update_fields=["subtotal", "tax_total", "total"])
    return invoice


@transaction.atomic
def invoice_update_draft(*, actor, invoice: Invoice, lines: list[dict] | None = None, **fields):
    """Change a draft. Issued invoices are immutable: correct them with a credit note."""
    invoice = lock_invoice(invoice.pk)
    if not invoice.can_edit():
        raise ApplicationError(
            _("Invoice %(number)s is issued and cannot change; issue a credit note instead.")
            % {"number": invoice.number},
            field="status",
            code="invoice_posted",
        )
    allowed = {
        "customer",
        "issue_date",
        "payment_terms",
        "contract",
        "currency",
        "fapiao_number",
        "notes",
    }
    for name, value in fields.items():
        if name not in allowed:
            raise ApplicationError(_("This field cannot be changed."), field=name)
        setattr(invoice, name, value)
    _check_invoice_header(invoice)
    if lines is not None:
        _set_lines(invoice, lines, actor)
    _attribute(invoice, actor).save()
    return invoice


@transaction.atomic
def invoice_issue(*, actor, invoice: Invoice) -> Invoice:
    """Post a draft: give it the next gap-free number and create its installments from the terms."""
    invoice = lock_invoice(invoice.pk)
    if invoice.status != Invoice.Status.DRAFT:
        raise ApplicationError(
            _("Only a draft can be issued; this invoice is %(status)s.")
            % {"status": invoice.get_status_display()},
            field="status",
            code="not_draft",
        )
    _check_invoice_header(invoice)
    if invoice.total <= 0:
        raise ApplicationError(_("An invoice must total more than zero."), field="lines")
    invoice.credit_override = _pass_credit_control(invoice, actor)
    invoice.number = next_document_number(prefix=INVOICE_PREFIX, year=invoice.issue_date.year)
    invoice.status = Invoice.Status.ISSUED
    invoice.issued_by = actor
    invoice.issued_at = timezone.now()
    _attribute(invoice, actor).save(
        update_fields=["number", "status", "issued_by", "issued_at", "credit_override"]
    )
    schedule = installment_schedule(
        terms=invoice.payment_terms,
        issue_date=invoice.issue_date,
        total=invoice.total,
        currency=invoice.currency,
    )
    _create_installments(invoice, schedule, actor)
    return invoice


def _create_installments(invoice: Invoice, schedule, actor) -> None:
    """An issued invoice's installments, all open, from its schedule."""
    for sequence, part in enumerate(schedule, start=1):
        _attribute(
            Installment(
                invoice=invoice,
                customer_id=invoice.customer_id,
                currency=invoice.currency,
                sequence=sequence,
                due_date=part.due_date,
                discount_date=part.discount_date,
                amount=part.amount,
                open_amount=part.amount,
            ),
            actor,
        ).save()


@transaction.atomic
def invoice_cancel_draft(*, actor, invoice: Invoice) -> Invoice:
    """Void a draft that will never be issued (it never had a number, so no gap appears)."""
    invoice = lock_invoice(invoice.pk)
    if invoice.status != Invoice.Status.DRAFT:
        raise ApplicationError(
            _("Only a draft can be cancelled; reduce an issued invoice with a credit note."),
            field="status",
            code="not_draft",
        )
    invoice.status = Invoice.Status.CANCELLED
    _attribute(invoice, actor).save(update_fields=["status"])
    return invoice


@transaction.atomic
def invoice_update_delivery(
    *,
    actor,
    invoice: Invoice,
    fapiao_number: str | None = None,
    sent_on: date | None = None,
    receipt_confirmed_on: date | None = None,
) -> Invoice:
    """Record delivery facts that arrive after issue (fapiao number, sent, receipt confirmed);
    they change no amount, so they are allowed on posted invoices and audited like the rest."""
    invoice = lock_invoice(invoice.pk)
    update_fields = []
    for name, value in (
        ("fapiao_number", fapiao_number),
        ("sent_on", sent_on),
        ("receipt_confirmed_on", receipt_confirmed_on),
    ):
        if value is not None:
            setattr(invoice, name, value)
            update_fields.append(name)
    if invoice.sent_on and invoice.sent_on < invoice.issue_date:
        raise ApplicationError(
            _("An invoice cannot be sent before its issue date."), field="sent_on"
        )
    if invoice.receipt_confirmed_on and invoice.receipt_confirmed_on < invoice.issue_date:
        raise ApplicationError(
            _("Receipt cannot be confirmed before the issue date."), field="receipt_confirmed_on"
        )
    if update_fields:
        _attribute(invoice, actor).save(update_fields=update_fields)
    return invoice


@transaction.atomic
def invoice_set_disputed(*, actor, invoice: Invoice, disputed: bool) -> Invoice:
    """Flag or clear a customer dispute on a posted invoice (collections pause on disputes)."""
    invoice = lock_invoice(invoice.pk)
    if not invoice.is_posted:
        raise ApplicationError(_("Only an issued invoice can be disputed."), field="is_disputed")
    invoice.is_disputed = disputed
    _attribute(invoice, actor).save(update_fields=["is_disputed"])
    return invoice


def _refresh_invoice_statuses(invoice_ids, actor) -> None:
    """Derive each posted invoice's status from its open amount and what settled it."""
    for invoice in (
        Invoice.objects.select_for_update().filter(pk__in=set(invoice_ids)).order_by("pk")
    ):
        open_total = invoice.installments.aggregate(total=Sum("open_amount"))["total"] or ZERO
        settled_by = dict(
            Allocation.objects.filter(installment__invoice=invoice)
            .values_list("kind")
            .annotate(total=Sum("amount"))
            .order_by()
        )
        status = Invoice.status_from_ledger(
            total=invoice.total,
            open_total=open_total,
            # What the bank kept of a payment was paid by the customer all the same.
            paid=settled_by.get(Allocation.Kind.PAYMENT, ZERO)
            + settled_by.get(Allocation.Kind.BANK_CHARGE, ZERO),
            written_off=settled_by.get(Allocation.Kind.WRITE_OFF, ZERO),
        )
        if invoice.status != status:
            invoice.status = status
            _attribute(invoice, actor).save(update_fields=["status"])


# --- allocations -------------------------------------------------------------------------------


def _settle(installment: Installment, amount: Decimal, on_date: date, actor) -> None:
    """Reduce (or, for a negative amount, re-open) an installment's open amount."""
    installment.open_amount -= amount
    if installment.open_amount < 0:
        raise ApplicationError(
            _("Installment %(ref)s has only %(open)s open.")
            % {"ref": installment, "open": installment.open_amount + amount},
            field="amount",
            code="exceeds_open_amount",
        )
    installment.settled_on = on_date if installment.open_amount == 0 else None
    _attribute(installment, actor).save(update_fields=["open_amount", "settled_on"])


def _check_payable_by(payment: Payment, installment, installment_id, *, field: str) -> None:
    """Money from `payment` may reach the installment: the same customer's, in its currency."""
    if installment is None or installment.customer_id != payment.customer_id:
        raise ApplicationError(
            _("Installment %(id)s is not an open item of this customer.") % {"id": installment_id},
            field=field,
            code="foreign_installment",
            row=installment_id,
        )
    if installment.currency != payment.currency:
        raise ApplicationError(
            _("Installment %(ref)s is in %(currency)s, the payment in %(paid)s.")
            % {"ref": installment, "currency": installment.currency, "paid": payment.currency},
            field=field,
            code="currency_mismatch",
            row=installment.pk,
        )


def _refresh_payment_status(payment: Payment, actor) -> None:
    payment.status = Payment.status_from_balance(
        amount=payment.amount,
        unapplied_amount=payment.unapplied_amount,
        is_reversed=payment.status == Payment.Status.REVERSED,
    )
    _attribute(payment, actor).save(update_fields=["unapplied_amount", "status"])


def _check_instrument(
    *,
    method: str,
    received_on: date,
    instrument_number: str,
    instrument_acceptor: str,
    instrument_matures_on: date | None,
) -> None:
    """Bills and e-vouchers carry their number and maturity; other receipts carry neither (the
    payment_instrument_details constraint backs it)."""
    if method not in Payment.Method.values:
        raise ApplicationError(_("Unknown payment method."), field="method")
    if method in INSTRUMENT_METHOD_VALUES:
        if not instrument_number:
            raise ApplicationError(_("Give the bill or voucher number."), field="instrument_number")
        if instrument_matures_on is None:
            raise ApplicationError(
                _("Give the date the bill or voucher matures."), field="instrument_matures_on"
            )
        if instrument_matures_on < received_on:
            raise ApplicationError(
                _("A bill cannot mature before it was received."), field="instrument_matures_on"
            )
    elif instrument_number or instrument_acceptor or instrument_matures_on:
        raise ApplicationError(
            _("Only bills and e-vouchers have a number, acceptor and maturity date."),
            field="instrument_number",
        )


@transaction.atomic
def payment_record(
    *,
    actor,
    customer: Customer,
    received_on: date,
    amount: Decimal,
    currency: str | None = None,
    method: str = Payment.Method.BANK_TRANSFER,
    reference: str = "",
    notes: str = "",
    instrument_number: str = "",
    instrument_acceptor: str = "",
    instrument_matures_on: date | None = None,
) -> Payment:
    """Record money received from a customer; it stays unapplied credit until allocated.

    Bills (承兑汇票) and receivable e-vouchers are receipts too: they carry their number, the
    acceptor and the maturity date, and are applied like any payment."""
    _check_customer_can_trade(customer)
    currency = currency or customer.currency
    _check_currency(currency)
    amount = _check_amount(amount, currency)
    instrument_number = instrument_number.strip()
    instrument_acceptor = instrument_acceptor.strip()
    _check_instrument(
        method=method,
        received_on=received_on,
        instrument_number=instrument_number,
        instrument_acceptor=instrument_acceptor,
        instrument_matures_on=instrument_matures_on,
    )
    payment = Payment(
        number=next_document_number(prefix=PAYMENT_PREFIX, year=received_on.year),
        customer=customer,
        received_on=received_on,
        amount=amount,
        currency=currency,
        method=method,
        reference=reference,
        notes=notes,
        instrument_number=instrument_number,
        instrument_acceptor=instrument_acceptor,
        instrument_matures_on=instrument_matures_on,
        unapplied_amount=amount,
        created_by=actor,
    )
    _attribute(payment, actor).save()
    return payment


@transaction.atomic
def payment_allocate(
    *,
    actor,
    payment: Payment,
    allocations: list[tuple[int, Decimal]],
    applied_on: date | None = None,
) -> list[Allocation]:
    """Apply a payment to installments (installment id, amount). Never more than the payment's
    unapplied amount in total, never more than an installment's open amount."""
    if not allocations:
        raise ApplicationError(_("Name at least one installment."), field="allocations")
    payment = lock_payment(payment.pk)
    if payment.status == Payment.Status.REVERSED:
        raise ApplicationError(_("A reversed payment cannot be applied."), field="payment")
    applied_on = applied_on or timezone.localdate()
    if applied_on < payment.received_on:
        raise ApplicationError(
            _("A payment cannot be applied before it was received."), field="applied_on"
        )
    ids = [int(installment_id) for installment_id, _amount in allocations]
    if len(set(ids)) != len(ids):
        raise ApplicationError(_("Each installment may appear only once."), field="allocations")
    installments = lock_installments(ids)
    requested = ZERO
    created = []
    for installment_id, amount in allocations:
        installment = installments.get(int(installment_id))
        _check_payable_by(payment, installment, installment_id, field="allocations")
        amount = _check_amount(amount, payment.currency, field="allocations")
        if amount > installment.open_amount:
            raise ApplicationError(
                _("Installment %(ref)s has only %(open)s open; cannot apply %(amount)s.")
                % {"ref": installment, "open": installment.open_amount, "amount": amount},
                field="allocations",
                code="exceeds_open_amount",
                row=installment.pk,
            )
        if applied_on < installment.invoice.issue_date:
            raise ApplicationError(
                _("Cannot apply to invoice %(number)s before its issue date.")
                % {"number": installment.invoice.number},
                field="applied_on",
            )
        requested += amount
        if requested > payment.unapplied_amount:
            raise ApplicationError(
                _("The payment has only %(unapplied)s unapplied.")
                % {"unapplied": payment.unapplied_amount},
                field="allocations",
                code="exceeds_payment",
            )
        _settle(installment, amount, applied_on, actor)
        allocation = Allocation(
            installment=installment,
            customer_id=payment.customer_id,
            kind=Allocation.Kind.PAYMENT,
            payment=payment,
            amount=amount,
            applied_on=applied_on,
            created_by=actor,
        )
        _attribute(allocation, actor).save()
        created.append(allocation)
    payment.unapplied_amount -= requested
    _refresh_payment_status(payment, actor)
    _refresh_invoice_statuses({i.invoice_id for i in installments.values()}, actor)
    return created


@transaction.atomic
def payment_allocate_auto(
    *, actor, payment: Payment, applied_on: date | None = None
) -> list[Allocation]:
    """Apply a payment to the customer's open installments, oldest due date first, skipping
    disputed invoices, until the payment or the open items run out."""
    payment = lock_payment(payment.pk)
    remaining = payment.unapplied_amount
    if remaining <= 0 or payment.status == Payment.Status.REVERSED:
        return []
    applied_on = applied_on or timezone.localdate()
    # Lock the candidates before planning: a concurrent writer may be paying them right now,
    # and the plan must use the amounts left once it commits.
    candidate_ids = Installment.objects.filter(
        customer_id=payment.customer_id,
        currency=payment.currency,
        open_amount__gt=0,
        invoice__is_disputed=False,
        invoice__issue_date__lte=applied_on,
    ).values_list("pk", flat=True)
    locked = lock_installments(candidate_ids)
    # Read back with the invoices, now that the rows are locked: the plan is the allocation
    # screen's proposal, so both follow the one rule in selectors.oldest_due_first_plan.
    candidates = Installment.objects.filter(pk__in=list(locked), open_amount__gt=0).select_related(
        "invoice"
    )
    plan = oldest_due_first_plan(
        installments=candidates.order_by("due_date", "pk"), amount=remaining, applied_on=applied_on
    )
    if not plan:
        return []
    plan = list(plan.items())
    return payment_allocate(actor=actor, payment=payment, allocations=plan, applied_on=applied_on)


@transaction.atomic
def allocation_reverse(
    *, actor, allocation: Allocation, reversed_on: date | None = None
) -> Allocation:
    """Undo a payment allocation: the money goes back to the payment's unapplied credit and the
    installment re-opens. The original row stays; a negative row records the undoing."""
    if allocation.kind != Allocation.Kind.PAYMENT:
        raise ApplicationError(
            _("Only payment allocations can be undone; credit notes and write-offs are final."),
            field="allocation",
        )
    if allocation.is_reversal:
        raise ApplicationError(_("This row is itself a reversal."), field="allocation")
    payment = lock_payment(allocation.payment_id)
    installment = lock_installments([allocation.installment_id])[allocation.installment_id]
    if Allocation.objects.filter(reverses=allocation).exists():
        raise ApplicationError(_("This allocation was already undone."), field="allocation")
    reversed_on = reversed_on or timezone.localdate()
    if reversed_on < allocation.applied_on:
        raise ApplicationError(
            _("An allocation cannot be undone before it was made."), field="reversed_on"
        )
    reversal = Allocation(
        installment=installment,
        customer_id=allocation.customer_id,
        kind=Allocation.Kind.PAYMENT,
        payment=payment,
        amount=-allocation.amount,
        applied_on=reversed_on,
        reverses=allocation,
        created_by=actor,
    )
    _attribute(reversal, actor).save()
    _settle(installment, -allocation.amount, reversed_on, actor)
    if payment.status != Payment.Status.REVERSED:
        payment.unapplied_amount += allocation.amount
        _refresh_payment_status(payment, actor)
    _refresh_invoice_statuses([installment.invoice_id], actor)
    return reversal


@transaction.atomic
def payment_reverse(*, actor, payment: Payment, reversed_on: date, reason: str) -> Payment:
    """Reverse a bounced or mistaken payment: every live allocation is undone (re-opening what
    it paid) and the payment no longer counts as credit."""
    payment = lock_payment(payment.pk)
    if not payment.can_reverse():
        raise ApplicationError(_("This payment is already reversed."), field="payment")
    if not reason.strip():
        raise ApplicationError(_("Give a reason for the reversal."), field="reason")
    if reversed_on < payment.received_on:
        raise ApplicationError(
            _("A payment cannot be reversed before it was received."), field="reversed_on"
        )
    if payment.refunds.exists():
        raise ApplicationError(
            _("Part of this payment was refunded; it cannot be reversed."),
            field="payment",
            code="payment_refunded",
        )
    live = list(
        payment.allocations.filter(reverses__isnull=True, reversed_by__isnull=True).order_by("pk")
    )
    if any(a.applied_on > reversed_on for a in live):
        raise ApplicationError(
            _(
                "The payment was applied after this date; "
                "reverse it on or after the last application."
            ),
            field="reversed_on",
        )
    for allocation in live:
        allocation_reverse(actor=actor, allocation=allocation, reversed_on=reversed_on)
    # The bank kept part of money that, it turns out, was never (or not so) received.
    for charge in payment.bank_charges.filter(reversed_on__isnull=True).order_by("pk"):
        bank_charge_reverse(actor=actor, charge=charge, reversed_on=reversed_on)
    payment.refresh_from_db()
    payment.status = Payment.Status.REVERSED
    payment.unapplied_amount = ZERO
    payment.reversed_on = reversed_on
    payment.reversal_reason = reason.strip()
    _attribute(payment, actor).save(
        update_fields=["status", "unapplied_amount", "reversed_on", "reversal_reason"]
    )
    return payment


@transaction.atomic
def payment_refund(
    *, actor, payment: Payment, amount: Decimal, refunded_on: date, reference: str = ""
) -> Refund:
    """Pay unapplied credit back to the customer."""
    payment = lock_payment(payment.pk)
    if payment.status == Payment.Status.REVERSED:
        raise ApplicationError(_("A reversed payment cannot be refunded."), field="payment")
    amount = _check_amount(amount, payment.currency)
    if amount > payment.unapplied_amount:
        raise ApplicationError(
            _("Only %(unapplied)s of this payment is unapplied.")
            % {"unapplied": payment.unapplied_amount},
            field="amount",
            code="exceeds_payment",
        )
    if refunded_on < payment.received_on:
        raise ApplicationError(_("A refund cannot precede the payment."), field="refunded_on")
    refund = Refund(
        payment=payment,
        customer_id=payment.customer_id,
        amount=amount,
        currency=payment.currency,
        refunded_on=refunded_on,
        reference=reference,
        created_by=actor,
    )
    _attribute(refund, actor).save()
    payment.unapplied_amount -= amount
    _refresh_payment_status(payment, actor)
    return refund


# --- bank charges ------------------------------------------------------------------------------


@transaction.atomic
def bank_charge_record(
    *, actor, payment: Payment, installment: Installment, amount: Decimal, charged_on: date
) -> BankCharge:
    """Settle what a short payment left open on an installment because a bank kept part of it
    (手续费). How much counts as a bank charge rather than a real short-pay is the caller's
    policy (reconciliation's tolerance); here: never more than is open, same customer and
    currency as the payment."""
    payment = lock_payment(payment.pk)
    installment = lock_installments([installment.pk])[installment.pk]
    if payment.status == Payment.Status.REVERSED:
        raise ApplicationError(_("A reversed payment cannot carry bank charges."), field="payment")
    _check_payable_by(payment, installment, installment.pk, field="installment")
    amount = _check_amount(amount, payment.currency)
    if charged_on < payment.received_on:
        raise ApplicationError(
            _("Bank charges cannot precede the payment they were deducted from."),
            field="charged_on",
        )
    if charged_on < installment.invoice.issue_date:
        raise ApplicationError(
            _("Cannot settle invoice %(number)s before its issue date.")
            % {"number": installment.invoice.number},
            field="charged_on",
        )
    charge = BankCharge(
        installment=installment,
        customer_id=payment.customer_id,
        payment=payment,
        amount=amount,
        currency=payment.currency,
        charged_on=charged_on,
        created_by=actor,
    )
    _attribute(charge, actor).save()
    _settle(installment, amount, charged_on, actor)
    allocation = Allocation(
        installment=installment,
        customer_id=payment.customer_id,
        kind=Allocation.Kind.BANK_CHARGE,
        bank_charge=charge,
        amount=amount,
        applied_on=charged_on,
        created_by=actor,
    )
    _attribute(allocation, actor).save()
    _refresh_invoice_statuses([installment.invoice_id], actor)
    return charge


@transaction.atomic
def bank_charge_reverse(*, actor, charge: BankCharge, reversed_on: date) -> BankCharge:
    """Undo a bank charge (its payment was undone or mis-applied): the installment re-opens by
    the charge, recorded as a reversing allocation dated `reversed_on`."""
    charge = BankCharge.objects.select_for_update().get(pk=charge.pk)
    if charge.reversed_on is not None:
        raise ApplicationError(_("This bank charge was already reversed."), field="charge")
    if reversed_on < charge.charged_on:
        raise ApplicationError(
            _("A bank charge cannot be reversed before it was booked."), field="reversed_on"
        )
    installment = lock_installments([charge.installment_id])[charge.installment_id]
    original = Allocation.objects.get(bank_charge=charge, reverses__isnull=True)
    reversal = Allocation(
        installment=installment,
        customer_id=charge.customer_id,
        kind=Allocation.Kind.BANK_CHARGE,
        bank_charge=charge,
        amount=-charge.amount,
        applied_on=reversed_on,
        reverses=original,
        created_by=actor,
    )
    _attribute(reversal, actor).save()
    _settle(installment, -charge.amount, reversed_on, actor)
    charge.reversed_on = reversed_on
    _attribute(charge, actor).save(update_fields=["reversed_on"])
    _refresh_invoice_statuses([installment.invoice_id], actor)
    return charge


# --- credit notes ------------------------------------------------------------------------------


@transaction.atomic
def credit_note_issue(
    *, actor, invoice: Invoice, amount: Decimal, reason: str, issue_date: date
) -> CreditNote:
    """Reduce an issued invoice by `amount` (at most what is still open on it). The credit
    reaches the latest-due installments first, so what falls due soonest is unchanged."""
    invoice = lock_invoice(invoice.pk)
    if not invoice.is_posted or invoice.status == Invoice.Status.DRAFT:
        raise ApplicationError(_("Only an issued invoice can be credited."), field="invoice")
    if not reason.strip():
        raise ApplicationError(_("Give a reason for the credit note."), field="reason")
    if issue_date < invoice.issue_date:
        raise ApplicationError(_("A credit note cannot predate its invoice."), field="issue_date")
    amount = _check_amount(amount, invoice.currency)
    installments = lock_installments(invoice.installments.values_list("pk", flat=True))
    open_total = sum((i.open_amount for i in installments.values()), ZERO)
    if amount > open_total:
        raise ApplicationError(
            _("Invoice %(number)s has only %(open)s open; unapply payments first to credit more.")
            % {"number": invoice.number, "open": open_total},
            field="amount",
            code="exceeds_open_amount",
        )
    credit_note = CreditNote(
        number=next_document_number(prefix=CREDIT_NOTE_PREFIX, year=issue_date.year),
        invoice=invoice,
        customer_id=invoice.customer_id,
        issue_date=issue_date,
        amount=amount,
        currency=invoice.currency,
        reason=reason.strip(),
        created_by=actor,
    )
    _attribute(credit_note, actor).save()
    remaining = amount
    for installment in sorted(
        installments.values(), key=lambda i: (i.due_date, i.pk), reverse=True
    ):
        if remaining <= 0:
            break
        part = min(installment.open_amount, remaining)
        if part <= 0:
            continue
        _settle(installment, part, issue_date, actor)
        _attribute(
            Allocation(
                installment=installment,
                customer_id=invoice.customer_id,
                kind=Allocation.Kind.CREDIT_NOTE,
                credit_note=credit_note,
                amount=part,
                applied_on=issue_date,
                created_by=actor,
            ),
            actor,
        ).save()
        remaining -= part
    _refresh_invoice_statuses([invoice.pk], actor)
    return credit_note


# --- write-offs --------------------------------------------------------------------------------


@transaction.atomic
def write_off_request(*, actor, installment: Installment, amount: Decimal, reason: str) -> WriteOff:
    """Ask for part or all of an installment to be written off as bad debt; needs approval."""
    if not has_capability(actor, Capability.REQUEST_WRITE_OFF):
        raise PermissionDeniedError(
            _("You may not request write-offs."), field="write_off", code="not_allowed"
        )
    installment = lock_installments([installment.pk])[installment.pk]
    if not reason.strip():
        raise ApplicationError(_("Give a reason for the write-off."), field="reason")
    amount = _check_amount(amount, installment.currency)
    pending = (
        installment.write_offs.filter(status=WriteOff.Status.PENDING).aggregate(t=Sum("amount"))[
            "t"
        ]
        or ZERO
    )
    if amount + pending > installment.open_amount:
        raise ApplicationError(
            _(
                "Only %(available)s of this installment is open "
                "and not already proposed for write-off."
            )
            % {"available": installment.open_amount - pending},
            field="amount",
            code="exceeds_open_amount",
        )
    write_off = WriteOff(
        installment=installment,
        customer_id=installment.customer_id,
        amount=amount,
        currency=installment.currency,
        reason=reason.strip(),
        requested_by=actor,
    )
    _attribute(write_off, actor).save()
    return write_off


def _check_can_decide(actor, write_off: WriteOff) -> None:
    if not has_capability(actor, Capability.APPROVE_WRITE_OFF):
        raise PermissionDeniedError(_("Only a manager may decide write-offs."), field="write_off")
    if write_off.status != WriteOff.Status.PENDING:
        raise ApplicationError(_("This write-off was already decided."), field="status")
    if write_off.requested_by_id == actor.pk:
        raise PermissionDeniedError(
            _("You requested this write-off; another manager must decide it."),
            field="write_off",
            code="four_eyes",
        )


@transaction.atomic
def write_off_approve(
    *, actor, write_off: WriteOff, effective_on: date | None = None, note: str = ""
) -> WriteOff:
    """Approve a pending write-off (by a manager other than the requester) and post it."""
    write_off = lock_write_off(write_off.pk)
    _check_can_decide(actor, write_off)
    installment = lock_installments([write_off.installment_id])[write_off.installment_id]
    effective_on = effective_on or timezone.localdate()
    if write_off.amount > installment.open_amount:
        raise ApplicationError(
            _("The installment now has only %(open)s open.") % {"open": installment.open_amount},
            field="amount",
            code="exceeds_open_amount",
        )
    write_off.status = WriteOff.Status.APPROVED
    write_off.decided_by = actor
    write_off.decided_at = timezone.now()
    write_off.decision_note = note
    write_off.effective_on = effective_on
    _attribute(write_off, actor).save()
    _settle(installment, write_off.amount, effective_on, actor)
    _attribute(
        Allocation(
            installment=installment,
            customer_id=write_off.customer_id,
            kind=Allocation.Kind.WRITE_OFF,
            write_off=write_off,
            amount=write_off.amount,
            applied_on=effective_on,
            created_by=actor,
        ),
        actor,
    ).save()
    _refresh_invoice_statuses([installment.invoice_id], actor)
    return write_off


@transaction.atomic
def write_off_reject(*, actor, write_off: WriteOff, note: str = "") -> WriteOff:
    """Turn down a pending write-off; the installment stays open."""
    write_off = lock_write_off(write_off.pk)
    _check_can_decide(actor, write_off)
    write_off.status = WriteOff.Status.REJECTED
    write_off.decided_by = actor
    write_off.decided_at = timezone.now()
    write_off.decision_note = note
    _attribute(write_off, actor).save()
    return write_off


# --- exchange rates ----------------------------------------------------------------------------


@transaction.atomic
def exchange_rate_set(
    *, actor, currency: str, rate_date: date, rate_to_base: Decimal
) -> ExchangeRate:
    """Record (or correct) the rate of `currency` to the base currency on a date."""
    _check_currency(currency)
    if currency == settings.BASE_CURRENCY:
        raise ApplicationError(_("The base currency needs no rate."), field="currency")
    if Decimal(rate_to_base) <= 0:
        raise ApplicationError(_("An exchange rate must be positive."), field="rate_to_base")
    rate = (
        ExchangeRate.objects.select_for_update()
        .filter(currency=currency, rate_date=rate_date)
        .first()
    )
    if rate is None:
        rate = ExchangeRate(currency=currency, rate_date=rate_date)
    rate.rate_to_base = rate_to_base
    _attribute(rate, actor).save()
    return rate


# --- documents pages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoicePreview:
    """What a draft adds up to and, were it issued, when its installments would fall due."""

    currency: str
    lines: list[InvoiceLine]
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    schedule: list[ScheduledInstallment]


def invoice_header_defaults(
    *,
    customer: Customer,
    contract: Contract | None = None,
    payment_terms: PaymentTerms | None = None,
    currency: str | None = None,
) -> tuple[PaymentTerms | None, str]:
    """The payment terms and currency of a draft that leaves them blank: the customer's default
    terms; the contract's currency, else the customer's."""
    return (
        payment_terms or customer.default_payment_terms,
        currency or (contract.currency if contract else customer.currency),
    )


def invoice_preview(
    *,
    customer: Customer,
    lines: list[dict],
    issue_date: date | None = None,
    payment_terms: PaymentTerms | None = None,
    contract: Contract | None = None,
    currency: str | None = None,
) -> InvoicePreview:
    """Totals and payment schedule of a draft with these lines, by the code that saves
    (_build_lines) and issues (installment_schedule) invoices, so the preview cannot disagree
    with the ledger; writes nothing. No schedule without an issue date and terms. Raises
    ApplicationError for lines a draft would refuse."""
    payment_terms, currency = invoice_header_defaults(
        customer=customer, contract=contract, payment_terms=payment_terms, currency=currency
    )
    _check_currency(currency)
    built = _build_lines(lines, currency)
    subtotal, tax_total, total = _line_totals(built)
    schedule = []
    if issue_date and payment_terms and total > 0:
        schedule = installment_schedule(
            terms=payment_terms, issue_date=issue_date, total=total, currency=currency
        )
    return InvoicePreview(
        currency=currency,
        lines=built,
        subtotal=subtotal,
        tax_total=tax_total,
        total=total,
        schedule=schedule,
    )


# --- credit control ----------------------------------------------------------------------------


def _credit_refused(refusals: list[selectors.CreditRefusal]) -> ApplicationError:
    """One error for all the reasons, coded by the most serious."""
    return ApplicationError(
        " ".join(refusal.message for refusal in refusals),
        field="customer",
        code=refusals[0].code,
    )


def _pass_credit_control(invoice: Invoice, actor) -> CreditOverride | None:
    """Check a draft being issued against credit control (docs/credit_control.md) under its
    customer's row lock, so that two invoices issued at once for one customer are checked one
    after the other. Returns the approved override it uses (marked used: it lets one invoice
    through, once), None when credit control has no objection; raises when it refuses."""
    customer = lock_customer(invoice.customer_id)
    refusals = selectors.credit_refusals(
        customer=customer,
        amount=invoice.total,
        currency=invoice.currency,
        on_date=invoice.issue_date,
    )
    if not refusals:
        return None
    override = selectors.usable_credit_override(
        invoice=invoice, refused_for={refusal.code for refusal in refusals}
    )
    if override is None:
        raise _credit_refused(refusals)
    override = lock_credit_override(override.pk)
    override.used_at = timezone.now()
    _attribute(override, actor).save(update_fields=["used_at"])
    return override


@transaction.atomic
def credit_override_request(*, actor, invoice: Invoice, reason: str) -> CreditOverride:
    """Ask a manager to let a draft that credit control refuses be issued anyway. The request
    records what was refused and the draft's total: the override covers no more than that."""
    if not has_capability(actor, Capability.MANAGE_LEDGER):
        raise PermissionDeniedError(
            _("You may not request credit overrides."), field="invoice", code="not_allowed"
        )
    invoice = lock_invoice(invoice.pk)
    if invoice.status != Invoice.Status.DRAFT:
        raise ApplicationError(
            _("Only a draft invoice needs a credit override."), field="invoice", code="not_draft"
        )
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("Give a reason for the override."), field="reason")
    refusals = selectors.credit_refusals(
        customer=invoice.customer,
        amount=invoice.total,
        currency=invoice.currency,
        on_date=invoice.issue_date,
    )
    if not refusals:
        raise ApplicationError(
            _("Credit control does not refuse this invoice: it can be issued as it is."),
            field="invoice",
            code="not_refused",
        )
    if invoice.credit_overrides.filter(status=CreditOverride.Status.PENDING).exists():
        raise ApplicationError(
            _("A credit override for this invoice is already waiting for a manager."),
            field="invoice",
            code="credit_override_pending",
        )
    codes = {refusal.code for refusal in refusals}
    if selectors.usable_credit_override(invoice=invoice, refused_for=codes):
        raise ApplicationError(
            _("A manager already approved an override for this invoice: issue it."),
            field="invoice",
            code="credit_override_approved",
        )
    override = CreditOverride(
        invoice=invoice,
        customer_id=invoice.customer_id,
        invoice_total=invoice.total,
        currency=invoice.currency,
        refusal_codes=",".join(refusal.code for refusal in refusals),
        refusal_message=_credit_refused(refusals).message,
        reason=reason,
        requested_by=actor,
    )
    _attribute(override, actor).save()
    return override


def _lock_override_for_decision(actor, override: CreditOverride) -> CreditOverride:
    """The pending override, locked, once `actor` is known to be a manager who may decide it."""
    if not has_capability(actor, Capability.APPROVE_CREDIT):
        raise PermissionDeniedError(
            _("Only a manager may decide credit overrides."), field="status", code="not_allowed"
        )
    override = lock_credit_override(override.pk)
    if override.status != CreditOverride.Status.PENDING:
        raise ApplicationError(
            _("This credit override was already decided."), field="status", code="already_decided"
        )
    if override.requested_by_id == actor.pk:
        raise PermissionDeniedError(
            _("You asked for this credit override; another manager must decide it."),
            field="status",
            code="four_eyes",
        )
    return override


def _decide_override(override: CreditOverride, *, actor, status: str, note: str) -> None:
    override.status = status
    override.decided_by = actor
    override.decided_at = timezone.now()
    override.decision_note = note.strip()
    _attribute(override, actor).save()


@transaction.atomic
def credit_override_approve(*, actor, override: CreditOverride, note: str = "") -> CreditOverride:
    """Approve a pending override (a manager other than the requester): the draft may then be
    issued once despite the refusals it recorded."""
    override = _lock_override_for_decision(actor, override)
    if override.invoice.status != Invoice.Status.DRAFT:
        raise ApplicationError(
            _("Invoice %(invoice)s is no longer a draft.") % {"invoice": override.invoice},
            field="invoice",
            code="not_draft",
        )
    _decide_override(override, actor=actor, status=CreditOverride.Status.APPROVED, note=note)
    return override


@transaction.atomic
def credit_override_reject(*, actor, override: CreditOverride, note: str = "") -> CreditOverride:
    """Turn down a pending override (a manager other than the requester)."""
    override = _lock_override_for_decision(actor, override)
    _decide_override(override, actor=actor, status=CreditOverride.Status.REJECTED, note=note)
    return override


# --- disputes ----------------------------------------------------------------------------------

# Who opens, owns and reassigns disputes: the collectors (Finance, Managers, Admin, and a sales
# rep on their own customers); an Auditor only reads. Resolving one is a ledger decision.
DISPUTE_CAPABILITIES = (Capability.COLLECT,)


def can_work_disputes(user) -> bool:
    return any(has_capability(user, capability) for capability in DISPUTE_CAPABILITIES)


def _check_dispute_actor(actor, customer: Customer) -> None:
    """The actor works disputes and sees the customer (a rep: only their own customers)."""
    if not can_work_disputes(actor):
        raise PermissionDeniedError(_("You may not open or change disputes."))
    if not customers_visible_to(actor).filter(pk=customer.pk).exists():
        raise ApplicationError(_("Choose one of your customers."), field="customer")


def _check_dispute_owner(owner, customer: Customer) -> None:
    """The owner works disputes and sees the customer (a rep: one of their own customers)."""
    if owner is None:
        return
    if (
        not owner.is_active
        or not can_work_disputes(owner)
        or not customers_visible_to(owner).filter(pk=customer.pk).exists()
    ):
        raise ApplicationError(
            _("The owner must be an active user who works this customer's disputes."),
            field="owner",
        )


@transaction.atomic
def dispute_open(
    *,
    actor,
    customer: Customer,
    source: str,
    currency: str,
    opened_on: date,
    amount_claimed: Decimal | None = None,
    installments=(),
    description: str = "",
    reason: str = Dispute.Reason.OTHER,
    owner=None,
) -> Dispute:
    """Record that the customer disagrees with what we say it owes (reason category, owner who
    sorts it out), and mark the invoices of the contested installments disputed (automatic
    reminders and payment application pass them by) until the dispute is resolved. `actor` is
    None when the customer raised it through a statement's signed link."""
    if source not in Dispute.Source.values:
        raise ApplicationError(_("Unknown dispute source."), field="source")
    if reason not in Dispute.Reason.values:
        raise ApplicationError(_("Choose the reason of the dispute."), field="reason")
    if actor is None and source != Dispute.Source.STATEMENT_REPLY:
        raise PermissionDeniedError(_("Only a statement reply opens a dispute without a user."))
    if actor is not None:
        _check_dispute_actor(actor, customer)
    _check_dispute_owner(owner, customer)
    _check_currency(currency)
    if amount_claimed is not None:
        amount_claimed = _check_amount(
            amount_claimed, currency, field="amount_claimed", allow_zero=True
        )
    installment_ids = sorted({installment.pk for installment in installments})
    contested = list(
        Installment.objects.filter(pk__in=installment_ids, customer=customer).select_related(
            "invoice"
        )
    )
    if len(contested) != len(installment_ids):
        raise ApplicationError(
            _("Only the customer's own items can be contested."), field="installments"
        )
    if any(installment.currency != currency for installment in contested):
        raise ApplicationError(
            _("The contested items must be in the dispute's currency."), field="installments"
        )
    dispute = _attribute(
        Dispute(
            customer=customer,
            source=source,
            reason=reason,
            owner=owner,
            currency=currency,
            amount_claimed=amount_claimed,
            description=description,
            opened_on=opened_on,
            opened_by=actor,
        ),
        actor,
    )
    dispute.save()
    dispute.installments.set(contested)
    invoice_ids = sorted({installment.invoice_id for installment in contested})
    for invoice in Invoice.objects.select_for_update().filter(pk__in=invoice_ids).order_by("pk"):
        if not invoice.is_disputed:
            invoice.is_disputed = True
            _attribute(invoice, actor).save(update_fields=["is_disputed"])
    return dispute


@transaction.atomic
def dispute_assign(*, actor, dispute: Dispute, owner) -> Dispute:
    """Give an open dispute to the person who sorts it out (None: nobody yet)."""
    dispute = Dispute.objects.select_for_update().select_related("customer").get(pk=dispute.pk)
    _check_dispute_actor(actor, dispute.customer)
    if dispute.status != Dispute.Status.OPEN:
        raise ApplicationError(_("This dispute is already resolved."), code="not_open")
    _check_dispute_owner(owner, dispute.customer)
    dispute.owner = owner
    _attribute(dispute, actor).save(update_fields=["owner"])
    return dispute


@transaction.atomic
def dispute_resolve(
    *,
    actor,
    dispute: Dispute,
    resolution_kind: str,
    resolution: str,
    credit_notes: list[tuple[Invoice, Decimal]] = (),
    credit_note_date: date | None = None,
) -> Dispute:
    """Close an open dispute with its outcome (credit note, corrected invoice, rejected,
    withdrawn) and what was agreed, and clear the disputed mark of its invoices unless another
    open dispute still contests them. With `credit_notes` ((invoice, amount) pairs, outcome
    credit_note only) the credit notes are issued in the same transaction, on
    `credit_note_date` (today if not given), each on an invoice the dispute contests."""
    if not has_capability(actor, Capability.MANAGE_LEDGER):
        raise PermissionDeniedError(_("You may not resolve disputes."))
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if dispute.status != Dispute.Status.OPEN:
        raise ApplicationError(_("This dispute is already resolved."), code="not_open")
    if resolution_kind not in Dispute.Resolution.values:
        raise ApplicationError(
            _("Choose the outcome of the dispute."), field="resolution_kind", code="required"
        )
    resolution = resolution.strip()
    if not resolution:
        raise ApplicationError(
            _("Say how the dispute was resolved."), field="resolution", code="required"
        )
    invoice_ids = set(dispute.installments.values_list("invoice_id", flat=True))
    if credit_notes:
        if resolution_kind != Dispute.Resolution.CREDIT_NOTE:
            raise ApplicationError(
                _("Credit notes go with the outcome “credit note issued”."),
                field="credit_notes",
            )
        if any(invoice.pk not in invoice_ids for invoice, _amount in credit_notes):
            raise ApplicationError(
                _("A credit note must be on an invoice the dispute contests."),
                field="credit_notes",
            )
    dispute.status = Dispute.Status.RESOLVED
    dispute.resolution_kind = resolution_kind
    dispute.resolution = resolution
    dispute.resolved_by, dispute.resolved_at = actor, timezone.now()
    _attribute(dispute, actor).save(
        update_fields=["status", "resolution_kind", "resolution", "resolved_by", "resolved_at"]
    )
    for invoice, amount in credit_notes:
        credit_note_issue(
            actor=actor,
            invoice=invoice,
            amount=amount,
            # The credit note's reason names the dispute it settles (its audit trail).
            reason=(
                _("Dispute #%(number)s: %(resolution)s")
                % {"number": dispute.pk, "resolution": resolution}
            )[: CreditNote._meta.get_field("reason").max_length],
            issue_date=credit_note_date or timezone.localdate(),
        )
    still_contested = set(
        Installment.objects.filter(
            invoice_id__in=invoice_ids, disputes__status=Dispute.Status.OPEN
        ).values_list("invoice_id", flat=True)
    )
    to_clear = sorted(invoice_ids - still_contested)
    for invoice in Invoice.objects.select_for_update().filter(pk__in=to_clear).order_by("pk"):
        if invoice.is_disputed:
            invoice.is_disputed = False
            _attribute(invoice, actor).save(update_fields=["is_disputed"])
    return dispute


# --- imports (F) -------------------------------------------------------------------------------


def _check_can_import(actor) -> None:
    if not has_capability(actor, Capability.IMPORT_DATA):
        raise PermissionDeniedError(_("You may not import data."), code="not_allowed")


@transaction.atomic
def contract_import(*, actor, customer: Customer, number: str, **fields) -> Contract:
    """Record a contract brought in from a spreadsheet, keeping its number. Unlike
    contract_create it passes no credit control: the contract was signed before Huikuan knew
    of it, so refusing it would only leave the ledger incomplete."""
    _check_can_import(actor)
    number = number.strip()
    if not number:
        raise ApplicationError(_("The contract number is required."), field="number")
    if Contract.objects.filter(number=number).exists():
        raise ApplicationError(
            _("Contract %(number)s exists already.") % {"number": number},
            field="number",
            code="duplicate_number",
        )
    _check_customer_can_trade(customer)
    fields.setdefault("currency", customer.currency)
    _check_currency(fields["currency"])
    contract = Contract(customer=customer, number=number, **fields)
    _check_amount(contract.amount, contract.currency, allow_zero=True)
    _check_contract_dates(contract)
    contract.full_clean()
    _attribute(contract, actor).save()
    return contract


@transaction.atomic
def invoice_import(
    *,
    actor,
    customer: Customer,
    number: str,
    issue_date: date,
    lines: list[dict],
    currency: str | None = None,
    payment_terms: PaymentTerms | None = None,
    due_date: date | None = None,
    contract: Contract | None = None,
    fapiao_number: str = "",
    origin: str = Invoice.Origin.IMPORTED,
    original_amount: Decimal | None = None,
) -> Invoice:
    """Post an invoice brought in from another system as issued, keeping its number. No
    gap-free numbering (the number is the other system's) and no credit control (the receivable
    exists already). Its installments follow the terms' schedule, or are one installment due on
    `due_date` when the file gives the due date."""
    _check_can_import(actor)
    number = number.strip()
    if not number:
        raise ApplicationError(_("The invoice number is required."), field="number")
    if Invoice.objects.filter(number=number).exists():
        raise ApplicationError(
            _("Invoice number %(number)s is already used.") % {"number": number},
            field="number",
            code="duplicate_number",
        )
    _reserve_imported_number(prefix=INVOICE_PREFIX, number=number)
    if due_date is not None and due_date < issue_date:
        raise ApplicationError(
            _("The due date cannot be before the issue date."), field="due_date", code="due_early"
        )
    payment_terms, currency = invoice_header_defaults(
        customer=customer, contract=contract, payment_terms=payment_terms, currency=currency
    )
    invoice = Invoice(
        number=number,
        customer=customer,
        issue_date=issue_date,
        payment_terms=payment_terms,
        contract=contract,
        currency=currency,
        fapiao_number=fapiao_number.strip(),
        origin=origin,
        original_amount=original_amount,
        status=Invoice.Status.ISSUED,
        created_by=actor,
        issued_by=actor,
        issued_at=timezone.now(),
    )
    _check_invoice_header(invoice)
    _attribute(invoice, actor).save()
    _set_lines(invoice, lines, actor)
    if invoice.total <= 0:
        raise ApplicationError(_("An invoice must total more than zero."), field="lines")
    invoice.save(update_fields=["subtotal", "tax_total", "total"])
    if due_date is not None:
        schedule = [ScheduledInstallment(due_date, None, invoice.total)]
    else:
        schedule = installment_schedule(
            terms=payment_terms, issue_date=issue_date, total=invoice.total, currency=currency
        )
    _create_installments(invoice, schedule, actor)
    return invoice


@transaction.atomic
def opening_balance_import(
    *,
    actor,
    customer: Customer,
    number: str,
    issue_date: date,
    due_date: date,
    original_amount: Decimal,
    open_amount: Decimal,
    go_live_on: date,
    currency: str | None = None,
    payment_terms: PaymentTerms | None = None,
) -> Invoice:
    """Carry an open item over at go-live without its history (期初余额): an issued invoice of
    origin opening_balance, on its own issue date, whose one installment is what was open at
    go-live; the amount before earlier payments is kept as `original_amount`. So aging and
    balances as of go-live are exact although the payments before it are not in the ledger."""
    currency = currency or customer.currency
    _check_currency(currency)
    original_amount = _check_amount(original_amount, currency, field="original_amount")
    open_amount = _check_amount(open_amount, currency, field="open_amount")
    if open_amount > original_amount:
        raise ApplicationError(
            _("The open amount cannot exceed the original amount."),
            field="open_amount",
            code="exceeds_original",
        )
    if issue_date > go_live_on:
        raise ApplicationError(
            _("An opening balance must be issued on or before the go-live date %(date)s.")
            % {"date": go_live_on.isoformat()},
            field="issue_date",
            code="after_go_live",
        )
    return invoice_import(
        actor=actor,
        customer=customer,
        number=number,
        issue_date=issue_date,
        due_date=due_date,
        currency=currency,
        payment_terms=payment_terms,
        lines=[
            {
                "description": _("Opening balance %(number)s") % {"number": number.strip()},
                "quantity": Decimal(1),
                "unit_price": open_amount,
                "tax_rate": Decimal(0),
            }
        ],
        origin=Invoice.Origin.OPENING_BALANCE,
        original_amount=original_amount,
    )


# --- imports (G) -------------------------------------------------------------------------------


def _reserve_imported_number(*, prefix: str, number: str) -> None:
    """An imported number in Huikuan's own format (RCV-2026-000123) moves that year's sequence
    past it, so the next number taken here cannot collide with the imported document."""
    parts = number.split("-")
    if len(parts) != 3 or parts[0] != prefix or len(parts[1]) != 4:
        return
    if not (parts[1].isdigit() and parts[2].isdigit()):
        return
    year, value = int(parts[1]), int(parts[2])
    try:
        with transaction.atomic():
            DocumentSequence.objects.get_or_create(prefix=prefix, year=year)
    except IntegrityError:
        pass  # another transaction created the row first; lock it below
    sequence = lock_document_sequence(prefix=prefix, year=year)
    if sequence.last_value < value:
        sequence.last_value = value
        sequence.save(update_fields=["last_value"])


@transaction.atomic
def payment_import(
    *,
    actor,
    customer: Customer,
    number: str,
    received_on: date,
    amount: Decimal,
    currency: str | None = None,
    method: str = Payment.Method.BANK_TRANSFER,
    reference: str = "",
    instrument_number: str = "",
    instrument_acceptor: str = "",
    instrument_matures_on: date | None = None,
) -> Payment:
    """Record a payment brought in from another system, keeping its number; it stays unapplied
    credit until payment_import_allocate applies it. The checks are payment_record's; only the
    number comes from the file (and moves our sequence past it when it is in our format)."""
    _check_can_import(actor)
    number = number.strip()
    if not number:
        raise ApplicationError(_("The payment number is required."), field="number")
    if Payment.objects.filter(number=number).exists():
        raise ApplicationError(
            _("Payment number %(number)s is already used.") % {"number": number},
            field="number",
            code="duplicate_number",
        )
    _check_customer_can_trade(customer)
    currency = currency or customer.currency
    _check_currency(currency)
    amount = _check_amount(amount, currency)
    instrument_number = instrument_number.strip()
    instrument_acceptor = instrument_acceptor.strip()
    _check_instrument(
        method=method,
        received_on=received_on,
        instrument_number=instrument_number,
        instrument_acceptor=instrument_acceptor,
        instrument_matures_on=instrument_matures_on,
    )
    _reserve_imported_number(prefix=PAYMENT_PREFIX, number=number)
    payment = Payment(
        number=number,
        customer=customer,
        received_on=received_on,
        amount=amount,
        currency=currency,
        method=method,
        reference=reference.strip(),
        instrument_number=instrument_number,
        instrument_acceptor=instrument_acceptor,
        instrument_matures_on=instrument_matures_on,
        unapplied_amount=amount,
        created_by=actor,
    )
    _attribute(payment, actor).save()
    return payment


@transaction.atomic
def payment_import_allocate(
    *,
    actor,
    payment: Payment,
    invoice: Invoice,
    amount: Decimal,
    applied_on: date,
    sequence: int | None = None,
) -> list[Allocation]:
    """Apply an imported payment to one invoice: to its installment `sequence`, or without one
    to its open installments oldest due first. payment_allocate keeps the ledger's rules (never
    more than the open amount or the payment's unapplied amount)."""
    _check_can_import(actor)
    if invoice.customer_id != payment.customer_id:
        raise ApplicationError(
            _("Invoice %(number)s is not an invoice of this payment's customer.")
            % {"number": invoice.number},
            field="invoice",
            code="foreign_invoice",
        )
    if invoice.currency != payment.currency:
        raise ApplicationError(
            _("Invoice %(number)s is in %(currency)s, the payment in %(paid)s.")
            % {"number": invoice.number, "currency": invoice.currency, "paid": payment.currency},
            field="invoice",
            code="currency_mismatch",
        )
    amount = _check_amount(amount, payment.currency)
    installments = invoice.installments.all()
    if sequence is not None:
        installments = installments.filter(sequence=sequence)
        if not installments.exists():
            raise ApplicationError(
                _("Invoice %(number)s has no installment %(sequence)s.")
                % {"number": invoice.number, "sequence": sequence},
                field="sequence",
                code="unknown_installment",
            )
    # Locked before the open amounts are read: another writer may be paying them right now.
    locked = lock_installments(installments.filter(open_amount__gt=0).values_list("pk", flat=True))
    plan, remaining = [], amount
    for installment in sorted(locked.values(), key=lambda i: (i.due_date, i.sequence)):
        part = min(installment.open_amount, remaining)
        if part > 0:
            plan.append((installment.pk, part))
            remaining -= part
    if remaining > 0:
        raise ApplicationError(
            _("Invoice %(number)s has only %(open)s open; cannot apply %(amount)s.")
            % {"number": invoice.number, "open": amount - remaining, "amount": amount},
            field="amount",
            code="exceeds_open_amount",
        )
    return payment_allocate(actor=actor, payment=payment, allocations=plan, applied_on=applied_on)
