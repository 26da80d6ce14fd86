"""Statement periods: the last complete calendar month or quarter before a date.

A scheduled statement covers a period that has ended, so its figures no longer move with the
day's postings (documents dated inside the period can still be posted late: regenerating a past
statement reproduces the figures as of its period end, see statements.selectors).
"""

from datetime import date, timedelta

from customers.models import Customer

Period = tuple[date, date]


def last_complete_month(on_date: date) -> Period:
    """The calendar month before the one `on_date` falls in."""
    end = on_date.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def last_complete_quarter(on_date: date) -> Period:
    """The calendar quarter before the one `on_date` falls in (Q1 = January to March)."""
    quarter_start = date(on_date.year, 3 * ((on_date.month - 1) // 3) + 1, 1)
    end = quarter_start - timedelta(days=1)
    return date(end.year, end.month - 2, 1), end


def period_due(*, frequency: str, on_date: date) -> Period | None:
    """The last complete period for a statement frequency on `on_date`; None for "none"."""
    if frequency == Customer.StatementFrequency.MONTHLY:
        return last_complete_month(on_date)
    if frequency == Customer.StatementFrequency.QUARTERLY:
        return last_complete_quarter(on_date)
    return None


def statement_period_due(*, customer: Customer, on_date: date) -> Period | None:
    """The period the customer's next scheduled statement covers on `on_date`: the previous
    calendar month (monthly), the previous calendar quarter (quarterly), nothing (none)."""
    return period_due(frequency=customer.statement_frequency, on_date=on_date)
