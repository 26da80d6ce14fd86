"""Sending dunning e-mails exactly once, with their PDFs, in the customer's language; the
manager's approval of held steps; the activity logged for each e-mail sent."""

import email
import email.policy
import hashlib
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from arcollections.models import Activity, CollectionProfile, DunningMessage, DunningRun
from arcollections.services.dunning import (
    dunning_message_approve,
    dunning_message_reject,
    dunning_run,
    dunning_send_queued,
)
from core.exceptions import ApplicationError, PermissionDeniedError
from statements.services import statement_generate
from tests.collections.conftest import dunned_customer, invoice_due

pytestmark = pytest.mark.django_db

DUE = date(2026, 3, 12)


def _parsed(envelope):
    return email.message_from_bytes(envelope.content, policy=email.policy.default)


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "attachment.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_reminders_arrive_through_smtp_in_each_customers_language(
    standard_policy, finance_user, smtp_inbox, tmp_path
):
    chinese = dunned_customer(email="wang@kehu.cn")
    english = dunned_customer(language="en", email="smith@client.example")
    chinese_invoice = invoice_due(chinese, actor=finance_user, due=DUE, amount=Decimal("8888.80"))
    invoice_due(english, actor=finance_user, due=DUE, amount=Decimal("1500.00"))
    # +30 (Saturday 04-11) goes out on Monday 04-13 with the statement; neither customer has a
    # stored statement, so the reminder letter listing the same items is attached instead.
    dunning_run(run_date=date(2026, 4, 13))

    assert dunning_send_queued() == 2

    received = {tuple(envelope.rcpt_tos): _parsed(envelope) for envelope in smtp_inbox.envelopes}
    assert set(received) == {("wang@kehu.cn",), ("smith@client.example",)}
    zh = received[("wang@kehu.cn",)]
    assert zh["Subject"] == f"逾期账款对账提醒（{chinese.code}）"
    text = zh.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("尊敬的王经理：")
    assert f"发票 {chinese_invoice.number}/1，到期日 2026年3月12日，未付金额 ¥8,888.80" in text
    # 8,888.80 × 0.0005 × 32 days = 142.2208
    assert "逾期合计：¥8,888.80，逾期利息 ¥142.22。" in text
    [attachment] = list(zh.iter_attachments())
    assert attachment.get_filename() == f"reminder-{chinese.code}-2026-04-13.pdf"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF")
    assert chinese.legal_name in _pdf_text(pdf, tmp_path)
    assert "8,888.80" in _pdf_text(pdf, tmp_path)
    en = received[("smith@client.example",)]
    assert en["Subject"] == f"Overdue account: statement enclosed ({english.code})"
    en_text = en.get_body(preferencelist=("plain",)).get_content()
    assert en_text.startswith("Dear Ms. Smith,")
    assert "Total overdue: ¥1,500.00; late interest ¥24.00." in en_text
    assert DunningRun.objects.get().messages_sent == 2


def test_the_latest_stored_statement_is_attached_byte_for_byte(
    standard_policy, finance_user, mailoutbox
):
    customer = dunned_customer()
    invoice_due(customer, actor=finance_user, due=DUE)
    statement = statement_generate(
        customer=customer,
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        source="scheduled",
    )
    dunning_run(run_date=date(2026, 4, 13))

    dunning_send_queued()

    [sent] = mailoutbox
    [(name, content, mimetype)] = sent.attachments
    assert name == f"statement-{customer.code}-2026-03-01-2026-03-31.pdf"
    assert hashlib.sha256(content).hexdigest() == statement.pdf_sha256


def test_a_strict_customer_gets_its_invoices_attached(standard_policy, finance_user, mailoutbox):
    customer = dunned_customer(credit_rating="CCC")
    first = invoice_due(customer, actor=finance_user, due=DUE)
    second = invoice_due(customer, actor=finance_user, due=DUE)
    dunning_run(run_date=date(2026, 3, 13))  # STRICT +1: invoices attached

    dunning_send_queued()

    [sent] = mailoutbox
    assert [name for name, _content, _type in sent.attachments] == [
        f"invoice-{first.number}.pdf",
        f"invoice-{second.number}.pdf",
    ]
    assert all(content.startswith(b"%PDF") for _name, content, _type in sent.attachments)


def test_each_message_is_sent_once_and_logged(standard_policy, finance_user, mailoutbox):
    customer = dunned_customer()
    invoice_due(customer, actor=finance_user, due=DUE)
    dunning_run(run_date=date(2026, 3, 13))

    assert dunning_send_queued() == 1
    assert dunning_send_queued() == 0
    dunning_run(run_date=date(2026, 3, 13))
    assert dunning_send_queued() == 0

    assert len(mailoutbox) == 1
    message = DunningMessage.objects.get()
    assert (message.status, message.attempts, message.last_error) == ("sent", 1, "")
    activity = Activity.objects.get()
    assert activity.dunning_message == message
    assert (activity.customer, activity.kind, activity.outcome) == (customer, "email", "sent")
    assert activity.contact == customer.contacts.get()
    assert activity.occurred_at == message.sent_at
    assert activity.note == message.subject


class RefusingInbox:
    """A mail server that accepts mail except to the addresses it is told to refuse."""

    def __init__(self):
        self.envelopes = []
        self.refuse = set()

    async def handle_DATA(self, server, session, envelope):
        if set(envelope.rcpt_tos) & self.refuse:
            return "554 Transaction failed: mailbox unavailable"
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def refusing_smtp(smtp_inbox, settings):
    """The smtp_inbox set-up (Django's SMTP backend), pointed at a server that can refuse."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = RefusingInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_PORT = port
    yield inbox
    controller.stop()


def test_a_refused_message_stays_queued_and_the_next_run_sends_only_it(
    standard_policy, finance_user, refusing_smtp
):
    customers = [dunned_customer(email=f"ap{n}@kehu.cn") for n in range(3)]
    for customer in customers:
        invoice_due(customer, actor=finance_user, due=DUE)
    dunning_run(run_date=date(2026, 3, 13))
    refusing_smtp.refuse = {"ap1@kehu.cn"}

    assert dunning_send_queued() == 2

    refused = DunningMessage.objects.get(customer=customers[1])
    assert (refused.status, refused.attempts, refused.sent_at) == ("queued", 1, None)
    assert "554" in refused.last_error
    assert not Activity.objects.filter(customer=customers[1]).exists()

    refusing_smtp.refuse = set()
    assert dunning_send_queued() == 1

    delivered = sorted(tuple(envelope.rcpt_tos) for envelope in refusing_smtp.envelopes)
    assert delivered == [("ap0@kehu.cn",), ("ap1@kehu.cn",), ("ap2@kehu.cn",)]
    refused.refresh_from_db()
    assert (refused.status, refused.attempts, refused.last_error) == ("sent", 2, "")
    assert Activity.objects.count() == 3


def test_a_message_refused_too_often_is_given_up(standard_policy, finance_user, refusing_smtp):
    customer = dunned_customer(email="gone@kehu.cn")
    invoice_due(customer, actor=finance_user, due=DUE)
    dunning_run(run_date=date(2026, 3, 13))
    refusing_smtp.refuse = {"gone@kehu.cn"}

    for _ in range(5):
        dunning_send_queued()

    message = DunningMessage.objects.get()
    assert (message.status, message.attempts) == ("failed", 5)
    assert dunning_send_queued() == 0
    assert refusing_smtp.envelopes == []


def _demand(customer, finance_user):
    invoice_due(customer, actor=finance_user, due=DUE)
    dunning_run(run_date=date(2026, 5, 11))  # +60: formal demand, held for approval
    return DunningMessage.objects.get(customer=customer)


def test_a_held_demand_goes_out_only_once_a_manager_approves(
    standard_policy, finance_user, manager_user, mailoutbox, django_capture_on_commit_callbacks
):
    customer = dunned_customer()
    message = _demand(customer, finance_user)
    assert message.status == "pending_approval"
    assert dunning_send_queued() == 0

    with django_capture_on_commit_callbacks(execute=True):
        dunning_message_approve(actor=manager_user, message=message)

    message.refresh_from_db()
    assert (message.status, message.approved_by) == ("sent", manager_user)
    assert message.approved_at is not None
    [sent] = mailoutbox
    assert sent.subject == f"催款函：{customer.legal_name} 逾期账款 ¥1,000.00"
    # The e-mail and the enclosed demand letter name the same pay-by date: 05-11 + 7 days.
    assert "请贵司于2026年5月18日前付清" in sent.body
    [(name, content, _type)] = sent.attachments
    assert name == f"demand-{customer.code}-2026-05-11.pdf"
    assert content.startswith(b"%PDF")
    assert message.history.get(status="queued").history_user == manager_user


@pytest.mark.parametrize("who", ["sales_user", "finance_user", "auditor_user"])
def test_only_a_manager_approves_or_rejects(standard_policy, finance_user, request, who):
    message = _demand(dunned_customer(), finance_user)
    user = request.getfixturevalue(who)

    with pytest.raises(PermissionDeniedError):
        dunning_message_approve(actor=user, message=message)
    with pytest.raises(PermissionDeniedError):
        dunning_message_reject(actor=user, message=message, reason="no")

    message.refresh_from_db()
    assert (message.status, message.approved_by, message.approved_at) == (
        "pending_approval",
        None,
        None,
    )


def test_a_rejected_demand_is_never_sent_nor_written_again(
    standard_policy, finance_user, manager_user, mailoutbox
):
    customer = dunned_customer()
    message = _demand(customer, finance_user)

    dunning_message_reject(actor=manager_user, message=message, reason="客户已承诺下周付款")

    message.refresh_from_db()
    assert (message.status, message.approved_by) == ("rejected", manager_user)
    note = Activity.objects.get(dunning_message=message)
    assert (note.kind, note.performed_by) == ("note", manager_user)
    assert "客户已承诺下周付款" in note.note
    dunning_run(run_date=date(2026, 5, 12))
    assert dunning_send_queued() == 0
    assert DunningMessage.objects.count() == 1
    assert mailoutbox == []
    with pytest.raises(ApplicationError):
        dunning_message_approve(actor=manager_user, message=message)


def test_an_approved_legal_escalation_hands_the_customer_over(
    standard_policy, finance_user, manager_user, sales_user
):
    customer = dunned_customer(owner=sales_user)
    invoice_due(customer, actor=finance_user, due=DUE, amount=Decimal("5200.00"))
    dunning_run(run_date=date(2026, 6, 10))  # +90: legal escalation, held for approval
    message = DunningMessage.objects.get()
    assert (message.channel, message.status) == ("letter", "pending_approval")
    assert not CollectionProfile.objects.filter(customer=customer).exists()

    dunning_message_approve(actor=manager_user, message=message)

    message.refresh_from_db()
    assert (message.status, message.assigned_to) == ("open_task", sales_user)
    profile = CollectionProfile.objects.get(customer=customer)
    assert profile.legal_stage == "lawyer_letter"
    assert profile.legal_since == timezone.localdate()
    assert (profile.legal_amount, profile.legal_currency) == (Decimal("5200.00"), "CNY")
    assert profile.history.first().history_user == manager_user
    # Out of the cadence: later runs write nothing for it.
    invoice_due(customer, actor=finance_user, due=date(2026, 6, 30))
    summary = dunning_run(run_date=date(2026, 7, 1))
    assert (summary.messages, DunningMessage.objects.count()) == (0, 1)
