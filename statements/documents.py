"""The customer-facing PDF documents of statements: the statement of account with its reply slip
(询证函回执), and the reminder / demand letters collections sends.

Figures come from statements.selectors.statement_of_account only (one computation, one place), so
a letter and a statement for the same date print the same open items, interest and totals.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.money import ZERO
from core.pdf import letterhead, render_pdf
from customers.models import Customer
from statements.selectors import OpenItem, StatementOfAccount, statement_of_account


def statement_pdf(
    statement: StatementOfAccount,
    *,
    language: str,
    confirmation_kind: str,
    reply_url: str,
    reply_due_on: date,
    generated_at: datetime,
) -> bytes:
    """The statement of account as a PDF in `language`, ending with the reply slip matching
    `confirmation_kind` (positive: reply in any case; negative: only on disagreement)."""
    customer = statement.customer
    context = {
        **letterhead(statement.company, language=language),
        "soa": statement,
        "customer": customer,
        "is_positive": confirmation_kind == Customer.ConfirmationKind.POSITIVE,
        "reply_url": reply_url,
        "reply_due_on": reply_due_on,
    }
    return render_pdf(
        "pdf/statement.html",
        {**context, "footer_text": _statement_footer(statement, language)},
        language=language,
        generated_at=generated_at,
    )


def _statement_footer(statement: StatementOfAccount, language: str) -> str:
    with translation.override(language):
        return _("Statement of account %(code)s, %(start)s – %(end)s") % {
            "code": statement.customer.code,
            "start": statement.period_start.isoformat(),
            "end": statement.period_end.isoformat(),
        }


class LetterKind:
    REMINDER = "reminder"  # 催款通知: a friendly reminder of overdue items
    DEMAND = "demand"  # 催款函: formal demand, the step before a lawyer's letter or a lawsuit

    ALL = (REMINDER, DEMAND)


# Days the customer is given to pay, counted from the letter's date: a formal demand sets the
# shorter deadline because it is the last step before legal action.
PAY_WITHIN_DAYS = {LetterKind.REMINDER: 10, LetterKind.DEMAND: 7}


def reminder_letter_pdf(*, customer: Customer, as_of: date, language: str, kind: str) -> bytes:
    """A reminder (kind "reminder") or formal demand ("demand") listing the customer's overdue
    items on `as_of` with days overdue, late interest to date and a pay-by date. Dated `as_of`,
    so the same day's letter is the same file."""
    if kind not in LetterKind.ALL:
        raise ValueError(f"Unknown letter kind: {kind!r}")
    # The open items and interest exactly as a statement ending on `as_of` would print them.
    account = statement_of_account(customer=customer, period_start=as_of, period_end=as_of)
    sections = [
        OverdueSection(
            currency=section.currency,
            items=[item for item in section.open_items if item.days_overdue > 0],
        )
        for section in account.sections
    ]
    sections = [section for section in sections if section.items]
    with translation.override(language):
        title = (
            _("Payment reminder") if kind == LetterKind.REMINDER else _("Formal demand for payment")
        )
        footer = f"{title} {customer.code} {as_of.isoformat()}"
    return render_pdf(
        "pdf/reminder_letter.html",
        {
            **letterhead(account.company, language=language),
            "customer": customer,
            "as_of": as_of,
            "kind": kind,
            "is_demand": kind == LetterKind.DEMAND,
            "sections": sections,
            "pay_by": as_of + timedelta(days=PAY_WITHIN_DAYS[kind]),
            "footer_text": footer,
        },
        language=language,
        # Local midnight of the letter's date: the PDF's own dates agree with the printed one.
        generated_at=timezone.make_aware(datetime.combine(as_of, time.min)),
    )


@dataclass
class OverdueSection:
    currency: str
    items: list[OpenItem]

    @property
    def overdue_amount(self) -> Decimal:
        return sum((item.open_amount for item in self.items), ZERO)

    @property
    def late_interest(self) -> Decimal:
        return sum((item.late_interest for item in self.items), ZERO)

    @property
    def amount_claimed(self) -> Decimal:
        return self.overdue_amount + self.late_interest
