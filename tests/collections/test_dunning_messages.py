"""Rendering a step's template over the customer's data, in the customer's language."""

from datetime import date
from decimal import Decimal

import pytest

from arcollections.messages import dunning_context, render_dunning_template
from arcollections.models import DunningTemplate
from core.exceptions import ApplicationError
from receivables.models import Installment
from tests.collections.conftest import dunned_customer, invoice_due
from tests.factories import PaymentTermsFactory

pytestmark = pytest.mark.django_db


def _installments(customer):
    return list(
        Installment.objects.filter(customer=customer).select_related("invoice__payment_terms")
    )


def test_the_context_has_the_items_totals_interest_and_bank_details(finance_user):
    customer = dunned_customer()
    terms = PaymentTermsFactory(
        code="NET30-INT", name="Net 30, 0.1%/day", net_days=30, late_interest_daily_rate="0.001"
    )
    first = invoice_due(
        customer, actor=finance_user, due=date(2026, 3, 1), amount=Decimal("12345.60"), terms=terms
    )
    second = invoice_due(customer, actor=finance_user, due=date(2026, 3, 20), amount=Decimal("800"))

    context = dunning_context(
        customer=customer,
        installments=_installments(customer),
        as_of=date(2026, 3, 13),
        language="zh-hans",
        contact_name="王经理",
    )

    assert context["open_items"] == [
        {
            "reference": f"{first.number}/1",
            "invoice_number": first.number,
            "due_date": "2026年3月1日",
            "open_amount": "¥12,345.60",
            "days_overdue": 12,
            # 12,345.60 × 0.001 × 12 = 148.1472
            "late_interest": "¥148.15",
            "currency": "CNY",
        },
        {
            "reference": f"{second.number}/1",
            "invoice_number": second.number,
            "due_date": "2026年3月20日",
            "open_amount": "¥800.00",
            "days_overdue": 0,
            "late_interest": "¥0.00",
            "currency": "CNY",
        },
    ]
    assert context["total_open"] == "¥13,145.60"
    assert context["total_overdue"] == "¥12,345.60"
    assert context["late_interest_total"] == "¥148.15"
    assert context["max_days_overdue"] == 12
    assert context["pay_by"] == "2026年3月23日"
    assert (context["customer_name"], context["contact_name"]) == (customer.legal_name, "王经理")
    assert context["bank_account_number"] == "1219 0000 0000 0000"


def test_english_dates_and_a_pay_by_date_rolled_past_a_holiday(finance_user):
    customer = dunned_customer(language="en")
    invoice_due(customer, actor=finance_user, due=date(2026, 9, 1))

    context = dunning_context(
        customer=customer,
        installments=_installments(customer),
        as_of=date(2026, 9, 25),
        language="en",
    )

    # 09-25 + 10 days is 10-05, in the National Day week: the first working day is 10-08.
    assert context["pay_by"] == "Oct. 8, 2026"
    assert context["open_items"][0]["due_date"] == "Sept. 1, 2026"
    assert context["contact_name"] == customer.legal_name


def test_a_seeded_template_renders_in_chinese(standard_policy, finance_user):
    customer = dunned_customer()
    invoice = invoice_due(customer, actor=finance_user, due=date(2026, 3, 12))
    template = DunningTemplate.objects.get(
        step__policy=standard_policy, step__offset_days=1, language="zh-hans"
    )
    context = dunning_context(
        customer=customer,
        installments=_installments(customer),
        as_of=date(2026, 3, 13),
        language="zh-hans",
        contact_name="王经理",
    )

    subject, body = render_dunning_template(
        subject=template.subject, body=template.body, language="zh-hans", context=context
    )

    assert subject == f"逾期付款提醒：贵司款项已逾期（{customer.code}）"
    assert body.startswith("尊敬的王经理：\n")
    assert (
        f"  · 发票 {invoice.number}/1，到期日 2026年3月12日，未付金额 ¥1,000.00，已逾期 1 天\n"
        in body
    )
    assert "逾期合计：¥1,000.00" in body
    assert "请于2026年3月23日前支付上述款项。" in body
    assert "如已付款，请忽略本通知" in body


def test_text_is_not_html_escaped():
    subject, body = render_dunning_template(
        subject="{{ name }}", body="{{ name }} & co", language="en", context={"name": "A<B>"}
    )
    assert (subject, body) == ("A<B>", "A<B> & co\n")


@pytest.mark.parametrize(
    ("subject", "body", "field"),
    [
        ("Reminder {{ customer_name|no_such_filter }}", "ok", "subject"),
        ("ok", "{% for item in open_items %}no end", "body"),
        ("ok", "{% load no_such_library %}", "body"),
        ("ok", "{{ total|date:'Y' }}{% url 'nowhere' %}", "body"),
    ],
)
def test_a_broken_template_names_the_field(subject, body, field):
    with pytest.raises(ApplicationError) as raised:
        render_dunning_template(subject=subject, body=body, language="zh-hans", context={})
    assert raised.value.field == field
