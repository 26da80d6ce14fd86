"""Dunning configuration pages: the policies, one policy with its steps, step forms, and a
step's template per language with a preview. Everyone who may read the ledger may read the
configuration; Finance changes it. Each POST makes one service call; a refusal comes back on the
field it names with status 400."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import capability_required, viewer_required
from arcollections.forms.policies import PolicyForm, StepForm, TemplateForm
from arcollections.models import DunningPolicy, DunningStep
from arcollections.selectors import policies as selectors
from arcollections.selectors.policies import MANAGE_DUNNING
from arcollections.services import policies as services
from core.exceptions import ApplicationError, PermissionDeniedError
from core.forms import add_application_error
from customers.models import Customer

INVALID = 400


def _policy(pk) -> DunningPolicy:
    try:
        return selectors.policy_with_steps(pk=pk)
    except DunningPolicy.DoesNotExist as missing:
        raise Http404 from missing


def _step(pk) -> DunningStep:
    try:
        return selectors.step_with_policy(pk=pk)
    except DunningStep.DoesNotExist as missing:
        raise Http404 from missing


@viewer_required
def policy_list(request):
    return render(
        request, "collections/policies/list.html", {"policies": selectors.policies_for_list()}
    )


@viewer_required
def policy_detail(request, pk):
    policy = _policy(pk)
    languages = Customer.Language.choices
    rows = []
    for step in policy.steps.all():
        written = {template.language: template for template in step.templates.all()}
        rows.append(
            {
                "step": step,
                "templates": [(code, label, written.get(code)) for code, label in languages],
            }
        )
    return render(request, "collections/policies/detail.html", {"policy": policy, "rows": rows})


def _save_policy(request, *, policy: DunningPolicy | None):
    initial = PolicyForm.initial_for(policy) if policy else None
    form = PolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if policy is None:
                policy = services.policy_create(actor=request.user, **form.cleaned_data)
            else:
                policy = services.policy_update(
                    actor=request.user, policy=policy, **form.cleaned_data
                )
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Policy %(code)s saved.") % {"code": policy.code})
            return redirect("dunning-policy-detail", pk=policy.pk)
    return render(
        request,
        "collections/policies/policy_form.html",
        {"form": form, "policy": policy},
        status=INVALID if form.errors else 200,
    )


@capability_required(MANAGE_DUNNING)
def policy_create(request):
    return _save_policy(request, policy=None)


@capability_required(MANAGE_DUNNING)
def policy_edit(request, pk):
    return _save_policy(request, policy=_policy(pk))


def _save_step(request, *, policy: DunningPolicy, step: DunningStep | None):
    initial = StepForm.initial_for(step) if step else None
    form = StepForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if step is None:
                step = services.step_create(actor=request.user, policy=policy, **form.cleaned_data)
            else:
                step = services.step_update(actor=request.user, step=step, **form.cleaned_data)
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Step “%(name)s” saved.") % {"name": step.name})
            return redirect("dunning-policy-detail", pk=policy.pk)
    return render(
        request,
        "collections/policies/step_form.html",
        {"form": form, "policy": policy, "step": step},
        status=INVALID if form.errors else 200,
    )


@capability_required(MANAGE_DUNNING)
def step_create(request, pk):
    return _save_step(request, policy=_policy(pk), step=None)


@capability_required(MANAGE_DUNNING)
def step_edit(request, pk):
    step = _step(pk)
    return _save_step(request, policy=step.policy, step=step)


@capability_required(MANAGE_DUNNING)
@require_POST
def step_delete(request, pk):
    step = _step(pk)
    try:
        services.step_delete(actor=request.user, step=step)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Step “%(name)s” deleted.") % {"name": step.name})
    return redirect("dunning-policy-detail", pk=step.policy_id)


def _preview(request, *, form: TemplateForm, step: DunningStep, language: str) -> dict | None:
    """Render the form's unsaved subject and body for its sample customer (or sample data);
    None, with the error put on the field at fault, when they do not compile."""
    from arcollections.messages import dunning_context

    customer = form.cleaned_data.get("sample_customer")
    as_of = timezone.localdate()
    if customer is None:
        context = selectors.sample_dunning_context(language, as_of=as_of)
        context["step_name"] = step.name
    else:
        installments = selectors.preview_installments(
            user=request.user, customer=customer, step=step, as_of=as_of
        )
        context = dunning_context(
            customer=customer,
            installments=installments,
            as_of=as_of,
            language=language,
            contact_name=selectors.reminder_contact_name(customer),
            step_name=step.name,
            demand=step.attachment == DunningStep.Attachment.DEMAND_LETTER,
        )
    try:
        subject, body = services.template_preview(
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            language=language,
            context=context,
        )
    except ApplicationError as error:
        add_application_error(form, error)
        return None
    return {"subject": subject, "body": body, "customer": customer}


@capability_required(MANAGE_DUNNING)
def template_edit(request, pk, language):
    """A step's wording in one language. "Preview" renders what is in the form without saving
    anything; "Save" validates by compiling and saves."""
    step = _step(pk)
    if language not in Customer.Language.values:
        raise Http404
    template = selectors.step_template(step=step, language=language)
    initial = {"subject": template.subject, "body": template.body} if template else None
    form = TemplateForm(request.POST or None, initial=initial, user=request.user)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = _preview(request, form=form, step=step, language=language)
        else:
            try:
                services.template_save(
                    actor=request.user,
                    step=step,
                    language=language,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                )
            except PermissionDeniedError as error:
                raise PermissionDenied(error.message) from error
            except ApplicationError as error:
                add_application_error(form, error)
            else:
                messages.success(
                    request,
                    _("Template of “%(step)s” (%(language)s) saved.")
                    % {"step": step.name, "language": dict(Customer.Language.choices)[language]},
                )
                return redirect("dunning-policy-detail", pk=step.policy_id)
    context = {
        "form": form,
        "step": step,
        "policy": step.policy,
        "language": language,
        "language_label": dict(Customer.Language.choices)[language],
        "template": template,
        "preview": preview,
        "variables": selectors.TEMPLATE_VARIABLES,
    }
    return render(
        request,
        "collections/policies/template_form.html",
        context,
        status=INVALID if form.errors else 200,
    )
