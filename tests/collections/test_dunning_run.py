"""The daily dunning run: which step each installment reaches, one message per customer and
channel, pauses, rest days, idempotency and recovery after a failure midway."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from arcollections.models import (
    CollectionProfile,
    DunningMessage,
    DunningNotice,
    DunningRun,
    DunningTemplate,
    PromiseToPay,
)
from arcollections.services.dunning import dunning_run
from receivables.models import Dispute
from receivables.services import dispute_open, dispute_resolve, payment_allocate_auto
from tests.collections.conftest import dunned_customer, invoice_due
from tests.factories import CustomerFactory, recorded_payment

pytestmark = pytest.mark.django_db

# Thursday 2026-03-12; −3 (Mon 03-09), +1 (Fri 03-13), +7 (Thu 03-19), +15 (Fri 03-27) and
# +60 (Mon 05-11) are working days; +30 (Sat 04-11) is not: the Monday after sends it.
DUE = date(2026, 3, 12)


def _offsets(messages):
    return [message.step.offset_days for message in messages]


def _notices(installment):
    return sorted(
        DunningNotice.objects.filter(installment=installment).values_list(
            "step__offset_days", "message__run_date"
        )
    )


@pytest.mark.parametrize(
    ("run_date", "offset", "channel", "status", "noticed"),
    [
        (date(2026, 3, 9), -3, "email", "queued", [-3]),
        (date(2026, 3, 13), 1, "email", "queued", [-3, 1]),
        (date(2026, 3, 19), 7, "email", "queued", [-3, 1, 7]),
        (date(2026, 3, 27), 15, "call", "open_task", [-3, 1, 7, 15]),
        (date(2026, 4, 13), 30, "email", "queued", [-3, 1, 7, 15, 30]),
        (date(2026, 5, 11), 60, "email", "pending_approval", [-3, 1, 7, 15, 30, 60]),
        (date(2026, 6, 10), 90, "letter", "pending_approval", [-3, 1, 7, 15, 30, 60, 90]),
    ],
)
def test_the_most_advanced_step_reached_is_sent_and_earlier_ones_superseded(
    standard_policy, finance_user, sales_user, run_date, offset, channel, status, noticed
):
    customer = dunned_customer(owner=sales_user)
    invoice = invoice_due(customer, actor=finance_user, due=DUE)
    installment = invoice.installments.get()

    summary = dunning_run(run_date=run_date)

    message = DunningMessage.objects.get()
    assert (message.step.offset_days, message.channel, message.status) == (offset, channel, status)
    assert message.run_date == run_date
    assert message.customer == customer
    assert _notices(installment) == [(step, run_date) for step in noticed]
    assert (summary.customers, summary.messages, summary.notices) == (1, 1, len(noticed))
    assert summary.superseded == len(noticed) - 1
    notice = DunningNotice.objects.get(installment=installment, step=message.step)
    assert notice.open_amount == Decimal("1000.00")
    assert notice.days_overdue == (run_date - DUE).days
    if channel != "email":
        assert message.assigned_to == sales_user


def test_nothing_before_the_first_step(standard_policy, finance_user):
    invoice_due(dunned_customer(), actor=finance_user, due=DUE)

    summary = dunning_run(run_date=date(2026, 3, 6))

    assert (summary.business_day, summary.messages, summary.notices) == (True, 0, 0)
    assert not DunningMessage.objects.exists()
    assert DunningRun.objects.get().notices_created == 0


def test_a_daily_cadence_sends_each_step_once(standard_policy, finance_user):
    invoice = invoice_due(dunned_customer(), actor=finance_user, due=DUE)
    day = date(2026, 3, 1)
    while day <= date(2026, 4, 30):
        dunning_run(run_date=day)
        day += timedelta(days=1)

    messages = DunningMessage.objects.order_by("run_date")
    assert [(m.run_date, m.step.offset_days) for m in messages] == [
        (date(2026, 3, 9), -3),
        (date(2026, 3, 13), 1),
        (date(2026, 3, 19), 7),
        (date(2026, 3, 27), 15),
        # Due on Saturday 04-11: the next working day sends it.
        (date(2026, 4, 13), 30),
    ]
    assert _notices(invoice.installments.get()) == [
        (-3, date(2026, 3, 9)),
        (1, date(2026, 3, 13)),
        (7, date(2026, 3, 19)),
        (15, date(2026, 3, 27)),
        (30, date(2026, 4, 13)),
    ]


def test_two_invoices_of_a_customer_make_one_email(standard_policy, finance_user):
    customer = dunned_customer()
    first = invoice_due(customer, actor=finance_user, due=DUE, amount=Decimal("1000.00"))
    second = invoice_due(
        customer, actor=finance_user, due=DUE - timedelta(days=6), amount=Decimal("2500.50")
    )

    dunning_run(run_date=date(2026, 3, 13))

    message = DunningMessage.objects.get()
    # The second invoice is 7 days late, the first 1: the more advanced step words the e-mail.
    assert message.step.offset_days == 7
    assert message.recipients == customer.contacts.get().email
    assert first.number in message.body and second.number in message.body
    assert "逾期合计：¥3,500.50" in message.body
    assert message.notices.count() == 2 + 3  # first: −3, +1; second: −3, +1, +7
    assert _notices(first.installments.get()) == [(-3, message.run_date), (1, message.run_date)]


def test_an_email_step_and_a_call_step_the_same_day_make_two_messages(
    standard_policy, finance_user
):
    customer = dunned_customer()
    invoice_due(customer, actor=finance_user, due=date(2026, 3, 12))
    invoice_due(customer, actor=finance_user, due=date(2026, 3, 4))

    dunning_run(run_date=date(2026, 3, 19))

    assert sorted(DunningMessage.objects.values_list("channel", "step__offset_days")) == [
        ("call", 15),
        ("email", 7),
    ]


def test_a_disputed_invoice_is_paused_until_the_dispute_is_resolved(standard_policy, finance_user):
    customer = dunned_customer()
    invoice = invoice_due(customer, actor=finance_user, due=DUE)
    installment = invoice.installments.get()
    dispute = dispute_open(
        actor=finance_user,
        customer=customer,
        source=Dispute.Source.INTERNAL,
        currency="CNY",
        opened_on=date(2026, 3, 1),
        installments=[installment],
    )

    summary = dunning_run(run_date=date(2026, 3, 19))

    assert (summary.messages, summary.notices) == (0, 0)
    assert not DunningNotice.objects.exists()

    dispute_resolve(
        actor=finance_user, dispute=dispute, resolution_kind="rejected", resolution="Price agreed."
    )
    dunning_run(run_date=date(2026, 3, 20))

    message = DunningMessage.objects.get()
    assert (message.run_date, message.step.offset_days) == (date(2026, 3, 20), 7)


def _promise(customer, *, promised_date, installments=(), status=PromiseToPay.Status.OPEN):
    promise = PromiseToPay.objects.create(
        customer=customer,
        amount=Decimal("1000.00"),
        currency="CNY",
        promised_on=date(2026, 3, 10),
        promised_date=promised_date,
        status=status,
        settled_on=None if status == PromiseToPay.Status.OPEN else promised_date,
    )
    promise.installments.set(installments)
    return promise


def test_an_open_promise_pauses_until_its_date_passes(standard_policy, finance_user):
    customer = dunned_customer()
    invoice_due(customer, actor=finance_user, due=DUE)
    _promise(customer, promised_date=date(2026, 3, 20))

    dunning_run(run_date=date(2026, 3, 19))
    dunning_run(run_date=date(2026, 3, 20))
    assert not DunningMessage.objects.exists()

    dunning_run(run_date=date(2026, 3, 23))

    message = DunningMessage.objects.get()
    assert (message.run_date, message.step.offset_days) == (date(2026, 3, 23), 7)


def test_a_broken_promise_no_longer_pauses(standard_policy, finance_user):
    customer = dunned_customer()
    invoice_due(customer, actor=finance_user, due=DUE)
    _promise(customer, promised_date=date(2026, 3, 18), status=PromiseToPay.Status.BROKEN)

    dunning_run(run_date=date(2026, 3, 13))

    assert DunningMessage.objects.get().step.offset_days == 1


def test_a_promise_naming_installments_pauses_only_those(standard_policy, finance_user):
    customer = dunned_customer()
    promised = invoice_due(customer, actor=finance_user, due=DUE)
    other = invoice_due(customer, actor=finance_user, due=DUE)
    _promise(customer, promised_date=date(2026, 3, 31), installments=[promised.installments.get()])

    dunning_run(run_date=date(2026, 3, 13))

    message = DunningMessage.objects.get()
    assert other.number in message.body
    assert promised.number not in message.body
    assert not DunningNotice.objects.filter(installment__invoice=promised).exists()


@pytest.mark.parametrize(
    "profile",
    [
        {"do_not_contact": True, "do_not_contact_reason": "总经理要求暂停催收"},
        {"legal_stage": "litigation", "legal_since": date(2026, 3, 1)},
    ],
)
def test_do_not_contact_and_legal_stage_leave_the_cadence(standard_policy, finance_user, profile):
    customer = dunned_customer()
    invoice_due(customer, actor=finance_user, due=DUE)
    CollectionProfile.objects.create(customer=customer, **profile)

    summary = dunning_run(run_date=date(2026, 3, 13))

    assert (summary.messages, summary.notices) == (0, 0)
    assert not DunningMessage.objects.exists()


def test_archived_customers_get_nothing(standard_policy, finance_user):
    customer = dunned_customer()
    invoice_due(customer, actor=finance_user, due=DUE)
    customer.is_archived = True
    customer.save(update_fields=["is_archived"])

    dunning_run(run_date=date(2026, 3, 13))

    assert not DunningMessage.objects.exists()


def test_a_paid_installment_gets_nothing(standard_policy, finance_user):
    customer = dunned_customer()
    invoice_due(customer, actor=finance_user, due=DUE)
    payment = recorded_payment(
        customer, actor=finance_user, amount=Decimal("1000.00"), received_on=date(2026, 3, 10)
    )
    payment_allocate_auto(actor=finance_user, payment=payment)

    dunning_run(run_date=date(2026, 3, 13))

    assert not DunningMessage.objects.exists()


def test_a_rest_day_writes_nothing_and_the_next_working_day_catches_up(
    standard_policy, finance_user
):
    customer = dunned_customer()
    invoice = invoice_due(customer, actor=finance_user, due=date(2026, 10, 1))
    installment = invoice.installments.get()
    dunning_run(run_date=date(2026, 9, 28))  # Monday: −3

    # National Day week (10-01 … 10-07) and no run creates anything, not even the run record.
    for day in range(1, 8):
        summary = dunning_run(run_date=date(2026, 10, day))
        assert summary.business_day is False
        assert (summary.messages, summary.notices) == (0, 0)
    assert list(DunningRun.objects.values_list("run_date", flat=True)) == [date(2026, 9, 28)]

    dunning_run(run_date=date(2026, 10, 8))

    assert _notices(installment) == [
        (-3, date(2026, 9, 28)),
        (1, date(2026, 10, 8)),
        (7, date(2026, 10, 8)),
    ]
    latest = DunningMessage.objects.get(run_date=date(2026, 10, 8))
    assert latest.step.offset_days == 7


def test_a_make_up_working_saturday_runs(standard_policy, finance_user):
    invoice_due(dunned_customer(), actor=finance_user, due=date(2026, 10, 9))

    summary = dunning_run(run_date=date(2026, 10, 10))  # Saturday, a 调休 working day

    assert summary.business_day is True
    assert DunningMessage.objects.get().step.offset_days == 1


def test_running_twice_the_same_day_adds_nothing(standard_policy, finance_user):
    customers = [dunned_customer() for _ in range(3)]
    for customer in customers:
        invoice_due(customer, actor=finance_user, due=DUE)
    first = dunning_run(run_date=date(2026, 3, 19))
    messages = list(DunningMessage.objects.order_by("pk").values_list("pk", "body"))
    notices = list(DunningNotice.objects.order_by("pk").values_list("pk", flat=True))

    second = dunning_run(run_date=date(2026, 3, 19))

    assert (first.messages, first.notices) == (3, 9)
    assert (second.customers, second.messages, second.notices) == (0, 0, 0)
    assert list(DunningMessage.objects.order_by("pk").values_list("pk", "body")) == messages
    assert list(DunningNotice.objects.order_by("pk").values_list("pk", flat=True)) == notices
    assert DunningRun.objects.get().notices_created == 9


def test_a_new_item_due_after_the_days_message_waits_for_the_next_run(
    standard_policy, finance_user
):
    customer = dunned_customer()
    invoice_due(customer, actor=finance_user, due=DUE)
    dunning_run(run_date=date(2026, 3, 13))
    late = invoice_due(customer, actor=finance_user, due=date(2026, 3, 12))

    again = dunning_run(run_date=date(2026, 3, 13))
    assert (again.messages, again.notices) == (0, 0)
    dunning_run(run_date=date(2026, 3, 16))

    assert _notices(late.installments.get()) == [(-3, date(2026, 3, 16)), (1, date(2026, 3, 16))]


def test_a_failure_in_one_customer_leaves_the_others_done_and_the_rerun_completes(
    standard_policy, finance_user
):
    first = dunned_customer()
    broken = dunned_customer(language="en")
    third = dunned_customer()
    for customer in (first, broken, third):
        invoice_due(customer, actor=finance_user, due=DUE)
    # A template broken behind the editor's back: rendering fails for the English customer.
    template = DunningTemplate.objects.get(
        step__policy=standard_policy, step__offset_days=1, language="en"
    )
    good_body = template.body
    DunningTemplate.objects.filter(pk=template.pk).update(body="{% if %}")

    summary = dunning_run(run_date=date(2026, 3, 13))

    assert summary.failed_customers == [broken.pk]
    assert set(DunningMessage.objects.values_list("customer", flat=True)) == {first.pk, third.pk}
    assert not DunningNotice.objects.filter(installment__customer=broken).exists()

    DunningTemplate.objects.filter(pk=template.pk).update(body=good_body)
    rerun = dunning_run(run_date=date(2026, 3, 13))

    assert (rerun.customers, rerun.messages, rerun.failed_customers) == (1, 1, [])
    assert DunningMessage.objects.count() == 3
    for customer in (first, broken, third):
        assert list(
            DunningNotice.objects.filter(installment__customer=customer)
            .order_by("step__offset_days")
            .values_list("step__offset_days", flat=True)
        ) == [-3, 1]
    assert "Overdue payment reminder" in DunningMessage.objects.get(customer=broken).subject
    assert DunningRun.objects.get().notices_created == 6


def test_a_customer_without_a_reminder_contact_gets_a_task_instead(
    standard_policy, finance_user, sales_user
):
    customer = CustomerFactory(owner=sales_user)
    invoice_due(customer, actor=finance_user, due=DUE)

    dunning_run(run_date=date(2026, 3, 13))

    message = DunningMessage.objects.get()
    assert (message.channel, message.status, message.recipients) == ("email", "open_task", "")
    assert message.assigned_to == sales_user
    assert "No contact of the customer receives reminders" in message.last_error
