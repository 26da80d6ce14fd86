"""The receivables ledger.

An invoice's payment schedule is a set of installments; everything that reduces what a customer
owes (a payment, a credit note, an approved write-off, a bank charge) reaches an installment as an
Allocation row. Allocations are never edited or deleted: undoing one adds a negative allocation that
reverses it, dated the day it was undone. So "what was open on date D" is always
`installment.amount - sum(allocation.amount where applied_on <= D)` for invoices issued by D,
and today's `open_amount` is the same sum kept current by the services.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.money import CURRENCY_CHOICES, DECIMAL_PLACES, HALF_CENT, MAX_DIGITS
from customers.models import Customer


def money_field(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs
    )


def currency_field():
    return models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)


class PaymentTerms(models.Model):
    class Basis(models.TextChoices):
        INVOICE_DATE = "invoice_date", _("Days after invoice date")
        # 月结: the clock starts at the end of the invoice's month.
        END_OF_MONTH = "end_of_month", _("Days after end of invoice month")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    basis = models.CharField(
        _("basis"), max_length=16, choices=Basis.choices, default=Basis.INVOICE_DATE
    )
    net_days = models.PositiveIntegerField(_("net days"), default=30)
    discount_percent = models.DecimalField(
        _("early-payment discount %"), max_digits=5, decimal_places=2, default=0
    )
    discount_days = models.PositiveIntegerField(_("discount days"), default=0)
    late_interest_daily_rate = models.DecimalField(
        _("late interest per day"),
        max_digits=8,
        decimal_places=6,
        default=0,
        help_text=_("As a fraction: 0.000500 is 0.05% a day."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("payment terms")
        verbose_name_plural = _("payment terms")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lt=100),
                name="terms_discount_percent_range",
                violation_error_message=_("The discount must be between 0 and 100%%."),
            ),
            models.CheckConstraint(
                condition=Q(late_interest_daily_rate__gte=0),
                name="terms_interest_not_negative",
                violation_error_message=_("Late interest cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class PaymentTermsInstallment(models.Model):
    """One line of an installment schedule: `percent` of the total due `days` after the basis."""

    terms = models.ForeignKey(PaymentTerms, on_delete=models.CASCADE, related_name="schedule")
    sequence = models.PositiveSmallIntegerField(_("sequence"))
    percent = models.DecimalField(_("percent"), max_digits=5, decimal_places=2)
    days = models.PositiveIntegerField(_("days"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["terms_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["terms", "sequence"], name="terms_schedule_unique_seq"),
            models.CheckConstraint(
                condition=Q(percent__gt=0, percent__lte=100),
                name="terms_schedule_percent_range",
                violation_error_message=_("An installment's percent must be between 0 and 100."),
            ),
        ]

    def __str__(self):
        return f"{self.percent}% / {self.days}d"


class Contract(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contracts"
    )
    number = models.CharField(_("number"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    signed_on = models.DateField(_("signed on"))
    amount = money_field(_("amount"))
    currency = currency_field()
    payment_terms = models.ForeignKey(
        PaymentTerms,
        verbose_name=_("payment terms"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    signed_file = models.FileField(_("signed copy"), upload_to="contracts/%Y/", blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-signed_on", "number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="contract_amount_not_negative",
                violation_error_message=_("The contract amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="contract_ends_after_start",
                violation_error_message=_("A contract cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return self.number


class DocumentSequence(models.Model):
    """Gap-free numbering: the last number used per prefix and year. The row is locked while a
    document takes its number, so a rolled-back transaction leaves no hole."""

    prefix = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="document_sequence_unique")
        ]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last_value}"


class Invoice(models.Model):
    class Origin(models.TextChoices):
        ENTERED = "entered", _("Entered")
        IMPORTED = "imported", _("Imported")
        OPENING_BALANCE = "opening_balance", _("Opening balance")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")
        PARTIALLY_PAID = "partially_paid", _("Partially paid")
        PAID = "paid", _("Paid")
        WRITTEN_OFF = "written_off", _("Written off")
        CANCELLED = "cancelled", _("Cancelled")

    POSTED_STATUSES = (Status.ISSUED, Status.PARTIALLY_PAID, Status.PAID, Status.WRITTEN_OFF)
    # Posted and not yet settled: what finance still has to send, chase or resolve.
    OPEN_STATUSES = (Status.ISSUED, Status.PARTIALLY_PAID)

    number = models.CharField(_("number"), max_length=32, unique=True, null=True, blank=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="invoices"
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
    )
    issue_date = models.DateField(_("issue date"))
    currency = currency_field()
    payment_terms = models.ForeignKey(
        PaymentTerms, verbose_name=_("payment terms"), on_delete=models.PROTECT
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    is_disputed = models.BooleanField(_("disputed"), default=False)
    subtotal = money_field(_("subtotal"), default=0)
    tax_total = money_field(_("tax"), default=0)
    total = money_field(_("total"), default=0)
    fapiao_number = models.CharField(_("fapiao number"), max_length=32, blank=True)
    # Entered here, brought in from another system with its history, or an open item carried
    # over at go-live without its history (期初余额): then only what was open is its amount.
    origin = models.CharField(
        _("origin"), max_length=16, choices=Origin.choices, default=Origin.ENTERED
    )
    # Opening balances: the invoice's amount before what was paid of it before go-live.
    original_amount = money_field(_("original amount"), null=True, blank=True)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    receipt_confirmed_on = models.DateField(_("receipt confirmed on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    # The manager's approval that let this invoice be issued past a credit-control refusal.
    credit_override = models.OneToOneField(
        "CreditOverride",
        verbose_name=_("credit override"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="used_by",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issue_date", "-id"]
        constraints = [
            # Within half a cent rather than equal: SQLite (the development default) adds
            # decimals as binary floats, so 0.10 + 0.20 is not 0.30 there. On PostgreSQL's
            # exact numeric, with two decimal places, this is plain equality.
            models.CheckConstraint(
                condition=Q(total__gt=F("subtotal") + F("tax_total") - HALF_CENT)
                & Q(total__lt=F("subtotal") + F("tax_total") + HALF_CENT),
                name="invoice_total_is_subtotal_plus_tax",
            ),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0, tax_total__gte=0),
                name="invoice_amounts_not_negative",
            ),
            # Only drafts (and drafts voided before issue) may lack a number.
            models.CheckConstraint(
                condition=Q(number__isnull=False) | Q(status__in=["draft", "cancelled"]),
                name="invoice_posted_has_number",
            ),
        ]
        indexes = [models.Index(fields=["customer", "issue_date"])]

    def __str__(self):
        return self.number or f"draft #{self.pk}"

    @property
    def is_posted(self):
        return self.number is not None

    def can_edit(self):
        return self.status == self.Status.DRAFT

    @classmethod
    def status_from_ledger(cls, *, total, open_total, paid, written_off) -> str:
        """A posted invoice's status from what is open and what settled it (payments applied,
        write-offs approved); credit notes count only by reducing what is open."""
        if open_total > 0:
            # A credit note or a partial write-off alone does not make an invoice "partly paid".
            return cls.Status.PARTIALLY_PAID if paid > 0 else cls.Status.ISSUED
        if written_off > 0:
            return cls.Status.WRITTEN_OFF
        if paid > 0:
            return cls.Status.PAID
        return cls.Status.CANCELLED  # fully credited (红冲): the invoice is void in substance


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=4)
    unit_price = models.DecimalField(_("unit price"), max_digits=22, decimal_places=4)
    tax_rate = models.DecimalField(
        _("tax rate"), max_digits=5, decimal_places=4, default=0, help_text=_("0.1300 is 13%.")
    )
    amount = money_field(_("amount"))
    tax_amount = money_field(_("tax amount"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["invoice_id", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="invoice_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="invoice_line_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lt=1), name="invoice_line_tax_rate_range"
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.description}"


class Installment(models.Model):
    """One due date of an invoice's payment schedule; aging and collections work on these."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="installments")
    # Copied from the invoice so that scoping, aging and statements need no join.
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="installments")
    currency = currency_field()
    sequence = models.PositiveSmallIntegerField(_("sequence"))
    due_date = models.DateField(_("due date"))
    discount_date = models.DateField(_("discount until"), null=True, blank=True)
    amount = money_field(_("amount"))
    open_amount = money_field(_("open amount"))
    # The day open_amount last reached zero (null while open): lets reports see when it settled.
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    # The day the customer last acknowledged this debt in writing (a confirmed statement): the
    # 3-year limitation period runs again from then (see receivables.limitation).
    limitation_restarted_on = models.DateField(_("limitation restarted on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "sequence"], name="installment_unique_seq"),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="installment_amount_positive",
                violation_error_message=_("An installment's amount must be positive."),
            ),
            models.CheckConstraint(
                condition=Q(open_amount__gte=0) & Q(open_amount__lte=F("amount")),
                name="installment_open_amount_in_range",
                violation_error_message=_(
                    "An installment's open amount must stay between 0 and its amount."
                ),
            ),
        ]
        indexes = [
            # Open items are what aging, statements and dunning read; keep that index small.
            models.Index(
                fields=["customer", "due_date"],
                condition=Q(open_amount__gt=0),
                name="installment_open_by_customer",
            ),
            models.Index(
                fields=["due_date"], condition=Q(open_amount__gt=0), name="installment_open_by_due"
            ),
        ]

    def __str__(self):
        return f"{self.invoice.number}/{self.sequence}"


# Receipts that are a promise to pay at maturity rather than cash (承兑汇票, 应收账款电子凭证):
# recorded with their number and maturity date, applied like any payment.
INSTRUMENT_METHOD_VALUES = (
    "bank_acceptance_bill",
    "commercial_acceptance_bill",
    "receivable_evoucher",
)


class Payment(models.Model):
    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CHEQUE = "cheque", _("Cheque")
        CASH = "cash", _("Cash")
        ONLINE = "online", _("Online")
        ALIPAY = "alipay", _("Alipay")
        WECHAT_PAY = "wechat_pay", _("WeChat Pay")
        BANK_ACCEPTANCE_BILL = "bank_acceptance_bill", _("Bank acceptance bill (银行承兑汇票)")
        COMMERCIAL_ACCEPTANCE_BILL = (
            "commercial_acceptance_bill",
            _("Commercial acceptance bill (商业承兑汇票)"),
        )
        RECEIVABLE_EVOUCHER = "receivable_evoucher", _("Receivable e-voucher (应收账款电子凭证)")

    class Status(models.TextChoices):
        UNAPPLIED = "unapplied", _("Unapplied")
        PARTIALLY_APPLIED = "partially_applied", _("Partially applied")
        APPLIED = "applied", _("Applied")
        REVERSED = "reversed", _("Reversed")

    number = models.CharField(_("number"), max_length=32, unique=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="payments"
    )
    received_on = models.DateField(_("received on"))
    amount = money_field(_("amount"))
    currency = currency_field()
    method = models.CharField(
        _("method"), max_length=30, choices=Method.choices, default=Method.BANK_TRANSFER
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    # Bills (承兑汇票) and e-vouchers: their own number, who accepted (owes) them and when they
    # mature; until then the credit risk sits with the acceptor rather than the customer.
    instrument_number = models.CharField(_("bill / voucher number"), max_length=40, blank=True)
    instrument_acceptor = models.CharField(_("acceptor"), max_length=200, blank=True)
    instrument_matures_on = models.DateField(_("matures on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UNAPPLIED
    )
    # amount - live allocations - refunds; kept by the services, bounded by constraints.
    unapplied_amount = money_field(_("unapplied amount"))
    reversed_on = models.DateField(_("reversed on"), null=True, blank=True)
    reversal_reason = models.CharField(_("reversal reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payment_amount_positive",
                violation_error_message=_("A payment's amount must be positive."),
            ),
            models.CheckConstraint(
                condition=Q(unapplied_amount__gte=0) & Q(unapplied_amount__lte=F("amount")),
                name="payment_unapplied_in_range",
                violation_error_message=_("Allocations cannot exceed the payment."),
            ),
            models.CheckConstraint(
                condition=~Q(status="reversed") | Q(unapplied_amount=0, reversed_on__isnull=False),
                name="payment_reversed_is_empty",
            ),
            models.CheckConstraint(
                condition=(
                    Q(method__in=INSTRUMENT_METHOD_VALUES)
                    & ~Q(instrument_number="")
                    # A NULL date would make the comparison NULL, which a CHECK lets through.
                    & Q(instrument_matures_on__isnull=False)
                    & Q(instrument_matures_on__gte=F("received_on"))
                )
                | (
                    ~Q(method__in=INSTRUMENT_METHOD_VALUES)
                    & Q(instrument_number="", instrument_matures_on__isnull=True)
                ),
                name="payment_instrument_details",
                violation_error_message=_(
                    "Bills and e-vouchers need their number and a maturity date on or after "
                    "receipt; other payments have neither."
                ),
            ),
        ]
        indexes = [
            models.Index(
                fields=["customer", "received_on"],
                condition=Q(unapplied_amount__gt=0),
                name="payment_unapplied_by_customer",
            )
        ]

    def __str__(self):
        return self.number

    def can_reverse(self):
        return self.status != self.Status.REVERSED

    @property
    def is_instrument(self) -> bool:
        return self.method in INSTRUMENT_METHOD_VALUES

    @classmethod
    def status_from_balance(cls, *, amount, unapplied_amount, is_reversed=False) -> str:
        """A payment's status from how much of it is still unapplied."""
        if is_reversed:
            return cls.Status.REVERSED
        if unapplied_amount == amount:
            return cls.Status.UNAPPLIED
        if unapplied_amount == 0:
            return cls.Status.APPLIED
        return cls.Status.PARTIALLY_APPLIED


class CreditNote(models.Model):
    """Reduces an issued invoice (红冲): the posted correction for an invoice that cannot change."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="credit_notes"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credit_notes")
    issue_date = models.DateField(_("issue date"))
    amount = money_field(_("amount"))
    currency = currency_field()
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="credit_note_amount_positive",
                violation_error_message=_("A credit note's amount must be positive."),
            ),
        ]

    def __str__(self):
        return self.number


class WriteOff(models.Model):
    """Bad debt (坏账核销) on one installment: requested, then approved by a different manager."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    installment = models.ForeignKey(
        Installment,
        verbose_name=_("installment"),
        on_delete=models.PROTECT,
        related_name="write_offs",
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="write_offs")
    amount = money_field(_("amount"))
    currency = currency_field()
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)
    effective_on = models.DateField(_("effective on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("write-off")
        verbose_name_plural = _("write-offs")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="write_off_amount_positive",
                violation_error_message=_("A write-off's amount must be positive."),
            ),
            # Internal control (内部控制): nobody approves their own write-off.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="write_off_four_eyes",
                violation_error_message=_("A write-off cannot be decided by its requester."),
            ),
            models.CheckConstraint(
                condition=Q(status="pending")
                | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="write_off_decision_recorded",
            ),
        ]

    def __str__(self):
        return f"{self.installment_id}: {self.amount} {self.currency} ({self.status})"


class BankCharge(models.Model):
    """Charges a bank deducted on the way (手续费): the customer paid an installment in full but
    less arrived. Settles the rest of the installment as a payment would; undone by a reversing
    allocation dated the day it was undone, like a payment's."""

    installment = models.ForeignKey(
        Installment, on_delete=models.PROTECT, related_name="bank_charges"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="bank_charges")
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("payment"),
        on_delete=models.PROTECT,
        related_name="bank_charges",
        help_text=_("The short payment the charge was deducted from."),
    )
    amount = money_field(_("amount"))
    currency = currency_field()
    charged_on = models.DateField(_("charged on"))
    reversed_on = models.DateField(_("reversed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bank charge")
        verbose_name_plural = _("bank charges")
        ordering = ["charged_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="bank_charge_amount_positive",
                violation_error_message=_("A bank charge must be positive."),
            ),
            models.CheckConstraint(
                condition=Q(reversed_on__isnull=True) | Q(reversed_on__gte=F("charged_on")),
                name="bank_charge_reversed_after_charged",
            ),
        ]

    def __str__(self):
        return f"{self.installment_id}: {self.amount} {self.currency}"


class Allocation(models.Model):
    """Money reaching an installment: a payment applied, a credit note, an approved write-off or a
    bank charge.

    Immutable. Undoing an allocation adds a negative row pointing at it (`reverses`), dated the
    day it was undone, so balances as of any past date can be recomputed from this table.
    """

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment")
        CREDIT_NOTE = "credit_note", _("Credit note")
        WRITE_OFF = "write_off", _("Write-off")
        BANK_CHARGE = "bank_charge", _("Bank charge")

    installment = models.ForeignKey(
        Installment, on_delete=models.PROTECT, related_name="allocations"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="allocations")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    credit_note = models.ForeignKey(
        CreditNote, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    write_off = models.ForeignKey(
        WriteOff, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    bank_charge = models.ForeignKey(
        BankCharge, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    amount = money_field(_("amount"))
    applied_on = models.DateField(_("applied on"))
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["applied_on", "id"]
        constraints = [
            # Originals are positive; reversals negative and point at what they undo.
            models.CheckConstraint(
                condition=Q(amount__gt=0, reverses__isnull=True)
                | Q(amount__lt=0, reverses__isnull=False),
                name="allocation_sign_matches_reversal",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind="payment",
                    payment__isnull=False,
                    credit_note__isnull=True,
                    write_off__isnull=True,
                    bank_charge__isnull=True,
                )
                | Q(
                    kind="credit_note",
                    payment__isnull=True,
                    credit_note__isnull=False,
                    write_off__isnull=True,
                    bank_charge__isnull=True,
                )
                | Q(
                    kind="write_off",
                    payment__isnull=True,
                    credit_note__isnull=True,
                    write_off__isnull=False,
                    bank_charge__isnull=True,
                )
                | Q(
                    kind="bank_charge",
                    payment__isnull=True,
                    credit_note__isnull=True,
                    write_off__isnull=True,
                    bank_charge__isnull=False,
                ),
                name="allocation_source_matches_kind",
            ),
        ]
        indexes = [models.Index(fields=["installment", "applied_on"])]

    def __str__(self):
        return f"{self.kind} {self.amount} → {self.installment_id}"

    @property
    def is_reversal(self):
        return self.reverses_id is not None


class Refund(models.Model):
    """Unapplied customer credit paid back to the customer."""

    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="refunds")
    amount = money_field(_("amount"))
    currency = currency_field()
    refunded_on = models.DateField(_("refunded on"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="refund_amount_positive",
                violation_error_message=_("A refund's amount must be positive."),
            ),
        ]

    def __str__(self):
        return f"{self.payment_id}: {self.amount} {self.currency}"


class ExchangeRate(models.Model):
    """How many units of the base currency one unit of `currency` was worth on `rate_date`."""

    currency = currency_field()
    rate_date = models.DateField(_("date"))
    rate_to_base = models.DecimalField(_("rate to base"), max_digits=20, decimal_places=8)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-rate_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "rate_date"],
                name="exchange_rate_unique_per_day",
                violation_error_message=_("There is already a rate for this currency and date."),
            ),
            models.CheckConstraint(
                condition=Q(rate_to_base__gt=0),
                name="exchange_rate_positive",
                violation_error_message=_("An exchange rate must be positive."),
            ),
        ]

    def __str__(self):
        return f"{self.currency} {self.rate_date} {self.rate_to_base}"


class CreditControlPolicy(models.Model):
    """How invoice issue guards credit (one row, edited in the admin; see docs/credit_control.md).
    An invoice is refused while the customer is on hold or blocked, has anything more than
    `max_days_overdue` days overdue, or would owe more than its credit limit."""

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    max_days_overdue = models.PositiveIntegerField(
        _("longest overdue allowed (days)"),
        default=90,
        help_text=_(
            "A customer with anything overdue by more than this many days gets no new invoice "
            "without a manager's override."
        ),
    )
    zero_limit_is_no_credit = models.BooleanField(
        _("a credit limit of 0 means no credit"),
        default=True,
        help_text=_(
            "On: a customer whose limit is 0 gets no invoice on credit. "
            "Off: a limit of 0 means the limit is not checked."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("credit control policy")
        verbose_name_plural = _("credit control policy")
        constraints = [
            # One policy for the whole ledger.
            models.CheckConstraint(condition=Q(id=1), name="credit_control_policy_singleton"),
        ]

    def __str__(self):
        return str(_("Credit control policy"))


class CreditOverride(models.Model):
    """A manager's permission to issue one draft invoice that credit control refuses (超限审批):
    requested by finance, decided by a manager other than the requester, used once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("invoice"),
        on_delete=models.PROTECT,
        related_name="credit_overrides",
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    # The draft's total when the override was asked for: a larger invoice needs a new one.
    invoice_total = money_field(_("invoice total"))
    currency = currency_field()
    # What credit control refused when the override was asked for (comma-separated codes): the
    # override lets the invoice through those refusals only.
    refusal_codes = models.CharField(_("refused for"), max_length=200)
    refusal_message = models.CharField(_("refusal message"), max_length=1000)
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("credit override")
        verbose_name_plural = _("credit overrides")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # Internal control (内部控制): nobody approves their own override.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="credit_override_four_eyes",
                violation_error_message=_(
                    "A credit override cannot be decided by the person who asked for it."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_by__isnull=True, decided_at__isnull=True)
                | Q(~Q(status="pending"), decided_by__isnull=False, decided_at__isnull=False),
                name="credit_override_decision_recorded",
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(status="approved"),
                name="credit_override_used_only_if_approved",
            ),
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(status="pending"),
                name="credit_override_one_pending_per_invoice",
                violation_error_message=_("This invoice already has a credit override pending."),
            ),
        ]

    def __str__(self):
        return f"{self.invoice}: {self.get_status_display()} #{self.pk}"

    @property
    def is_used(self):
        return self.used_at is not None

    @property
    def refused_for(self) -> set[str]:
        return set(self.refusal_codes.split(","))

    def can_decide(self, user) -> bool:
        """Whether `user` may be the one to approve or reject it (capability aside)."""
        return self.status == self.Status.PENDING and self.requested_by_id != user.pk


class Dispute(models.Model):
    """A customer's disagreement with what we say it owes (争议): the amount it believes and the
    items it contests. While open, the contested invoices are marked disputed, which pauses
    automatic reminders and keeps them out of automatic payment application."""

    class Source(models.TextChoices):
        STATEMENT_REPLY = "statement_reply", _("Reply to a statement")
        CUSTOMER_CONTACT = "customer_contact", _("Raised by the customer")
        INTERNAL = "internal", _("Raised internally")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    class Reason(models.TextChoices):
        PRICE = "price", _("Price")
        QUANTITY = "quantity", _("Quantity")
        QUALITY = "quality", _("Quality")
        NOT_RECEIVED = "not_received", _("Goods or service not received")
        DUPLICATE = "duplicate", _("Duplicate billing")
        BALANCE = "balance", _("Balance does not agree")
        OTHER = "other", _("Other")

    class Resolution(models.TextChoices):
        CREDIT_NOTE = "credit_note", _("Credit note issued")
        CORRECTED_INVOICE = "corrected_invoice", _("Corrected invoice")
        REJECTED = "rejected", _("Rejected: the amount stands")
        WITHDRAWN = "withdrawn", _("Withdrawn by the customer")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="disputes"
    )
    reason = models.CharField(
        _("reason"), max_length=16, choices=Reason.choices, default=Reason.OTHER
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_disputes",
    )
    resolution_kind = models.CharField(
        _("outcome"), max_length=20, choices=Resolution.choices, blank=True
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    currency = currency_field()
    # What the customer says it owes; null when it only contests items.
    amount_claimed = models.DecimalField(
        _("balance the customer states"),
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        null=True,
        blank=True,
    )
    installments = models.ManyToManyField(
        Installment, verbose_name=_("contested items"), related_name="disputes", blank=True
    )
    description = models.TextField(_("description"), blank=True)
    opened_on = models.DateField(_("opened on"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_claimed__isnull=True) | Q(amount_claimed__gte=0),
                name="dispute_amount_claimed_not_negative",
                violation_error_message=_("The stated balance cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(resolved_at__isnull=False),
                name="dispute_resolution_recorded",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(resolution_kind=""),
                name="dispute_resolution_kind_recorded",
            ),
        ]
        indexes = [
            models.Index(fields=["customer"], condition=Q(status="open"), name="dispute_open")
        ]

    def __str__(self):
        return f"{self.customer_id}: {self.get_status_display()} ({self.opened_on})"
