"""Writes of the collections configuration: dunning policies, their steps and each step's
wording per language (Finance), a customer's collections profile (policy override,
do-not-contact, legal escalation; Finance, Manager, Admin) and the on-demand dunning run.

Every write is one transaction, attributed to its actor in the simple_history audit trail.
"""

import re
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.roles import has_capability
from arcollections.models import (
    CollectionProfile,
    DunningMessage,
    DunningNotice,
    DunningPolicy,
    DunningStep,
    DunningTemplate,
)
from arcollections.selectors.policies import (
    MANAGE_COLLECTION_PROFILE,
    MANAGE_DUNNING,
    sample_dunning_context,
)
from core.exceptions import ApplicationError, PermissionDeniedError
from core.money import CURRENCY_CHOICES
from credit.models import RatingGrade
from customers.models import Customer

# A courtesy reminder can go out this many days before the due date at the earliest; a step
# further out than this many days after it would never be reached in practice.
EARLIEST_OFFSET_DAYS = -60
LATEST_OFFSET_DAYS = 730

# A step that sends nothing to the customer cannot carry a document.
_CHANNELS_WITH_ATTACHMENTS = {DunningStep.Channel.EMAIL, DunningStep.Channel.LETTER}

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")


def _attribute(instance, actor):
    instance._history_user = actor
    return instance


def _require(actor, capability) -> None:
    if not has_capability(actor, capability):
        raise PermissionDeniedError(_("You may not change the collections configuration."))


# --- policies ---------------------------------------------------------------------------------


def _codes_list(text: str) -> list[str]:
    """'a, B ,,b' → ['A', 'B']: upper-case, de-duplicated, in the order given."""
    codes = []
    for part in (text or "").split(","):
        code = part.strip().upper()
        if code and code not in codes:
            codes.append(code)
    return codes


def _clean_tiers(text: str) -> str:
    tiers = _codes_list(text)
    unknown = [tier for tier in tiers if tier not in Customer.Tier.values]
    if unknown:
        raise ApplicationError(
            _("Unknown tier: %(tiers)s. Tiers are %(known)s.")
            % {"tiers": ", ".join(unknown), "known": ", ".join(Customer.Tier.values)},
            field="for_tiers",
        )
    return ",".join(tiers)


def _clean_ratings(text: str) -> str:
    ratings = _codes_list(text)
    known = set(RatingGrade.objects.values_list("grade", flat=True))
    unknown = [rating for rating in ratings if rating not in known]
    if unknown:
        raise ApplicationError(
            _("Unknown credit rating: %(ratings)s.") % {"ratings": ", ".join(unknown)},
            field="for_ratings",
        )
    return ",".join(ratings)


def _refuse_overlaps(*, policy: DunningPolicy) -> None:
    """A tier or rating may name one active policy only: otherwise which policy a customer
    follows would depend on the order rows happen to come back in."""
    if not policy.is_active:
        return
    others = DunningPolicy.objects.filter(is_active=True).exclude(pk=policy.pk)
    for field, label in (("for_ratings", _("Rating")), ("for_tiers", _("Tier"))):
        mine = set(_codes_list(getattr(policy, field)))
        for other in others:
            shared = sorted(mine & set(_codes_list(getattr(other, field))))
            if shared:
                raise ApplicationError(
                    _("%(what)s %(codes)s already follows policy %(policy)s by default.")
                    % {"what": label, "codes": ", ".join(shared), "policy": other.code},
                    field=field,
                )


def _save_policy(*, actor, policy: DunningPolicy, was_default: bool) -> DunningPolicy:
    if not _CODE.match(policy.code):
        raise ApplicationError(
            _("A code is 1–32 capital letters, digits, “-” or “_”."), field="code"
        )
    if not policy.name.strip():
        raise ApplicationError(_("Give the policy a name."), field="name")
    policy.for_tiers = _clean_tiers(policy.for_tiers)
    policy.for_ratings = _clean_ratings(policy.for_ratings)
    if policy.is_default and not policy.is_active:
        raise ApplicationError(_("The default policy must be active."), field="is_active")
    if was_default and not policy.is_default:
        # Customers with no other match follow the default: there must always be one.
        raise ApplicationError(
            _("Make another policy the default instead: there must always be one."),
            field="is_default",
        )
    if not policy.is_active and policy.pk:
        overriding = CollectionProfile.objects.filter(policy=policy).count()
        if overriding:
            raise ApplicationError(
                _("%(count)s customers follow this policy on their collections profile.")
                % {"count": overriding},
                field="is_active",
            )
    _refuse_overlaps(policy=policy)
    if DunningPolicy.objects.filter(code=policy.code).exclude(pk=policy.pk).exists():
        raise ApplicationError(_("Another policy has this code."), field="code")
    if policy.is_default:
        # Lock the current default before handing its role over, so that two Finance users
        # promoting different policies at once cannot both win (the partial unique index would
        # refuse the second anyway; this makes it wait and then see the new state).
        for previous in (
            DunningPolicy.objects.select_for_update().filter(is_default=True).exclude(pk=policy.pk)
        ):
            previous.is_default = False
            _attribute(previous, actor).save(update_fields=["is_default"])
    try:
        with transaction.atomic():
            _attribute(policy, actor).save()
    except IntegrityError as error:
        raise ApplicationError(
            _("Another policy has this code or is the default."), field="code"
        ) from error
    return policy


@transaction.atomic
def policy_create(
    *,
    actor,
    code: str,
    name: str,
    description: str = "",
    is_default: bool = False,
    for_tiers: str = "",
    for_ratings: str = "",
    is_active: bool = True,
) -> DunningPolicy:
    """Create a dunning policy (no steps yet). Making it the default takes that role from the
    previous default; a tier or rating can be the default of one active policy only."""
    _require(actor, MANAGE_DUNNING)
    policy = DunningPolicy(
        code=(code or "").strip().upper(),
        name=(name or "").strip(),
        description=description or "",
        is_default=is_default,
        for_tiers=for_tiers or "",
        for_ratings=for_ratings or "",
        is_active=is_active,
    )
    return _save_policy(actor=actor, policy=policy, was_default=False)


@transaction.atomic
def policy_update(
    *,
    actor,
    policy: DunningPolicy,
    code: str,
    name: str,
    description: str = "",
    is_default: bool = False,
    for_tiers: str = "",
    for_ratings: str = "",
    is_active: bool = True,
) -> DunningPolicy:
    """Change a policy's name, code, default role and the tiers/ratings it is the default for.
    There is always exactly one default policy, and it is active; a policy customers follow by
    override cannot be deactivated."""
    _require(actor, MANAGE_DUNNING)
    policy = DunningPolicy.objects.select_for_update().get(pk=policy.pk)
    was_default = policy.is_default
    policy.code = (code or "").strip().upper()
    policy.name = (name or "").strip()
    policy.description = description or ""
    policy.is_default = is_default
    policy.for_tiers = for_tiers or ""
    policy.for_ratings = for_ratings or ""
    policy.is_active = is_active
    return _save_policy(actor=actor, policy=policy, was_default=was_default)


# --- steps ------------------------------------------------------------------------------------


def _check_step(step: DunningStep) -> None:
    if not step.name.strip():
        raise ApplicationError(_("Give the step a name."), field="name")
    if step.offset_days is None or not (
        EARLIEST_OFFSET_DAYS <= step.offset_days <= LATEST_OFFSET_DAYS
    ):
        raise ApplicationError(
            _("Days after the due date must be between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_OFFSET_DAYS, "latest": LATEST_OFFSET_DAYS},
            field="offset_days",
        )
    if step.channel not in DunningStep.Channel.values:
        raise ApplicationError(_("Choose a channel."), field="channel")
    if step.attachment not in DunningStep.Attachment.values:
        raise ApplicationError(_("Choose an attachment."), field="attachment")
    if step.attachment and step.channel not in _CHANNELS_WITH_ATTACHMENTS:
        raise ApplicationError(
            _("Only an e-mail or a letter can carry an attachment; a call or visit is a task."),
            field="attachment",
        )
    if step.escalates_to_legal and not step.requires_approval:
        # Handing a customer to a lawyer or agency takes it out of the cadence: a manager
        # decides that, never the calendar alone.
        raise ApplicationError(
            _("A step that escalates to legal must be approved by a manager."),
            field="requires_approval",
        )
    clash = (
        DunningStep.objects.filter(policy_id=step.policy_id, offset_days=step.offset_days)
        .exclude(pk=step.pk)
        .exists()
    )
    if clash:
        raise ApplicationError(_("The policy already has a step on this day."), field="offset_days")


@transaction.atomic
def step_create(
    *,
    actor,
    policy: DunningPolicy,
    name: str,
    offset_days: int,
    channel: str,
    attachment: str = "",
    requires_approval: bool = False,
    escalates_to_legal: bool = False,
) -> DunningStep:
    """Add a step to a policy (one step per offset day). It has no wording until templates are
    written for it; the run then falls back as docs/collections.md describes."""
    _require(actor, MANAGE_DUNNING)
    DunningPolicy.objects.select_for_update().get(pk=policy.pk)
    step = DunningStep(
        policy=policy,
        name=(name or "").strip(),
        offset_days=offset_days,
        channel=channel,
        attachment=attachment or "",
        requires_approval=requires_approval,
        escalates_to_legal=escalates_to_legal,
    )
    _check_step(step)
    _attribute(step, actor).save()
    return step


@transaction.atomic
def step_update(
    *,
    actor,
    step: DunningStep,
    name: str,
    offset_days: int,
    channel: str,
    attachment: str = "",
    requires_approval: bool = False,
    escalates_to_legal: bool = False,
) -> DunningStep:
    """Change a step. Installments that already reached it keep their notice (a step is sent
    at most once per installment, whatever its day becomes); the change applies to later runs."""
    _require(actor, MANAGE_DUNNING)
    DunningPolicy.objects.select_for_update().get(pk=step.policy_id)
    step = DunningStep.objects.select_for_update().get(pk=step.pk)
    step.name = (name or "").strip()
    step.offset_days = offset_days
    step.channel = channel
    step.attachment = attachment or ""
    step.requires_approval = requires_approval
    step.escalates_to_legal = escalates_to_legal
    _check_step(step)
    _attribute(step, actor).save()
    return step


@transaction.atomic
def step_delete(*, actor, step: DunningStep) -> None:
    """Delete a step and its templates. Refused once any installment reached it: its notices
    are the record that the step went out (and keep it from going out again)."""
    _require(actor, MANAGE_DUNNING)
    step = DunningStep.objects.select_for_update().get(pk=step.pk)
    if (
        DunningNotice.objects.filter(step=step).exists()
        or DunningMessage.objects.filter(step=step).exists()
    ):
        raise ApplicationError(
            _(
                "This step was already sent to customers; it cannot be deleted. Change its day or "
                "wording instead."
            ),
            field="step",
        )
    for template in step.templates.all():
        _attribute(template, actor).delete()
    _attribute(step, actor).delete()


# --- templates --------------------------------------------------------------------------------


def _render(*, subject: str, body: str, language: str, context: dict) -> tuple[str, str]:
    # The dunning run's own renderer: what compiles here is exactly what the run can send.
    from arcollections.messages import render_dunning_template

    return render_dunning_template(subject=subject, body=body, language=language, context=context)


def _check_template(*, subject: str, body: str, language: str) -> None:
    if language not in Customer.Language.values:
        raise ApplicationError(_("Choose a language."), field="language")
    if not subject.strip():
        raise ApplicationError(_("Write a subject."), field="subject")
    if "\n" in subject or "\r" in subject:
        raise ApplicationError(_("The subject is one line."), field="subject")
    if not body.strip():
        raise ApplicationError(_("Write the message."), field="body")
    # Compile and render against sample data: a syntax error, or a filter that fails on real
    # data, is refused now on the field at fault instead of failing in tonight's run.
    _render(subject=subject, body=body, language=language, context=sample_dunning_context(language))


@transaction.atomic
def template_save(
    *, actor, step: DunningStep, language: str, subject: str, body: str
) -> DunningTemplate:
    """Write a step's wording in one language (create or replace). Refused, naming the field,
    when the subject or body does not compile as a template."""
    _require(actor, MANAGE_DUNNING)
    subject = (subject or "").strip()
    body = (body or "").replace("\r\n", "\n")
    _check_template(subject=subject, body=body, language=language)
    DunningStep.objects.select_for_update().get(pk=step.pk)
    template = DunningTemplate.objects.filter(step=step, language=language).first()
    if template is None:
        template = DunningTemplate(step=step, language=language)
    template.subject = subject
    template.body = body
    _attribute(template, actor).save()
    return template


def template_preview(*, subject: str, body: str, language: str, context: dict) -> tuple[str, str]:
    """Render an unsaved subject and body (the editor's preview): nothing is written. Raises
    ApplicationError naming "subject" or "body" when one does not compile."""
    if language not in Customer.Language.values:
        raise ApplicationError(_("Choose a language."), field="language")
    return _render(
        subject=subject, body=body.replace("\r\n", "\n"), language=language, context=context
    )


# --- customer collections profile -------------------------------------------------------------


@transaction.atomic
def collection_profile_update(
    *,
    actor,
    customer: Customer,
    policy: DunningPolicy | None = None,
    do_not_contact: bool = False,
    do_not_contact_reason: str = "",
    legal_stage: str = "",
    legal_since: date | None = None,
    legal_agent: str = "",
    legal_amount: Decimal | None = None,
    legal_currency: str = "",
    legal_notes: str = "",
) -> CollectionProfile:
    """Set how collections treats `customer`: a policy overriding the default by rating/tier,
    do-not-contact (with its reason), and legal escalation (stage, date handed over, lawyer or
    agency, amount and currency). A customer that may not be contacted, or in a legal stage,
    leaves the automatic dunning cadence."""
    _require(actor, MANAGE_COLLECTION_PROFILE)
    do_not_contact_reason = (do_not_contact_reason or "").strip()
    legal_agent = (legal_agent or "").strip()
    legal_currency = legal_currency or ""
    if policy is not None and not policy.is_active:
        raise ApplicationError(_("This policy is not active."), field="policy")
    if do_not_contact and not do_not_contact_reason:
        raise ApplicationError(
            _("Say why the customer may not be contacted."), field="do_not_contact_reason"
        )
    if not do_not_contact:
        do_not_contact_reason = ""
    if legal_stage not in CollectionProfile.LegalStage.values:
        raise ApplicationError(_("Choose a legal stage."), field="legal_stage")
    if legal_stage:
        if legal_since is None:
            raise ApplicationError(
                _("Give the date the customer was handed over."), field="legal_since"
            )
        if not legal_agent:
            raise ApplicationError(_("Name the lawyer or agency."), field="legal_agent")
    if legal_amount is not None:
        if legal_amount < 0:
            raise ApplicationError(_("The amount cannot be negative."), field="legal_amount")
        if not legal_currency:
            raise ApplicationError(_("Give the amount's currency."), field="legal_currency")
    if legal_currency and legal_currency not in dict(CURRENCY_CHOICES):
        raise ApplicationError(_("Choose a currency."), field="legal_currency")

    profile = _lock_profile(customer=customer)
    profile.policy = policy
    profile.do_not_contact = do_not_contact
    profile.do_not_contact_reason = do_not_contact_reason
    profile.legal_stage = legal_stage
    profile.legal_since = legal_since
    profile.legal_agent = legal_agent
    profile.legal_amount = legal_amount
    profile.legal_currency = legal_currency if legal_amount is not None else ""
    profile.legal_notes = legal_notes or ""
    _attribute(profile, actor).save()
    return profile


def _lock_profile(*, customer: Customer) -> CollectionProfile:
    """The customer's profile row, locked; created (empty) first if it does not exist. The
    customer row is locked first so that two first edits cannot both create it."""
    Customer.objects.select_for_update().only("pk").get(pk=customer.pk)
    profile = CollectionProfile.objects.select_for_update().filter(customer=customer).first()
    if profile is None:
        profile = CollectionProfile(customer=customer)
    return profile


# --- the on-demand run ------------------------------------------------------------------------


def dunning_run_now(*, actor, run_date: date) -> dict:
    """Finance's "run dunning now": today's run (the same idempotent run as the nightly one, so
    pressing it twice sends nothing twice), then send what is queued. Returns both summaries."""
    from arcollections.services.dunning import dunning_run, dunning_send_queued

    _require(actor, MANAGE_DUNNING)
    run = dunning_run(run_date=run_date, actor=actor)
    sent = dunning_send_queued()
    return {"run": run, "sent": sent}
