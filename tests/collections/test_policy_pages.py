"""Dunning configuration pages through Django's test client: the policies list and a policy's
steps, creating and changing policies and steps (Finance only), and a step's template editor
with its preview (rendered Chinese text, errors on the field, nothing saved until "Save")."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone

from arcollections import urls_policies
from arcollections.models import (
    DunningMessage,
    DunningNotice,
    DunningPolicy,
    DunningStep,
    DunningTemplate,
)
from arcollections.services.policies import policy_create, step_create, template_save
from core.exceptions import ApplicationError
from receivables.models import Installment
from tests.collections.conftest import invoice_due, seed_policies
from tests.factories import CustomerFactory
from tests.pages import queries_to_render

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    """A browser asking for English (the default language is Simplified Chinese)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def standard(db) -> DunningPolicy:
    seed_policies()
    return DunningPolicy.objects.get(code="STANDARD")


@pytest.fixture
def courtesy_step(standard) -> DunningStep:
    return standard.steps.get(offset_days=-3)


def _errors(response) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for field, message in re.findall(
        r'data-field-error="([^"]+)">([^<]*)<', response.content.decode()
    ):
        found.setdefault(field, []).append(message)
    return found


def _policies_state():
    return list(
        DunningPolicy.objects.order_by("pk").values_list(
            "code", "name", "is_default", "for_tiers", "for_ratings", "is_active"
        )
    )


# --- access --------------------------------------------------------------------------------------

PAGE_NAMES = [p.name for p in urls_policies.urlpatterns if isinstance(p, URLPattern)]


def _url(name: str, pk: int) -> str:
    if name == "dunning-template-edit":
        return reverse(name, kwargs={"pk": pk, "language": "zh-hans"})
    if name == "dunning-message-attachment":
        return reverse(name, kwargs={"pk": pk, "index": 0})
    if name in ("dunning-policy-list", "dunning-policy-create", "dunning-message-list"):
        return reverse(name)
    if name in ("dunning-approval-list", "dunning-run-now"):
        return reverse(name)
    return reverse(name, kwargs={"pk": pk})


# Anonymous visitors: tests/core/test_page_access.py. Here an auditor POSTs with a real step.
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_an_auditor_changes_nothing_on_collections_pages(client, auditor_user, standard, name):
    step = standard.steps.order_by("offset_days").first()
    before = (_policies_state(), DunningStep.objects.count(), DunningTemplate.objects.count())
    client.force_login(auditor_user)

    response = client.post(_url(name, step.pk), data={"name": "x", "code": "X"})

    assert response.status_code in (403, 405), f"{name} answered {response.status_code}"
    assert before == (
        _policies_state(),
        DunningStep.objects.count(),
        DunningTemplate.objects.count(),
    )


@pytest.mark.parametrize("user", ["sales_user", "manager_user", "auditor_user"])
def test_only_finance_edits_policies(client, request, standard, courtesy_step, user):
    client.force_login(request.getfixturevalue(user))

    for url in (
        reverse("dunning-policy-create"),
        reverse("dunning-policy-edit", args=[standard.pk]),
        reverse("dunning-step-create", args=[standard.pk]),
        reverse("dunning-step-edit", args=[courtesy_step.pk]),
        reverse("dunning-template-edit", args=[courtesy_step.pk, "zh-hans"]),
    ):
        assert client.get(url).status_code == 403, url


def test_every_role_that_views_reads_the_policies(client, sales_user, standard):
    client.force_login(sales_user)

    listing = client.get(reverse("dunning-policy-list"))
    detail = client.get(reverse("dunning-policy-detail", args=[standard.pk]))

    assert listing.status_code == detail.status_code == 200
    assert re.findall(r'data-policy="([^"]+)"', listing.content.decode()) == [
        "STANDARD",
        "KEY",
        "STRICT",
    ]
    assert re.findall(r'data-step="(-?\d+)"', detail.content.decode()) == [
        "-3",
        "1",
        "7",
        "15",
        "30",
        "60",
        "90",
    ]
    # A sales rep sees no edit buttons.
    assert reverse("dunning-policy-edit", args=[standard.pk]) not in detail.content.decode()


def test_policy_pages_cost_the_same_queries_whatever_the_number_of_policies(
    client, finance_user, standard
):
    client.force_login(finance_user)
    list_url = reverse("dunning-policy-list")
    detail_url = reverse("dunning-policy-detail", args=[standard.pk])
    queries_to_render(client, list_url)  # warm the session and role caches
    small = (queries_to_render(client, list_url), queries_to_render(client, detail_url))
    for n in range(4):
        policy = policy_create(actor=finance_user, code=f"EXTRA{n}", name=f"Extra {n}")
        step_create(actor=finance_user, policy=policy, name="e", offset_days=5, channel="email")
    for n in range(3):
        step = step_create(
            actor=finance_user, policy=standard, name=f"s{n}", offset_days=40 + n, channel="call"
        )
        template_save(actor=finance_user, step=step, language="en", subject="S", body="B")

    large = (queries_to_render(client, list_url), queries_to_render(client, detail_url))

    assert large == small


# --- policies ------------------------------------------------------------------------------------


def test_finance_creates_a_policy_attributed_to_them(client, finance_user, standard):
    client.force_login(finance_user)

    response = client.post(
        reverse("dunning-policy-create"),
        {
            "code": "export",
            "name": "Export customers",
            "description": "",
            "for_tiers": "",
            "for_ratings": "bb, b",
            "is_active": "on",
        },
    )

    policy = DunningPolicy.objects.get(code="EXPORT")
    assert response.status_code == 302
    assert response.url == reverse("dunning-policy-detail", args=[policy.pk])
    assert (policy.name, policy.for_ratings, policy.is_default, policy.is_active) == (
        "Export customers",
        "BB,B",
        False,
        True,
    )
    assert policy.history.get().history_user == finance_user


def test_a_new_default_policy_takes_the_role_from_the_old_one(client, finance_user, standard):
    client.force_login(finance_user)

    client.post(
        reverse("dunning-policy-create"),
        {"code": "NEWDEF", "name": "New default", "is_default": "on", "is_active": "on"},
    )

    assert list(DunningPolicy.objects.filter(is_default=True).values_list("code", flat=True)) == [
        "NEWDEF"
    ]
    standard.refresh_from_db()
    assert standard.history.first().history_user == finance_user


def test_the_default_policy_cannot_simply_stop_being_the_default(client, finance_user, standard):
    client.force_login(finance_user)
    before = _policies_state()

    response = client.post(
        reverse("dunning-policy-edit", args=[standard.pk]),
        {"code": "STANDARD", "name": standard.name, "is_active": "on"},
    )

    assert response.status_code == 400
    assert _errors(response) == {
        "is_default": ["Make another policy the default instead: there must always be one."]
    }
    assert _policies_state() == before


def test_a_rating_can_be_the_default_of_one_active_policy_only(client, finance_user, standard):
    client.force_login(finance_user)
    before = _policies_state()

    response = client.post(
        reverse("dunning-policy-create"),
        {"code": "HARSH", "name": "Harsh", "for_ratings": "B, CC", "is_active": "on"},
    )

    assert response.status_code == 400
    assert _errors(response) == {
        "for_ratings": ["Rating CC already follows policy STRICT by default."]
    }
    assert _policies_state() == before


def test_unknown_tiers_and_ratings_are_refused_on_their_field(finance_user, standard):
    with pytest.raises(ApplicationError) as tier_error:
        policy_create(actor=finance_user, code="T", name="T", for_tiers="A,Z")
    with pytest.raises(ApplicationError) as rating_error:
        policy_create(actor=finance_user, code="R", name="R", for_ratings="AAAA")

    assert (tier_error.value.field, rating_error.value.field) == ("for_tiers", "for_ratings")
    assert not DunningPolicy.objects.filter(code__in=["T", "R"]).exists()


# --- steps ---------------------------------------------------------------------------------------


def test_finance_adds_a_step(client, finance_user, standard):
    client.force_login(finance_user)

    response = client.post(
        reverse("dunning-step-create", args=[standard.pk]),
        {
            "name": "Second call",
            "offset_days": "45",
            "channel": "call",
            "attachment": "",
        },
    )

    assert response.status_code == 302
    step = standard.steps.get(offset_days=45)
    assert (step.name, step.channel, step.attachment, step.requires_approval) == (
        "Second call",
        "call",
        "",
        False,
    )
    assert step.history.get().history_user == finance_user


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"name": "Again", "offset_days": "7", "channel": "email"},
            {"offset_days": ["The policy already has a step on this day."]},
        ),
        (
            {"name": "Call", "offset_days": "20", "channel": "call", "attachment": "statement"},
            {
                "attachment": [
                    "Only an e-mail or a letter can carry an attachment; a call or visit is a task."
                ]
            },
        ),
        (
            {
                "name": "Lawyer",
                "offset_days": "120",
                "channel": "letter",
                "escalates_to_legal": "on",
            },
            {
                "requires_approval": [
                    "A step that escalates to legal must be approved by a manager."
                ]
            },
        ),
        (
            {"name": "Too early", "offset_days": "-61", "channel": "email"},
            {"offset_days": ["Days after the due date must be between -60 and 730."]},
        ),
    ],
)
def test_invalid_steps_are_refused_on_their_field(client, finance_user, standard, data, errors):
    client.force_login(finance_user)
    before = DunningStep.objects.count()

    response = client.post(reverse("dunning-step-create", args=[standard.pk]), data)

    assert response.status_code == 400
    assert _errors(response) == errors
    assert DunningStep.objects.count() == before


def test_a_step_nobody_received_is_deleted_with_its_templates(client, finance_user, standard):
    step = step_create(
        actor=finance_user, policy=standard, name="x", offset_days=3, channel="email"
    )
    template_save(actor=finance_user, step=step, language="en", subject="S", body="B")
    client.force_login(finance_user)

    response = client.post(reverse("dunning-step-delete", args=[step.pk]))

    assert response.status_code == 302
    assert not DunningStep.objects.filter(pk=step.pk).exists()
    assert not DunningTemplate.objects.filter(step_id=step.pk).exists()
    assert step.history.first().history_type == "-"
    assert step.history.first().history_user == finance_user


def test_a_step_already_sent_cannot_be_deleted(client, finance_user, standard, customer):
    step = standard.steps.get(offset_days=1)
    invoice = invoice_due(customer, actor=finance_user, due=timezone.localdate() - timedelta(2))
    installment = Installment.objects.get(invoice=invoice)
    message = DunningMessage.objects.create(
        customer=customer,
        step=step,
        run_date=timezone.localdate(),
        channel="email",
        status="sent",
        language="zh-hans",
    )
    DunningNotice.objects.create(
        installment=installment,
        step=step,
        message=message,
        open_amount=Decimal("1000.00"),
        days_overdue=2,
    )
    client.force_login(finance_user)

    response = client.post(reverse("dunning-step-delete", args=[step.pk]), follow=True)

    assert DunningStep.objects.filter(pk=step.pk).exists()
    assert step.templates.count() == 2
    assert "This step was already sent to customers; it cannot be deleted." in (
        response.content.decode()
    )


# --- templates and preview -----------------------------------------------------------------------

ZH_SUBJECT = "付款提醒：{{ customer_name }}"
ZH_BODY = (
    "尊敬的{{ contact_name }}：\n截至{{ as_of }}，贵司逾期金额合计 {{ total_overdue }}"
    "{% for item in open_items %}\n· 发票 {{ item.invoice_number }} 未付 {{ item.open_amount }}"
    "，已逾期 {{ item.days_overdue }} 天{% endfor %}\n请于{{ pay_by }}前支付。"
)


def _template_url(step, language="zh-hans"):
    return reverse("dunning-template-edit", args=[step.pk, language])


def test_the_editor_shows_the_saved_template(client, finance_user, courtesy_step):
    saved = courtesy_step.templates.get(language="zh-hans")
    client.force_login(finance_user)

    response = client.get(_template_url(courtesy_step))

    assert response.status_code == 200
    assert response.context["form"]["subject"].value() == saved.subject
    assert "data-preview-body" not in response.content.decode()


def test_preview_with_sample_data_renders_chinese_and_saves_nothing(
    client, finance_user, courtesy_step
):
    saved = courtesy_step.templates.get(language="zh-hans")
    before = (saved.subject, saved.body, saved.history.count())
    client.force_login(finance_user)

    response = client.post(
        _template_url(courtesy_step),
        {"subject": ZH_SUBJECT, "body": ZH_BODY, "sample_customer": "", "preview": "1"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    subject = re.search(r"data-preview-subject>([^<]*)<", page)[1]
    body = re.search(r"data-preview-body>(.*?)</pre>", page, re.S)[1]
    assert subject == "付款提醒：示例贸易有限公司"
    # Sample data: 12,000.00 overdue 35 days and 3,500.00 overdue 8 days.
    assert "尊敬的王经理：" in body
    assert "贵司逾期金额合计 ¥15,500.00" in body
    assert "· 发票 INV-2026-00012 未付 ¥12,000.00，已逾期 35 天" in body
    assert "· 发票 INV-2026-00047 未付 ¥3,500.00，已逾期 8 天" in body
    saved.refresh_from_db()
    assert (saved.subject, saved.body, saved.history.count()) == before


def test_preview_for_a_chosen_customer_shows_its_open_items(client, finance_user, courtesy_step):
    customer = CustomerFactory(legal_name="杭州西湖机械有限公司", code="HZ001", language="zh-hans")
    due = timezone.localdate() + timedelta(days=2)
    invoice = invoice_due(customer, actor=finance_user, due=due, amount=Decimal("8888.50"))
    client.force_login(finance_user)

    response = client.post(
        _template_url(courtesy_step),
        {"subject": ZH_SUBJECT, "body": ZH_BODY, "sample_customer": "hz001", "preview": "1"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"data-preview-subject>([^<]*)<", page)[1] == "付款提醒：杭州西湖机械有限公司"
    assert f"· 发票 {invoice.number} 未付 ¥8,888.50，已逾期 0 天" in page
    assert DunningTemplate.objects.get(step=courtesy_step, language="zh-hans").subject != (
        ZH_SUBJECT
    )


@pytest.mark.parametrize(
    ("subject", "body", "field"),
    [
        (ZH_SUBJECT, "尊敬的{{ contact_name }：{% for item in open_items %}", "body"),
        ("{% if %}提醒", ZH_BODY, "subject"),
        # Compiles, but fails on the data: a dict item cannot be unpacked into two names.
        (ZH_SUBJECT, "{% for number, amount in open_items %}{{ number }}{% endfor %}", "body"),
    ],
)
def test_a_template_that_does_not_compile_is_shown_on_its_field(
    client, finance_user, courtesy_step, subject, body, field
):
    client.force_login(finance_user)
    saved = courtesy_step.templates.get(language="zh-hans")
    before = (saved.subject, saved.body)

    preview = client.post(
        _template_url(courtesy_step), {"subject": subject, "body": body, "preview": "1"}
    )
    save = client.post(_template_url(courtesy_step), {"subject": subject, "body": body})

    for response in (preview, save):
        assert response.status_code == 400
        assert list(_errors(response)) == [field]
        assert "data-preview-body" not in response.content.decode()
    saved.refresh_from_db()
    assert (saved.subject, saved.body) == before


def test_save_replaces_the_template_attributed_to_finance(client, finance_user, courtesy_step):
    client.force_login(finance_user)

    response = client.post(
        _template_url(courtesy_step), {"subject": ZH_SUBJECT, "body": ZH_BODY, "save": "1"}
    )

    assert response.status_code == 302
    saved = DunningTemplate.objects.get(step=courtesy_step, language="zh-hans")
    assert (saved.subject, saved.body) == (ZH_SUBJECT, ZH_BODY)
    assert saved.history.first().history_user == finance_user


def test_a_missing_language_is_written_from_the_editor(client, finance_user, standard):
    step = step_create(
        actor=finance_user, policy=standard, name="n", offset_days=3, channel="email"
    )
    client.force_login(finance_user)

    client.post(
        _template_url(step, "en"),
        {"subject": "Reminder {{ customer_code }}", "body": "Dear {{ contact_name }},"},
    )

    assert list(step.templates.values_list("language", "subject")) == [
        ("en", "Reminder {{ customer_code }}")
    ]


def test_an_unknown_language_is_not_found(client, finance_user, courtesy_step):
    client.force_login(finance_user)

    assert client.get(_template_url(courtesy_step, "fr")).status_code == 404
