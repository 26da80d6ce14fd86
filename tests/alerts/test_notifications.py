"""E-mail for new alerts: the customer's sales rep and the Finance users, one message each per
alert, in each recipient's language, sent once (a rerun, even after a crash half-way, sends
only what was not sent); once through a real SMTP server on loopback."""

from datetime import date
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from accounts.roles import Role
from accounts.services import user_language_set
from alerts.models import Alert, AlertRule
from alerts.services import alert_acknowledge, alerts_evaluate, alerts_notify_pending
from tests.factories import CustomerFactory, UserFactory, issued_invoice

pytestmark = pytest.mark.django_db

ON_DATE = date(2026, 3, 3)


@pytest.fixture
def overdue_customer(only_rule, customer, finance_user):
    """The sales rep's customer, 31 days past due on ON_DATE under the only rule (> 30 days)."""
    only_rule(AlertRule.Kind.OVERDUE_DAYS, "30")
    issued_invoice(customer, actor=finance_user, issue_date=date(2026, 1, 1))
    return customer


def _evaluate(django_capture_on_commit_callbacks, on_date=ON_DATE):
    with django_capture_on_commit_callbacks(execute=True):
        return alerts_evaluate(on_date=on_date)


def test_a_new_alert_mails_the_sales_rep_and_finance_each_in_their_language(
    overdue_customer, sales_user, finance_user, mailoutbox, django_capture_on_commit_callbacks
):
    user_language_set(user=sales_user, language="en")  # finance_user keeps the default, zh-hans
    overdue_customer.short_name, overdue_customer.legal_name = "Ace & Co", "Ace & Co Ltd"
    overdue_customer.save()  # plain text: no HTML escaping
    UserFactory(username="finance_no_mail", role=Role.FINANCE, email="")
    UserFactory(username="finance_gone", role=Role.FINANCE, is_active=False)
    UserFactory(username="manager_x", role=Role.MANAGER)

    _evaluate(django_capture_on_commit_callbacks)

    by_recipient = {tuple(mail.to): mail for mail in mailoutbox}
    assert sorted(by_recipient) == [("finance_t@example.com",), ("sales_t@example.com",)]
    english, chinese = (
        by_recipient[("sales_t@example.com",)],
        by_recipient[("finance_t@example.com",)],
    )
    code = overdue_customer.code
    assert english.subject == (
        f"[Warning] Early warning for {code} Ace & Co: Oldest open item more than 30 days past due"
    )
    assert "Measured value: 31 days (oldest due date: 2026-01-31)" in english.body
    assert f"for customer {code} Ace & Co Ltd." in english.body
    assert "Sales rep: " in english.body
    assert f"/alerts/{Alert.objects.get().pk}/" in english.body
    # The default language's wording (the lead adds the new strings' translations).
    assert "销售代表: " in chinese.body
    assert "Sales rep: " not in chinese.body
    assert Alert.objects.get().notified_at is not None


def test_a_sales_rep_in_finance_gets_one_message(
    only_rule, finance_user, mailoutbox, django_capture_on_commit_callbacks
):
    only_rule(AlertRule.Kind.OVERDUE_DAYS, "30")
    rep_in_finance = UserFactory(username="rep_fin", role=Role.FINANCE)
    issued_invoice(
        CustomerFactory(owner=rep_in_finance), actor=finance_user, issue_date=date(2026, 1, 1)
    )

    _evaluate(django_capture_on_commit_callbacks)

    assert sorted(mail.to[0] for mail in mailoutbox) == [
        "finance_t@example.com",
        "rep_fin@example.com",
    ]


def test_evaluating_again_sends_nothing_more(
    overdue_customer, mailoutbox, django_capture_on_commit_callbacks
):
    _evaluate(django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2

    _evaluate(django_capture_on_commit_callbacks, on_date=date(2026, 3, 4))

    assert len(mailoutbox) == 2
    assert alerts_notify_pending() == 0


class MailServerDown(ConnectionError):
    pass


class FailingForOneCustomerBackend(LocmemBackend):
    """The outbox, except that the mail server drops the connection on messages about the
    customer coded `failing_code` (set by the test)."""

    failing_code = None

    def send_messages(self, messages):
        if any(self.failing_code and self.failing_code in m.subject for m in messages):
            raise MailServerDown("connection lost")
        return super().send_messages(messages)


def test_a_rerun_after_a_failure_sends_only_what_was_not_sent(
    only_rule, finance_user, mailoutbox, settings
):
    only_rule(AlertRule.Kind.OVERDUE_DAYS, "30")
    first, second = CustomerFactory(), CustomerFactory()
    for customer in (first, second):
        issued_invoice(customer, actor=finance_user, issue_date=date(2026, 1, 1))
    alerts_evaluate(on_date=ON_DATE)  # outside on_commit: nothing sent yet
    settings.EMAIL_BACKEND = f"{__name__}.FailingForOneCustomerBackend"
    FailingForOneCustomerBackend.failing_code = second.code

    with pytest.raises(MailServerDown):
        alerts_notify_pending()

    assert len(mailoutbox) == 1  # to finance_user; the customers have no sales rep
    assert first.code in mailoutbox[0].subject
    assert (
        list(Alert.objects.order_by("customer__code").values_list("notified_at", flat=True))[1]
        is None
    )
    FailingForOneCustomerBackend.failing_code = None
    assert alerts_notify_pending() == 1
    assert len(mailoutbox) == 2
    assert second.code in mailoutbox[1].subject
    assert alerts_notify_pending() == 0


def test_an_alert_acknowledged_before_mailing_is_not_mailed(
    overdue_customer, finance_user, mailoutbox
):
    alerts_evaluate(on_date=ON_DATE)
    alert_acknowledge(actor=finance_user, alert=Alert.objects.get())

    assert alerts_notify_pending() == 0
    assert mailoutbox == []


# --- a real SMTP server -----------------------------------------------------------------------


def test_alert_mail_goes_through_a_real_smtp_server(
    overdue_customer, smtp_inbox, django_capture_on_commit_callbacks
):
    _evaluate(django_capture_on_commit_callbacks)

    assert sorted(rcpt for env in smtp_inbox.envelopes for rcpt in env.rcpt_tos) == [
        "finance_t@example.com",
        "sales_t@example.com",
    ]
    message = message_from_bytes(smtp_inbox.envelopes[0].content)
    subject = str(make_header(decode_header(message["Subject"])))
    assert overdue_customer.code in subject
    assert overdue_customer.display_name in subject
