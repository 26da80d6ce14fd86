from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from core.money import CURRENCY_CHOICES, DECIMAL_PLACES, MAX_DIGITS


class Customer(models.Model):
    class Tier(models.TextChoices):
        A = "A", _("A (key account)")
        B = "B", _("B (regular)")
        C = "C", _("C (occasional)")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ON_HOLD = "on_hold", _("On hold")
        BLOCKED = "blocked", _("Blocked")

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", _("Simplified Chinese")
        EN = "en", _("English")

    class StatementFrequency(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        NONE = "none", _("None")

    class ConfirmationKind(models.TextChoices):
        # 积极式询证函: the customer must reply either way; silence is chased.
        POSITIVE = "positive", _("Positive (a reply is required)")
        # 消极式询证函: the customer replies only if the balance is wrong.
        NEGATIVE = "negative", _("Negative (reply only on disagreement)")

    code = models.CharField(_("code"), max_length=32, unique=True)
    legal_name = models.CharField(_("legal name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    # Initials of the Chinese name (华为技术 -> HWJS) so staff can find a customer by typing them.
    name_initials = models.CharField(_("name initials"), max_length=200, blank=True, editable=False)
    country = models.CharField(_("country"), max_length=2, default="CN")
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    address = models.TextField(_("address"), blank=True)
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, default=Tier.B)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sales rep"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_customers",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    default_payment_terms = models.ForeignKey(
        "receivables.PaymentTerms",
        verbose_name=_("default payment terms"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    credit_limit = models.DecimalField(
        _("credit limit"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, default=0
    )
    credit_rating = models.CharField(_("credit rating"), max_length=8, blank=True)
    language = models.CharField(
        _("document language"), max_length=8, choices=Language.choices, default=Language.ZH_HANS
    )
    statement_frequency = models.CharField(
        _("statement frequency"),
        max_length=10,
        choices=StatementFrequency.choices,
        default=StatementFrequency.MONTHLY,
    )
    statement_confirmation = models.CharField(
        _("balance confirmation"),
        max_length=10,
        choices=ConfirmationKind.choices,
        default=ConfirmationKind.POSITIVE,
    )
    # The customer's latest written acknowledgement of its balance: restarts the limitation period
    # (诉讼时效中断) of the debts it covered. Set only by statements.services.
    last_balance_confirmed_on = models.DateField(
        _("balance last confirmed on"), null=True, blank=True, editable=False
    )
    notes = models.TextField(_("notes"), blank=True)
    is_archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit__gte=0),
                name="customer_credit_limit_not_negative",
                violation_error_message=_("The credit limit cannot be negative."),
            ),
            # Two archive entries for one legal entity would split its balance and credit.
            models.UniqueConstraint(
                fields=["uscc"],
                condition=~Q(uscc=""),
                name="customer_uscc_unique",
                violation_error_message=_("Another customer has this USCC."),
            ),
        ]
        indexes = [models.Index(fields=["owner", "code"]), models.Index(fields=["name_initials"])]

    def __str__(self):
        return f"{self.code} {self.display_name}"

    @property
    def display_name(self):
        return self.short_name or self.legal_name


class Contact(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    title = models.CharField(pgettext_lazy("job title", "title"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    receives_statements = models.BooleanField(_("receives statements"), default=False)
    receives_reminders = models.BooleanField(_("receives reminders"), default=False)
    receives_invoices = models.BooleanField(_("receives invoices"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["customer_id", "-is_primary", "name"]

    def __str__(self):
        return f"{self.name} ({self.customer.code})"


class CreditChangeRequest(models.Model):
    """A proposed new credit limit and/or default payment terms for a customer (授信变更): asked
    for by finance or a manager, applied only when another manager approves it (内部控制)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="credit_change_requests",
    )
    # Blank means "leave as it is": a request may change the limit, the terms, or both.
    credit_limit = models.DecimalField(
        _("new credit limit"),
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        null=True,
        blank=True,
    )
    default_payment_terms = models.ForeignKey(
        "receivables.PaymentTerms",
        verbose_name=_("new default payment terms"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The customer's values when the request was made, refreshed to those the approval replaced.
    credit_limit_before = models.DecimalField(
        _("credit limit before"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES
    )
    default_payment_terms_before = models.ForeignKey(
        "receivables.PaymentTerms",
        verbose_name=_("default payment terms before"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
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
    # When it was approved, rejected or withdrawn.
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("credit change request")
        verbose_name_plural = _("credit change requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit__isnull=False) | Q(default_payment_terms__isnull=False),
                name="credit_change_requests_something",
                violation_error_message=_("Ask for a new credit limit, new payment terms or both."),
            ),
            models.CheckConstraint(
                condition=Q(credit_limit__isnull=True) | Q(credit_limit__gte=0),
                name="credit_change_limit_not_negative",
                violation_error_message=_("The credit limit cannot be negative."),
            ),
            # Internal control (内部控制): nobody approves their own credit change.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="credit_change_four_eyes",
                violation_error_message=_(
                    "A credit change cannot be decided by the person who asked for it."
                ),
            ),
            # Approved and rejected requests name who decided; a withdrawn one only when.
            models.CheckConstraint(
                condition=Q(status="pending", decided_by__isnull=True, decided_at__isnull=True)
                | Q(
                    status__in=["approved", "rejected"],
                    decided_by__isnull=False,
                    decided_at__isnull=False,
                )
                | Q(status="withdrawn", decided_by__isnull=True, decided_at__isnull=False),
                name="credit_change_decision_recorded",
            ),
            # Two open requests for one customer would each be approved against stale values.
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status="pending"),
                name="credit_change_one_pending_per_customer",
                violation_error_message=_(
                    "This customer already has a credit change waiting for approval."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.customer.code}: {self.get_status_display()} #{self.pk}"

    def can_decide(self, user) -> bool:
        """Whether `user` may be the one to approve or reject it (capability aside)."""
        return self.status == self.Status.PENDING and self.requested_by_id != user.pk
