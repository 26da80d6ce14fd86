"""E-mailing statements: to the customer's statement contacts, in the customer's language, with
the stored PDF attached and the signed confirmation link; sent once unless Finance resends it
deliberately; once through a real SMTP server on loopback."""

import re
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from django.conf import settings

from customers.models import Customer
from statements.links import statement_for_link
from statements.models import Statement
from statements.services import statement_generate, statement_send, statements_send_pending
from tests.factories import ContactFactory
from tests.statements._statement_helpers import (
    JAN,
    customer_with_ledger,
    media_root,  # noqa: F401 (fixture)
    sha256_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

COMPANY_EN = settings.COMPANY_PROFILE_DEFAULTS["name_en"]
LINK = re.compile(r"https?://\S+/(\d+)/([^/\s]+)/")


def _ready(customer, actor, *, send=True):
    return statement_generate(
        customer=customer,
        period_start=JAN[0],
        period_end=JAN[1],
        source=Statement.Source.SCHEDULED,
        actor=actor,
        send=send,
    )


def _link_in(text: str):
    match = LINK.search(text)
    assert match, text
    return statement_for_link(pk=int(match.group(1)), token=match.group(2))


@pytest.fixture
def english_customer(finance_user):
    customer = customer_with_ledger(
        finance_user, code="EN1", legal_name="Ace Trading Ltd", language=Customer.Language.EN
    )
    # Not recipients: a contact without statements, one without an address.
    ContactFactory(customer=customer, email="sales@ace.example", receives_statements=False)
    ContactFactory(customer=customer, email="", receives_statements=True)
    ContactFactory(customer=customer, email="ap0-en1@example.cn", receives_statements=True)
    ContactFactory(
        customer=customer, email="cfo@ace.example", receives_statements=True, is_primary=True
    )
    return customer


def test_the_statement_goes_to_its_contacts_with_the_pdf_and_the_link(
    english_customer, finance_user, mailoutbox
):
    statement = _ready(english_customer, finance_user)

    assert statements_send_pending() == 1

    (mail,) = mailoutbox
    assert mail.to == ["cfo@ace.example", "ap0-en1@example.cn"]
    assert mail.subject == f"{COMPANY_EN}: statement of account EN1, 2026-01-01 – 2026-01-31"
    assert "Dear Ace Trading Ltd," in mail.body
    assert "customer code EN1" in mail.body
    assert "  CNY: ¥2,600.00 (of which overdue: ¥600.00)" in mail.body
    statement.refresh_from_db()
    due = statement.reply_due_on.isoformat()
    assert f"Please confirm the balance by {due}: reply whether it agrees" in mail.body
    assert _link_in(mail.body) == statement
    ((filename, content, mimetype),) = mail.attachments
    assert filename == "statement-EN1-2026-01-01-2026-01-31.pdf"
    assert mimetype == "application/pdf"
    assert sha256_of(content) == statement.pdf_sha256
    ((html, html_type),) = mail.alternatives
    assert html_type == "text/html"
    assert "¥2,600.00" in html
    assert _link_in(html) == statement
    assert statement.emailed_to == "cfo@ace.example, ap0-en1@example.cn"
    assert statement.emailed_at is not None
    assert statement.email_failure == ""


def test_a_negative_confirmation_asks_for_a_reply_only_on_disagreement(finance_user, mailoutbox):
    customer = customer_with_ledger(
        finance_user, language="en", confirmation=Customer.ConfirmationKind.NEGATIVE
    )
    statement = _ready(customer, finance_user)

    statements_send_pending()

    statement.refresh_from_db()
    (mail,) = mailoutbox
    assert (
        f"Please reply by {statement.reply_due_on.isoformat()} only if the balance does not "
        "agree with your records"
    ) in mail.body
    assert "If we receive no reply by then, we take the balance as agreed." in mail.body
    assert "Please confirm the balance" not in mail.body


def test_a_chinese_customer_gets_the_mail_in_chinese(finance_user, mailoutbox):
    customer = customer_with_ledger(finance_user, language=Customer.Language.ZH_HANS)
    _ready(customer, finance_user)

    statements_send_pending()

    (mail,) = mailoutbox
    # Rendered under zh-hans: the letterhead's Chinese name and Chinese wording.
    assert mail.subject == (
        f"{settings.COMPANY_PROFILE_DEFAULTS['name']}：对账单 {customer.code}，"
        "2026-01-01 至 2026-01-31"
    )
    assert "电话: " in mail.body
    assert "Phone: " not in mail.body
    english = customer_with_ledger(finance_user, language=Customer.Language.EN)
    _ready(english, finance_user)
    statements_send_pending()
    assert "Phone: " in mailoutbox[-1].body


def test_a_statement_is_mailed_once(english_customer, finance_user, mailoutbox):
    _ready(english_customer, finance_user)

    assert statements_send_pending() == 1
    assert statements_send_pending() == 0
    assert len(mailoutbox) == 1


def test_a_statement_not_asked_to_be_sent_is_not_mailed(english_customer, finance_user, mailoutbox):
    _ready(english_customer, finance_user, send=False)

    assert statements_send_pending() == 0
    assert mailoutbox == []


def test_without_a_statement_contact_nothing_is_sent_and_the_reason_is_kept(
    finance_user, mailoutbox
):
    customer = customer_with_ledger(finance_user, contacts=0)
    ContactFactory(customer=customer, email="", receives_statements=True)
    statement = _ready(customer, finance_user)

    assert statements_send_pending() == 0

    statement.refresh_from_db()
    assert (statement.emailed_at, statement.emailed_to) == (None, "")
    assert statement.email_failure == "no statement contact"
    history_rows = statement.history.count()
    assert statements_send_pending() == 0
    assert statement.history.count() == history_rows  # the daily retry adds no audit noise
    # Once a contact is added, the next run sends it.
    ContactFactory(customer=customer, email="ap@late.example", receives_statements=True)
    assert statements_send_pending() == 1
    statement.refresh_from_db()
    assert (statement.emailed_to, statement.email_failure) == ("ap@late.example", "")
    assert len(mailoutbox) == 1


def test_finance_resends_deliberately_and_it_is_recorded(
    english_customer, finance_user, admin_user_, mailoutbox
):
    statement = _ready(english_customer, finance_user)
    statements_send_pending()
    statement.refresh_from_db()
    first_sent_at = statement.emailed_at

    resent = statement_send(statement=statement, actor=admin_user_)

    assert len(mailoutbox) == 2
    assert mailoutbox[1].attachments[0][1] == mailoutbox[0].attachments[0][1]
    assert resent.emailed_at > first_sent_at
    assert resent.history.latest().history_user == admin_user_
    assert statements_send_pending() == 0


def test_a_statement_never_asked_for_can_be_sent_explicitly(
    english_customer, finance_user, mailoutbox
):
    statement = _ready(english_customer, finance_user, send=False)

    statement_send(statement=statement, actor=finance_user)

    statement.refresh_from_db()
    assert (statement.send_requested, len(mailoutbox)) == (True, 1)
    assert statements_send_pending() == 0


def test_only_finance_and_admin_send(english_customer, finance_user, sales_user, mailoutbox):
    from core.exceptions import PermissionDeniedError

    english_customer.owner = sales_user
    english_customer.save()
    statement = _ready(english_customer, finance_user, send=False)

    with pytest.raises(PermissionDeniedError):
        statement_send(statement=statement, actor=sales_user)

    statement.refresh_from_db()
    assert (statement.emailed_at, statement.send_requested, mailoutbox) == (None, False, [])


def test_a_statement_still_being_generated_cannot_be_sent(
    english_customer, finance_user, mailoutbox
):
    from core.exceptions import ApplicationError

    statement = Statement.objects.create(
        customer=english_customer,
        period_start=JAN[0],
        period_end=JAN[1],
        source=Statement.Source.ON_DEMAND,
        language="en",
        confirmation_kind="positive",
    )

    with pytest.raises(ApplicationError) as refused:
        statement_send(statement=statement, actor=finance_user)

    assert refused.value.message == "Only a generated statement can be sent."
    statement.refresh_from_db()
    assert (statement.emailed_at, statement.send_requested, mailoutbox) == (None, False, [])


# --- a real SMTP server -----------------------------------------------------------------------


def test_the_statement_arrives_through_a_real_smtp_server(
    english_customer, finance_user, smtp_inbox
):
    statement = _ready(english_customer, finance_user)

    assert statements_send_pending() == 1

    (envelope,) = smtp_inbox.envelopes
    assert envelope.rcpt_tos == ["cfo@ace.example", "ap0-en1@example.cn"]
    message = message_from_bytes(envelope.content)
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject == f"{COMPANY_EN}: statement of account EN1, 2026-01-01 – 2026-01-31"
    parts = {part.get_content_type(): part for part in message.walk()}
    attachment = parts["application/pdf"]
    assert attachment.get_filename() == "statement-EN1-2026-01-01-2026-01-31.pdf"
    statement.refresh_from_db()
    assert sha256_of(attachment.get_payload(decode=True)) == statement.pdf_sha256
    body = (
        parts["text/plain"]
        .get_payload(decode=True)
        .decode(parts["text/plain"].get_charset() or "utf-8")
    )
    assert _link_in(body) == statement
    assert statement.emailed_at is not None
