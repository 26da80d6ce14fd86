"""What a dunning message says: a step's template (Django template syntax, edited by Finance)
rendered over PLAIN data, never models, so a template can only print what is listed here.

Variables (every amount and date already formatted for the customer's language):

    customer_name, customer_code, contact_name (first reminder contact, else the customer name)
    open_items: list of {reference, invoice_number, due_date, open_amount, days_overdue,
        late_interest, currency}: the installments the message is about
    total_open, total_overdue, late_interest_total: per currency, "¥1,000.00 · $20.00"
    max_days_overdue (a number), item_count (a number), currency ("CNY", or "CNY, USD")
    as_of, pay_by: dates
    step_name
    company_name, company_address, company_phone, company_email, bank_name, bank_account_name,
        bank_account_number, swift_code: the letterhead (core.selectors.company_profile)
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.template import Context, Template, TemplateSyntaxError
from django.utils import formats, translation
from django.utils.translation import gettext as _

from arcollections.business_days import next_business_day
from core.exceptions import ApplicationError
from core.models import CompanyProfile
from core.money import ZERO
from core.selectors import company_profile
from core.templatetags.huikuan import money
from customers.models import Customer
from receivables.interest import installment_late_interest
from receivables.models import Installment

# Days the customer is given to pay, counted from the message's date and rolled to a working
# day; a step attaching the formal demand letter uses the letter's own shorter deadline so that
# the e-mail and the enclosed letter name the same date.
PAY_WITHIN_DAYS = 10
DEMAND_PAY_WITHIN_DAYS = 7


def render_dunning_template(
    *, subject: str, body: str, language: str, context: dict
) -> tuple[str, str]:
    """Render a step's subject and body over `context` (plain data) in `language`. A template
    that does not compile or fails to render raises ApplicationError naming the field."""
    rendered = {}
    with translation.override(language):
        for field, source in (("subject", subject), ("body", body)):
            try:
                template = Template(source)
                # Plain text (an e-mail body, a subject line): nothing to escape.
                rendered[field] = template.render(Context(context, autoescape=False))
            except TemplateSyntaxError as exc:
                raise ApplicationError(
                    _("The template does not compile: %(error)s") % {"error": exc},
                    field=field,
                    code="template_syntax",
                ) from exc
            except Exception as exc:  # a filter failing on the data, e.g. a bad argument
                raise ApplicationError(
                    _("The template fails to render: %(error)s") % {"error": exc},
                    field=field,
                    code="template_render",
                ) from exc
    # A subject is one line; a template's trailing newline must not reach the mail header.
    return " ".join(rendered["subject"].split())[:200], rendered["body"].strip() + "\n"


def format_date(day: date, language: str) -> str:
    """A date as the customer reads it: 2026年10月8日 / Oct. 8, 2026."""
    with translation.override(language):
        return formats.date_format(day, "DATE_FORMAT")


def _by_currency(amounts: dict[str, Decimal]) -> str:
    if not amounts:
        return money(ZERO, "")
    return " · ".join(money(amount, currency) for currency, amount in sorted(amounts.items()))


def pay_by_date(*, as_of: date, demand: bool = False) -> date:
    """The pay-by date a message names: 10 days on (7 for a formal demand), on a working day."""
    days = DEMAND_PAY_WITHIN_DAYS if demand else PAY_WITHIN_DAYS
    return next_business_day(as_of + timedelta(days=days))


def dunning_context(
    *,
    customer: Customer,
    installments: Iterable[Installment],
    as_of: date,
    language: str,
    contact_name: str = "",
    step_name: str = "",
    demand: bool = False,
    company: CompanyProfile | None = None,
) -> dict:
    """The plain data a dunning template renders: the customer, the given installments (with
    `invoice__payment_terms` loaded; open amounts as stored, i.e. today's) and their totals,
    late interest to `as_of`, the pay-by date and the letterhead (`company`, read if not given),
    formatted for `language`."""
    company = company or company_profile()
    items = []
    total_open: dict[str, Decimal] = defaultdict(lambda: ZERO)
    total_overdue: dict[str, Decimal] = defaultdict(lambda: ZERO)
    interest_total: dict[str, Decimal] = defaultdict(lambda: ZERO)
    max_days = 0
    for installment in sorted(installments, key=lambda i: (i.due_date, i.pk)):
        days = (as_of - installment.due_date).days
        interest = installment_late_interest(
            installment, as_of=as_of, open_amount=installment.open_amount
        )
        currency = installment.currency
        total_open[currency] += installment.open_amount
        if days > 0:
            total_overdue[currency] += installment.open_amount
        interest_total[currency] += interest
        max_days = max(max_days, days)
        number = installment.invoice.number
        items.append(
            {
                "reference": f"{number}/{installment.sequence}",
                "invoice_number": number,
                "due_date": format_date(installment.due_date, language),
                "open_amount": money(installment.open_amount, currency),
                "days_overdue": max(days, 0),
                "late_interest": money(interest, currency),
                "currency": currency,
            }
        )
    currencies = sorted(total_open) or [customer.currency]
    return {
        "customer_name": customer.legal_name,
        "customer_code": customer.code,
        "contact_name": contact_name or customer.legal_name,
        "open_items": items,
        "item_count": len(items),
        "total_open": _by_currency(total_open),
        "total_overdue": _by_currency({c: total_overdue[c] for c in currencies}),
        "late_interest_total": _by_currency({c: interest_total[c] for c in currencies}),
        "max_days_overdue": max_days,
        "currency": ", ".join(currencies),
        "as_of": format_date(as_of, language),
        "pay_by": format_date(pay_by_date(as_of=as_of, demand=demand), language),
        "step_name": step_name,
        "company_name": company.name_in(language),
        "company_address": company.address_in(language),
        "company_phone": company.phone,
        "company_email": company.email,
        "bank_name": company.bank_name,
        "bank_account_name": company.bank_account_name,
        "bank_account_number": company.bank_account_number,
        "swift_code": company.swift_code,
    }
