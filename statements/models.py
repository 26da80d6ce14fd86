"""Statements of account (对账单) and the customer's reply to them (对账确认 / 询证函).

A statement is one customer's ledger for one period, rendered once to a PDF that is kept with its
SHA-256: what the customer received can always be shown again byte for byte. The figures are
recomputed from document dates (as-of logic), so regenerating a past period gives the same ones.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.money import CURRENCY_CHOICES, DECIMAL_PLACES, MAX_DIGITS
from customers.models import Customer
from receivables.models import Dispute, Installment


def _new_access_key() -> str:
    return secrets.token_urlsafe(16)


def _money(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs
    )


class Statement(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Being generated")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    class Source(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled run")
        ON_DEMAND = "on_demand", _("On demand")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="statements"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    language = models.CharField(_("language"), max_length=8)
    confirmation_kind = models.CharField(
        _("confirmation"), max_length=10, choices=Customer.ConfirmationKind.choices
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    failure = models.TextField(_("failure"), blank=True)
    pdf = models.FileField(_("PDF"), upload_to="statements/%Y/%m/", blank=True)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # E-mail: asked for (send_requested) by the scheduled run or by Finance; sent once.
    send_requested = models.BooleanField(_("to be e-mailed"), default=False)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    emailed_to = models.TextField(_("e-mailed to"), blank=True)
    email_failure = models.TextField(_("e-mail failure"), blank=True)
    # Signed into the confirmation link; replacing it revokes every link sent before.
    access_key = models.CharField(max_length=32, default=_new_access_key, editable=False)
    reply_due_on = models.DateField(_("reply due on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-period_end", "customer_id"]
        constraints = [
            # One statement per customer and period, however often the run is repeated.
            models.UniqueConstraint(
                fields=["customer", "period_start", "period_end"], name="statement_unique_period"
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")),
                name="statement_period_ordered",
                violation_error_message=_("The period must not end before it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | (~Q(pdf="") & ~Q(pdf_sha256="")),
                name="statement_ready_has_pdf",
            ),
        ]
        indexes = [
            models.Index(
                fields=["emailed_at"],
                condition=Q(send_requested=True, emailed_at__isnull=True),
                name="statement_to_email",
            )
        ]

    def __str__(self):
        return f"{self.customer_id} {self.period_start}–{self.period_end}"


class StatementBalance(models.Model):
    """The statement's figures in one currency, as printed: kept so lists and checks need no
    recomputation, and so a regenerated statement can be compared with what was sent."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="balances")
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    opening_balance = _money(_("opening balance"))
    closing_balance = _money(_("closing balance"))
    overdue_amount = _money(_("overdue"))
    late_interest = _money(_("late interest to date"))

    class Meta:
        ordering = ["statement_id", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "currency"], name="statement_balance_unique_currency"
            )
        ]

    def __str__(self):
        return f"{self.statement_id} {self.currency} {self.closing_balance}"


class ConfirmationReply(models.Model):
    """The customer's answer through the signed link: the balance agrees (信息证明无误) or it
    does not, with what they believe and which items they contest (不符，请列明). One per
    statement; it cannot be changed afterwards."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        DISPUTED = "disputed", _("Disagrees")

    statement = models.OneToOneField(
        Statement, verbose_name=_("statement"), on_delete=models.PROTECT, related_name="reply"
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    respondent_name = models.CharField(_("name"), max_length=100)
    respondent_title = models.CharField(_("position"), max_length=100, blank=True)
    respondent_email = models.EmailField(_("e-mail"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, blank=True)
    amount_believed = _money(_("balance you believe you owe"), null=True, blank=True)
    contested_items = models.ManyToManyField(
        Installment, verbose_name=_("contested items"), related_name="+", blank=True
    )
    replied_at = models.DateTimeField(_("replied at"))
    ip_address = models.GenericIPAddressField(_("IP address"))
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    dispute = models.OneToOneField(
        Dispute, on_delete=models.PROTECT, null=True, blank=True, related_name="statement_reply"
    )

    class Meta:
        verbose_name = _("confirmation reply")
        verbose_name_plural = _("confirmation replies")
        ordering = ["-replied_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_believed__isnull=True) | Q(amount_believed__gte=0),
                name="reply_amount_not_negative",
                violation_error_message=_("The balance you believe you owe cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(outcome="confirmed") | Q(dispute__isnull=False),
                name="reply_disagreement_opens_dispute",
            ),
        ]

    def __str__(self):
        return f"{self.statement_id}: {self.outcome}"
