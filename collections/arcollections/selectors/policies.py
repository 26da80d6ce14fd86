"""Reads behind the collections configuration pages: dunning policies with their steps and
templates, a customer's collections profile, the dunning messages list and the approvals queue
(with the navigation badge's count). Role scoping is customers.selectors.scope_to_user's."""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Capability, has_capability
from arcollections.models import (
    CollectionProfile,
    DunningMessage,
    DunningNotice,
    DunningPolicy,
    DunningStep,
    DunningTemplate,
)
from core.money import quantize
from core.selectors import company_profile
from customers.models import Customer
from customers.selectors import scope_to_user
from receivables.selectors import installments_open

# Approving a dunning message is a manager's decision, like a credit decision: the run wrote the
# message, so no four-eyes rule is needed on top (docs/collections.md, "Approval").
APPROVE_DUNNING = Capability.APPROVE_CREDIT
# Finance keeps the cadence: policies, steps, templates and the on-demand run.
MANAGE_DUNNING = Capability.MANAGE_LEDGER
# Who may change a customer's collections profile (policy override, do-not-contact, legal
# escalation): Finance, Manager and Admin.
MANAGE_COLLECTION_PROFILE = Capability.MANAGE_CREDIT


def can_approve_dunning(user) -> bool:
    return has_capability(user, APPROVE_DUNNING)


# --- policies, steps, templates ---


def policies_for_list() -> QuerySet[DunningPolicy]:
    """Every policy with `step_count` and `template_count`, defaults first; two queries at most
    however many policies there are."""
    return DunningPolicy.objects.annotate(
        step_count=Count("steps", distinct=True),
        template_count=Count("steps__templates", distinct=True),
    ).order_by("-is_default", "-is_active", "code")


def policy_with_steps(*, pk: int) -> DunningPolicy:
    """One policy with its steps in cadence order and each step's templates prefetched (the
    policy page costs the same queries whatever the number of steps). DoesNotExist if none."""
    steps = DunningStep.objects.annotate(notice_count=Count("notices")).prefetch_related(
        Prefetch("templates", queryset=DunningTemplate.objects.order_by("language"))
    )
    return DunningPolicy.objects.prefetch_related(
        Prefetch("steps", queryset=steps.order_by("offset_days", "pk"))
    ).get(pk=pk)


def step_with_policy(*, pk: int) -> DunningStep:
    return DunningStep.objects.select_related("policy").get(pk=pk)


def step_template(*, step: DunningStep, language: str) -> DunningTemplate | None:
    """The step's wording in `language`, or None when nobody wrote it yet."""
    return DunningTemplate.objects.filter(step=step, language=language).first()


def preview_installments(*, user, customer: Customer, step: DunningStep, as_of: date) -> list:
    """The installments a preview shows for `customer`: the open ones that have reached `step`
    by `as_of` (what the run would put in the message), or, when none has, all its open
    installments, so that the open-items table of a preview is never empty by accident."""
    open_installments = list(
        installments_open(user=user)
        .filter(customer=customer)
        .select_related("invoice", "invoice__payment_terms")
        .order_by("due_date", "pk")
    )
    reached = [
        installment
        for installment in open_installments
        if (as_of - installment.due_date).days >= step.offset_days
    ]
    return reached or open_installments


# --- customer collections profile ---


def collection_profile_of(customer: Customer) -> CollectionProfile:
    """The customer's collections profile; an unsaved default one when none was written (no
    override, may be contacted, no legal stage)."""
    profile = CollectionProfile.objects.select_related("policy").filter(customer=customer).first()
    return profile or CollectionProfile(customer=customer)


def _listed(codes: str) -> set[str]:
    return {code.strip().upper() for code in codes.split(",") if code.strip()}


def policy_in_force(customer: Customer, *, profile: CollectionProfile) -> dict:
    """The policy the dunning run applies to `customer` (the run's own choice,
    arcollections.selectors.dunning.policy_for_customer) and why: "override" (the profile),
    "rating", "tier" or "default"."""
    from arcollections.selectors.dunning import policy_for_customer

    policy = policy_for_customer(customer)
    if policy is None:
        reason = ""
    elif profile.policy_id == policy.pk:
        reason = "override"
    elif customer.credit_rating and customer.credit_rating.upper() in _listed(policy.for_ratings):
        reason = "rating"
    elif customer.tier.upper() in _listed(policy.for_tiers):
        reason = "tier"
    else:
        reason = "default"
    return {"policy": policy, "reason": reason}


# --- dunning messages ---


def dunning_messages_visible_to(user) -> QuerySet[DunningMessage]:
    """Dunning messages of the customers `user` may see."""
    return scope_to_user(DunningMessage.objects.all(), user)


def dunning_messages_for_list(
    *,
    user,
    status: str = "",
    channel: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    customer: Customer | None = None,
) -> QuerySet[DunningMessage]:
    """The messages list: scoped, filtered, with what each row shows joined and `notice_count`
    (installments it covers) annotated, so that a page costs the same queries at any length."""
    messages = dunning_messages_visible_to(user)
    if status:
        messages = messages.filter(status=status)
    if channel:
        messages = messages.filter(channel=channel)
    if date_from:
        messages = messages.filter(run_date__gte=date_from)
    if date_to:
        messages = messages.filter(run_date__lte=date_to)
    if customer is not None:
        messages = messages.filter(customer=customer)
    return messages.select_related(
        "customer", "customer__owner", "step", "step__policy", "assigned_to", "approved_by"
    ).annotate(notice_count=Count("notices"))


def dunning_message_detail(*, user, pk: int) -> DunningMessage:
    """One message `user` may see, with its notices (installment and invoice) prefetched.
    DoesNotExist for anything else: another rep's customer is no different from no message."""
    notices = DunningNotice.objects.select_related("installment__invoice", "step").order_by(
        "installment__due_date", "pk"
    )
    return (
        dunning_messages_visible_to(user)
        .select_related("customer", "step", "step__policy", "approved_by", "assigned_to")
        .prefetch_related(Prefetch("notices", queryset=notices))
        .get(pk=pk)
    )


def dunning_messages_pending_approval(*, user) -> QuerySet[DunningMessage]:
    """Messages waiting for a manager's approval, oldest run first, with their notices; none for
    a user who may not approve."""
    if not can_approve_dunning(user):
        return DunningMessage.objects.none()
    notices = DunningNotice.objects.select_related("installment__invoice", "step").order_by(
        "installment__due_date", "pk"
    )
    return (
        dunning_messages_visible_to(user)
        .filter(status=DunningMessage.Status.PENDING_APPROVAL)
        .select_related("customer", "customer__owner", "step", "step__policy")
        .prefetch_related(Prefetch("notices", queryset=notices))
        .order_by("run_date", "customer__code", "pk")
    )


def dunning_approvals_count(user) -> int:
    """The navigation badge: messages waiting for `user`'s approval. One query, and none at all
    for a user who may not approve."""
    if not can_approve_dunning(user):
        return 0
    return (
        dunning_messages_visible_to(user)
        .filter(Q(status=DunningMessage.Status.PENDING_APPROVAL))
        .count()
    )


# --- template editor ---

# The variables a dunning template may use (arcollections.messages.dunning_context), listed in
# the editor beside the text.
TEMPLATE_VARIABLES = (
    ("customer_name", _("customer's legal name")),
    ("customer_code", _("customer code (the payment reference)")),
    ("contact_name", _("reminder contact, else the customer's name")),
    (
        "open_items",
        _(
            "the installments: reference, invoice_number, due_date, open_amount, "
            "days_overdue, late_interest, currency"
        ),
    ),
    ("item_count", _("number of installments")),
    ("total_open", _("total open, per currency")),
    ("total_overdue", _("total overdue, per currency")),
    ("late_interest_total", _("late interest to date, per currency")),
    ("max_days_overdue", _("days overdue of the oldest item")),
    ("currency", _("currencies")),
    ("as_of", _("date of the message")),
    ("pay_by", _("pay-by date (a working day)")),
    ("step_name", _("name of the step")),
    ("company_name", _("our company's name")),
    ("company_address", _("our address")),
    ("company_phone", _("our phone")),
    ("company_email", _("our e-mail")),
    ("bank_name", _("our bank")),
    ("bank_account_name", _("our account name")),
    ("bank_account_number", _("our account number")),
    ("swift_code", _("SWIFT code")),
)

# The sample data of a preview without a customer: two overdue invoices of a fictitious
# customer, late interest at the default daily rate (settings.LATE_INTEREST_DEFAULT_DAILY_RATE).
_SAMPLE_NAMES = {
    "zh-hans": ("示例贸易有限公司", "王经理"),
    "en": ("Sample Trading Co., Ltd.", "Ms. Wang"),
}
_SAMPLE_ITEMS = (
    # (invoice number, days overdue, open amount)
    ("INV-2026-00012", 35, Decimal("12000.00")),
    ("INV-2026-00047", 8, Decimal("3500.00")),
)


def sample_dunning_context(language: str, *, as_of: date | None = None) -> dict:
    """Plain data shaped like dunning_context's, for a fictitious customer: what template_save
    compiles a template against and what a preview shows when no customer is chosen."""
    from arcollections.messages import format_date, pay_by_date
    from core.templatetags.huikuan import money

    as_of = as_of or timezone.localdate()
    rate = settings.LATE_INTEREST_DEFAULT_DAILY_RATE
    customer_name, contact_name = _SAMPLE_NAMES.get(language, _SAMPLE_NAMES["en"])
    company = company_profile()
    items, total, interest_total = [], Decimal("0.00"), Decimal("0.00")
    for number, days, amount in _SAMPLE_ITEMS:
        interest = quantize(amount * rate * days, "CNY")
        total += amount
        interest_total += interest
        items.append(
            {
                "reference": f"{number}/1",
                "invoice_number": number,
                "due_date": format_date(as_of - timedelta(days=days), language),
                "open_amount": money(amount, "CNY"),
                "days_overdue": days,
                "late_interest": money(interest, "CNY"),
                "currency": "CNY",
            }
        )
    return {
        "customer_name": customer_name,
        "customer_code": "SAMPLE",
        "contact_name": contact_name,
        "open_items": items,
        "item_count": len(items),
        "total_open": money(total, "CNY"),
        "total_overdue": money(total, "CNY"),
        "late_interest_total": money(interest_total, "CNY"),
        "max_days_overdue": max(days for _number, days, _amount in _SAMPLE_ITEMS),
        "currency": "CNY",
        "as_of": format_date(as_of, language),
        "pay_by": format_date(pay_by_date(as_of=as_of), language),
        "step_name": "",
        "company_name": company.name_in(language),
        "company_address": company.address_in(language),
        "company_phone": company.phone,
        "company_email": company.email,
        "bank_name": company.bank_name,
        "bank_account_name": company.bank_account_name,
        "bank_account_number": company.bank_account_number,
        "swift_code": company.swift_code,
    }


def reminder_contact_name(customer: Customer) -> str:
    """The name a preview greets: the customer's first contact receiving reminders."""
    contact = (
        customer.contacts.filter(receives_reminders=True).order_by("-is_primary", "pk").first()
    )
    return contact.name if contact else ""
