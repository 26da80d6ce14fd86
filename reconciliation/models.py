"""Bank reconciliation: the company's bank accounts, the statements imported from them, and
matching each incoming credit to the customer and installments it pays.

A bank line is immutable once imported (it is what the bank said). What we decided about it
lives beside it: its status, the suggestions the engine made, and the Payment it became.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers.models import Customer
from receivables.models import BankCharge, Installment, Payment, currency_field, money_field


class ColumnMapping(models.Model):
    """How one bank's CSV/XLSX export names its columns (headers as printed, e.g. 交易日期).

    Blank fields fall back to the built-in header synonyms, so a mapping only needs what a bank
    does differently. Money arrives either as two columns (credit 贷方发生额 / debit 借方发生额) or
    as one amount column with a direction flag column (借/贷).
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    booked_on_column = models.CharField(_("date column"), max_length=60, blank=True)
    booked_at_column = models.CharField(_("time column"), max_length=60, blank=True)
    date_format = models.CharField(
        _("date format"),
        max_length=30,
        blank=True,
        help_text=_("strftime pattern such as %Y%m%d; blank: recognise the usual ones."),
    )
    credit_column = models.CharField(_("credit (money in) column"), max_length=60, blank=True)
    debit_column = models.CharField(_("debit (money out) column"), max_length=60, blank=True)
    amount_column = models.CharField(_("single amount column"), max_length=60, blank=True)
    direction_column = models.CharField(_("debit/credit flag column"), max_length=60, blank=True)
    credit_marker = models.CharField(
        _("credit flag value"), max_length=20, blank=True, help_text=_("e.g. 贷 or C")
    )
    debit_marker = models.CharField(
        _("debit flag value"), max_length=20, blank=True, help_text=_("e.g. 借 or D")
    )
    currency_column = models.CharField(_("currency column"), max_length=60, blank=True)
    counterparty_name_column = models.CharField(
        _("counterparty name column"), max_length=60, blank=True
    )
    counterparty_account_column = models.CharField(
        _("counterparty account column"), max_length=60, blank=True
    )
    counterparty_bank_column = models.CharField(
        _("counterparty bank column"), max_length=60, blank=True
    )
    remittance_columns = models.CharField(
        _("remittance columns"),
        max_length=200,
        blank=True,
        help_text=_("Comma-separated, joined in this order, e.g. 摘要,用途,附言"),
    )
    reference_column = models.CharField(_("bank reference column"), max_length=60, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        ordering = ["name"]

    def __str__(self):
        return self.name


class BankAccount(models.Model):
    """One of the company's own bank accounts, into which customers pay."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    account_number = models.CharField(_("account number"), max_length=40, unique=True)
    currency = currency_field()
    column_mapping = models.ForeignKey(
        ColumnMapping,
        verbose_name=_("column mapping"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        help_text=_("For CSV/XLSX exports whose headers the built-in ones do not cover."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class StatementFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", _("Excel (.xlsx/.xls)")
    MT940 = "mt940", "MT940"
    CAMT053 = "camt053", "ISO 20022 CAMT.053"
    OFX = "ofx", "OFX"


class BankStatementImport(models.Model):
    """One file imported into one account. The same file twice is one import (file hash)."""

    class MatchStatus(models.TextChoices):
        PENDING = "pending", _("Matching pending")
        DONE = "done", _("Matched")

    account = models.ForeignKey(
        BankAccount,
        verbose_name=_("bank account"),
        on_delete=models.PROTECT,
        related_name="imports",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(max_length=64)
    format = models.CharField(_("format"), max_length=10, choices=StatementFormat.choices)
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("to"), null=True, blank=True)
    opening_balance = money_field(_("opening balance"), null=True, blank=True)
    closing_balance = money_field(_("closing balance"), null=True, blank=True)
    line_count = models.PositiveIntegerField(_("lines in file"), default=0)
    new_line_count = models.PositiveIntegerField(_("new lines"), default=0)
    duplicate_line_count = models.PositiveIntegerField(_("lines already imported"), default=0)
    match_status = models.CharField(
        _("matching"), max_length=10, choices=MatchStatus.choices, default=MatchStatus.PENDING
    )
    matched_at = models.DateTimeField(_("matched at"), null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bank statement import")
        verbose_name_plural = _("bank statement imports")
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "file_sha256"],
                name="bank_import_once_per_file",
                violation_error_message=_("This file was already imported into this account."),
            ),
        ]

    def __str__(self):
        return f"{self.account.code} {self.file_name}"


class BankLine(models.Model):
    """One transaction as the bank reported it, and what became of it."""

    class Direction(models.TextChoices):
        CREDIT = "credit", _("Money in")
        DEBIT = "debit", _("Money out")

    class Status(models.TextChoices):
        UNMATCHED = "unmatched", _("Unmatched")
        SUGGESTED = "suggested", _("Suggested")
        APPLIED = "applied", _("Applied")
        IGNORED = "ignored", _("Ignored")

    account = models.ForeignKey(
        BankAccount, verbose_name=_("bank account"), on_delete=models.PROTECT, related_name="lines"
    )
    statement_import = models.ForeignKey(
        BankStatementImport, on_delete=models.PROTECT, related_name="lines"
    )
    booked_on = models.DateField(_("date"))
    booked_at = models.TimeField(_("time"), null=True, blank=True)
    value_date = models.DateField(_("value date"), null=True, blank=True)
    direction = models.CharField(_("direction"), max_length=6, choices=Direction.choices)
    amount = money_field(_("amount"))
    currency = currency_field()
    counterparty_name = models.CharField(_("counterparty"), max_length=200, blank=True)
    counterparty_account = models.CharField(_("counterparty account"), max_length=64, blank=True)
    counterparty_bank = models.CharField(_("counterparty bank"), max_length=200, blank=True)
    remittance = models.TextField(_("remittance information"), blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    # The bank's reference where it gives a usable one, else a hash of date, amount,
    # counterparty and text: see reconciliation.parsers.base.dedupe_key.
    dedupe_key = models.CharField(max_length=128)
    # Position in the file, for messages and for a stable order among same-day lines.
    file_line = models.PositiveIntegerField(_("line in file"), default=0)

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.UNMATCHED
    )
    # Who the engine (or a user) thinks paid; set for suggested, applied and credit lines.
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bank_lines",
    )
    confidence = models.PositiveSmallIntegerField(_("confidence"), null=True, blank=True)
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True)
    payment = models.OneToOneField(
        Payment,
        verbose_name=_("payment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bank_line",
    )
    bank_charge = models.OneToOneField(
        BankCharge, on_delete=models.PROTECT, null=True, blank=True, related_name="bank_line"
    )
    applied_automatically = models.BooleanField(_("applied automatically"), default=False)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    ignored_reason = models.CharField(_("reason ignored"), max_length=200, blank=True)
    # Set when a user undoes an application: the engine may suggest again, never post again.
    auto_apply_blocked = models.BooleanField(_("never apply automatically"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bank line")
        verbose_name_plural = _("bank lines")
        ordering = ["-booked_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "dedupe_key"],
                name="bank_line_once_per_account",
                violation_error_message=_("This transaction is already imported."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="bank_line_amount_positive",
                violation_error_message=_("A bank line's amount must be positive."),
            ),
            # Applied ⇔ it became a payment; only money in can.
            models.CheckConstraint(
                condition=Q(status="applied", payment__isnull=False, direction="credit")
                | (~Q(status="applied") & Q(payment__isnull=True, bank_charge__isnull=True)),
                name="bank_line_applied_has_payment",
            ),
            models.CheckConstraint(
                condition=~Q(status="ignored") | ~Q(ignored_reason=""),
                name="bank_line_ignored_has_reason",
                violation_error_message=_("Say why the line is ignored."),
            ),
            models.CheckConstraint(
                condition=Q(direction="credit") | Q(status__in=["unmatched", "ignored"]),
                name="bank_line_debits_never_matched",
            ),
        ]
        indexes = [
            # The review queue: lines still needing a person, newest first.
            models.Index(
                fields=["status", "booked_on"],
                condition=Q(status__in=["unmatched", "suggested"]),
                name="bank_line_to_review",
            ),
        ]

    def __str__(self):
        return f"{self.booked_on} {self.amount} {self.currency} {self.counterparty_name}"

    @property
    def is_credit(self) -> bool:
        return self.direction == self.Direction.CREDIT

    def can_apply(self) -> bool:
        return self.is_credit and self.status in (self.Status.UNMATCHED, self.Status.SUGGESTED)

    def can_undo(self) -> bool:
        return self.status == self.Status.APPLIED

    def can_ignore(self) -> bool:
        return self.status in (self.Status.UNMATCHED, self.Status.SUGGESTED)


class MatchSuggestion(models.Model):
    """One way the engine thinks a credit could be applied, with the evidence for it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    line = models.ForeignKey(BankLine, on_delete=models.CASCADE, related_name="suggestions")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField(default=1)
    confidence = models.PositiveSmallIntegerField(_("confidence"))
    # [{"kind": "invoice_number", "detail": "INV-2026-000123", "points": 60}, ...]
    evidence = models.JSONField(default=list)
    # Left short by the payer's bank, within the tolerance: booked as a bank charge.
    fee_amount = money_field(_("bank charge"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("match suggestion")
        verbose_name_plural = _("match suggestions")
        ordering = ["line", "rank"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__lte=100), name="match_suggestion_confidence_percent"
            ),
            models.CheckConstraint(
                condition=Q(fee_amount__gte=0), name="match_suggestion_fee_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.line_id} → {self.customer_id} ({self.confidence})"


class MatchSuggestionItem(models.Model):
    """An installment a suggestion would pay, and how much of it."""

    suggestion = models.ForeignKey(MatchSuggestion, on_delete=models.CASCADE, related_name="items")
    installment = models.ForeignKey(Installment, on_delete=models.PROTECT, related_name="+")
    amount = money_field(_("amount"))

    class Meta:
        ordering = ["suggestion", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="match_suggestion_item_positive"
            ),
            models.UniqueConstraint(
                fields=["suggestion", "installment"], name="match_suggestion_item_once"
            ),
        ]

    def __str__(self):
        return f"{self.installment_id}: {self.amount}"


class PayerLink(models.Model):
    """Learned from confirmed matches: this counterparty (account number and/or name) pays for
    this customer. Covers third-party payers (代付) whose name is not the customer's."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="payer_links"
    )
    # Normalised: digits and letters only.
    account_number = models.CharField(_("payer account"), max_length=64, blank=True)
    # reconciliation.matching.names.name_key of the payer's name.
    name_key = models.CharField(_("payer name key"), max_length=200, blank=True)
    payer_name = models.CharField(_("payer name"), max_length=200, blank=True)
    times_confirmed = models.PositiveIntegerField(default=1)
    last_confirmed_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("known payer")
        verbose_name_plural = _("known payers")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "account_number", "name_key"], name="payer_link_once"
            ),
            models.CheckConstraint(
                condition=~Q(account_number="") | ~Q(name_key=""),
                name="payer_link_identifies_someone",
            ),
        ]
        indexes = [
            models.Index(fields=["account_number"], name="payer_link_by_account"),
            models.Index(fields=["name_key"], name="payer_link_by_name"),
        ]

    def __str__(self):
        return f"{self.payer_name or self.account_number} → {self.customer_id}"
