"""Collections (催收): dunning policies and their steps, the messages a run sends, the collector's
activity log, promises to pay and a customer's collections profile (policy, do-not-contact,
legal escalation).

A dunning step is sent at most once per installment (DunningNotice is unique per installment and
step); one run sends one message per customer and channel, however many installments reach a
step that day (DunningMessage is unique per customer, run date and channel), worded by the most
advanced step among them. See docs/collections.md.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from core.money import CURRENCY_CHOICES, DECIMAL_PLACES, MAX_DIGITS
from customers.models import Contact, Customer
from receivables.models import Installment, Invoice


def _money(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs
    )


class DunningPolicy(models.Model):
    """An ordered cadence of reminders (催收策略). A customer follows the policy set on its
    collections profile, else the default for its credit rating, else for its tier, else the
    policy marked default."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_default = models.BooleanField(_("default policy"), default=False)
    # Comma-separated tiers ("A,B") and ratings ("AAA,AA") this policy is the default for.
    for_tiers = models.CharField(_("default for tiers"), max_length=20, blank=True)
    for_ratings = models.CharField(_("default for ratings"), max_length=60, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dunning policy")
        verbose_name_plural = _("dunning policies")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="dunning_policy_one_default",
                violation_error_message=_("Only one policy can be the default."),
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class DunningStep(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        CALL = "call", _("Phone call (task)")
        VISIT = "visit", _("Visit (task)")
        LETTER = "letter", _("Letter")

    class Attachment(models.TextChoices):
        NONE = "", _("None")
        STATEMENT = "statement", _("Statement of account")
        INVOICES = "invoices", _("Invoices")
        REMINDER_LETTER = "reminder_letter", _("Reminder letter")
        DEMAND_LETTER = "demand_letter", _("Demand letter")

    policy = models.ForeignKey(
        DunningPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="steps"
    )
    name = models.CharField(_("name"), max_length=100)
    # Days relative to the due date: -3 is a courtesy reminder three days before, +30 a month late.
    offset_days = models.SmallIntegerField(_("days after due date"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    attachment = models.CharField(
        _("attachment"), max_length=20, choices=Attachment.choices, blank=True, default=""
    )
    requires_approval = models.BooleanField(_("manager approves before sending"), default=False)
    # Legal escalation (移交法务/律师): reaching this step hands the customer over.
    escalates_to_legal = models.BooleanField(_("escalates to legal"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dunning step")
        verbose_name_plural = _("dunning steps")
        ordering = ["policy_id", "offset_days", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "offset_days"],
                name="dunning_step_unique_offset",
                violation_error_message=_("The policy already has a step on this day."),
            )
        ]

    def __str__(self):
        return f"{self.policy.code} {self.offset_days:+d} {self.name}"


class DunningTemplate(models.Model):
    """What a step says, per language; Django template syntax over plain data (never models),
    edited by Finance. See collections.messages for the variables."""

    step = models.ForeignKey(
        DunningStep, verbose_name=_("step"), on_delete=models.CASCADE, related_name="templates"
    )
    language = models.CharField(_("language"), max_length=8, choices=Customer.Language.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dunning template")
        verbose_name_plural = _("dunning templates")
        ordering = ["step_id", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "language"], name="dunning_template_unique_language"
            )
        ]

    def __str__(self):
        return f"{self.step} [{self.language}]"


class CollectionProfile(models.Model):
    """How collections treats one customer: its policy (else the default by rating/tier),
    whether it may be contacted, and legal escalation (a customer with a lawyer or agency leaves
    the automatic cadence)."""

    class LegalStage(models.TextChoices):
        NONE = "", _("None")
        LAWYER_LETTER = "lawyer_letter", _("Lawyer's letter")
        AGENCY = "agency", _("Collection agency")
        LITIGATION = "litigation", _("Litigation")
        ARBITRATION = "arbitration", _("Arbitration")

    customer = models.OneToOneField(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="collection_profile",
    )
    policy = models.ForeignKey(
        DunningPolicy,
        verbose_name=_("dunning policy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    do_not_contact = models.BooleanField(_("do not contact"), default=False)
    do_not_contact_reason = models.CharField(_("reason"), max_length=200, blank=True)
    legal_stage = models.CharField(
        _("legal stage"), max_length=16, choices=LegalStage.choices, blank=True, default=""
    )
    legal_since = models.DateField(_("handed over on"), null=True, blank=True)
    legal_agent = models.CharField(_("lawyer or agency"), max_length=200, blank=True)
    legal_amount = _money(_("amount handed over"), null=True, blank=True)
    legal_currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, blank=True
    )
    legal_notes = models.TextField(_("legal notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("collections profile")
        verbose_name_plural = _("collections profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(legal_stage="") | Q(legal_since__isnull=False),
                name="collection_profile_legal_has_date",
                violation_error_message=_("Give the date the customer was handed over."),
            ),
            models.CheckConstraint(
                condition=Q(legal_amount__isnull=True) | Q(legal_amount__gte=0),
                name="collection_profile_legal_amount_not_negative",
            ),
        ]

    def __str__(self):
        return str(self.customer)


class DunningRun(models.Model):
    """One day's dunning run; started again on the same day it carries on where it stopped."""

    run_date = models.DateField(_("run date"), unique=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    notices_created = models.PositiveIntegerField(default=0)
    messages_sent = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("dunning run")
        verbose_name_plural = _("dunning runs")
        ordering = ["-run_date"]

    def __str__(self):
        return str(self.run_date)


class DunningMessage(models.Model):
    """What one run says to one customer on one channel: an e-mail or letter sent, or a task
    (call, visit) for the collector. Groups every installment that reached a step of that
    channel that day; `step` is the most advanced of those steps and supplies the wording."""

    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending_approval", _("Awaiting approval")
        QUEUED = "queued", _("To send")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        REJECTED = "rejected", _("Rejected")
        OPEN_TASK = "open_task", _("Task to do")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    step = models.ForeignKey(
        DunningStep, verbose_name=_("step"), on_delete=models.PROTECT, related_name="messages"
    )
    run_date = models.DateField(_("run date"))
    channel = models.CharField(_("channel"), max_length=10, choices=DunningStep.Channel.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    language = models.CharField(_("language"), max_length=8)
    recipients = models.TextField(_("recipients"), blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dunning message")
        verbose_name_plural = _("dunning messages")
        ordering = ["-run_date", "customer_id"]
        constraints = [
            # A second run the same day finds the message and adds nothing.
            models.UniqueConstraint(
                fields=["customer", "run_date", "channel"], name="dunning_message_unique_per_run"
            )
        ]
        indexes = [
            models.Index(fields=["status"], condition=Q(status="queued"), name="dunning_to_send")
        ]

    def __str__(self):
        return f"{self.customer_id} {self.run_date} {self.step_id} ({self.status})"


class DunningNotice(models.Model):
    """An installment reaching a step: at most once, ever (the idempotency key of the run)."""

    installment = models.ForeignKey(
        Installment, on_delete=models.PROTECT, related_name="dunning_notices"
    )
    step = models.ForeignKey(DunningStep, on_delete=models.PROTECT, related_name="notices")
    message = models.ForeignKey(DunningMessage, on_delete=models.PROTECT, related_name="notices")
    # What was owed on the installment when the step was reached.
    open_amount = _money(_("open amount"))
    days_overdue = models.IntegerField(_("days overdue"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dunning notice")
        verbose_name_plural = _("dunning notices")
        constraints = [
            models.UniqueConstraint(
                fields=["installment", "step"], name="dunning_notice_once_per_step"
            )
        ]

    def __str__(self):
        return f"{self.installment_id} @ {self.step_id}"


class Activity(models.Model):
    """A collector's contact with a customer (催收记录), logged by hand or by the dunning run."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        EMAIL = "email", _("E-mail")
        VISIT = "visit", _("Visit")
        LETTER = "letter", _("Letter")
        MESSAGE = "message", _("WeChat / SMS")
        NOTE = "note", _("Note")

    class Outcome(models.TextChoices):
        NONE = "", _("—")
        REACHED = "reached", _("Reached")
        NO_ANSWER = "no_answer", _("No answer")
        PROMISED = "promised", _("Promised to pay")
        DISPUTED = "disputed", _("Raised a dispute")
        REFUSED = "refused", _("Refused to pay")
        PAID = "paid", _("Says it has paid")
        SENT = "sent", pgettext_lazy("activity outcome", "Sent")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="activities"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("when"))
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Outcome.choices, blank=True, default=""
    )
    note = models.TextField(_("note"), blank=True)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)
    dunning_message = models.OneToOneField(
        DunningMessage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activity",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["customer", "-occurred_at"])]

    def __str__(self):
        return f"{self.customer_id} {self.kind} {self.occurred_at:%Y-%m-%d}"


class PromiseToPay(models.Model):
    """A customer's promise to pay an amount by a date (承诺付款). Kept when payments received
    from when it was made until its date (plus grace) reach the amount; broken otherwise. While
    open it pauses dunning of the installments it covers (all the customer's, if none named)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        KEPT = "kept", _("Kept")
        BROKEN = "broken", _("Broken")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="promises"
    )
    amount = _money(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    promised_on = models.DateField(_("made on"))
    promised_date = models.DateField(_("pay by"))
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    installments = models.ManyToManyField(
        Installment, verbose_name=_("installments"), related_name="promises", blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="promises"
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    settled_on = models.DateField(_("kept or broken on"), null=True, blank=True)
    paid_amount = _money(_("paid towards it"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        ordering = ["promised_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="promise_amount_positive",
                violation_error_message=_("The promised amount must be positive."),
            ),
            models.CheckConstraint(
                condition=Q(promised_date__gte=F("promised_on")),
                name="promise_date_not_before_made",
                violation_error_message=_("The promised date cannot be before the promise."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "cancelled"]) | Q(settled_on__isnull=False),
                name="promise_settled_has_date",
            ),
        ]
        indexes = [
            models.Index(
                fields=["customer", "promised_date"],
                condition=Q(status="open"),
                name="promise_open_by_customer",
            )
        ]

    def __str__(self):
        return f"{self.customer_id} {self.amount} {self.currency} by {self.promised_date}"


class FeeInvoiceLink(models.Model):
    """A late-interest fee invoice Finance raised for an installment (逾期利息发票), so the same
    interest is not invoiced twice."""

    installment = models.ForeignKey(Installment, on_delete=models.PROTECT, related_name="+")
    fee_invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="+")
    interest_from = models.DateField()
    interest_to = models.DateField()
    amount = _money(_("amount"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(interest_to__gte=F("interest_from")), name="fee_period_ordered"
            )
        ]

    def __str__(self):
        return f"{self.installment_id} → {self.fee_invoice_id}"
