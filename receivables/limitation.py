"""The statutory limitation period of a debt (诉讼时效, Civil Code art. 188 and 195).

A claim for payment can be enforced for three years from the day it fell due. The debtor's
written acknowledgement of the debt (here: a confirmed statement of account) interrupts the
period, which then runs for three years again from the acknowledgement. Past that date the
debt is still owed but the court will not order payment if the debtor pleads limitation, so
Finance must act before it (a reminder the customer acknowledges, a confirmation, or a claim).
"""

from datetime import date, timedelta

from django.db.models import Q, QuerySet

LIMITATION_YEARS = 3
# How far ahead the early-warning and collections lists look for debts about to expire.
LIMITATION_WARNING_DAYS = 90


def _years_later(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a year that has none: the period ends on 28 February
        return start.replace(year=start.year + years, day=28)


def _years_earlier(end: date, years: int) -> date:
    try:
        return end.replace(year=end.year - years)
    except ValueError:
        return end.replace(year=end.year - years, day=28)


def limitation_expires_on(*, due_date: date, restarted_on: date | None) -> date:
    """The last day the debt can be claimed: three years from the later of its due date and the
    customer's last acknowledgement of it."""
    start = max(due_date, restarted_on) if restarted_on else due_date
    return _years_later(start, LIMITATION_YEARS)


def expiring_by(installments: QuerySet, *, on_or_before: date) -> QuerySet:
    """The installments whose limitation period ends on or before `on_or_before`, in SQL: both
    the due date and the restart (if any) are at least three years before it."""
    latest_start = _years_earlier(on_or_before, LIMITATION_YEARS)
    return installments.filter(due_date__lte=latest_start).filter(
        Q(limitation_restarted_on__isnull=True) | Q(limitation_restarted_on__lte=latest_start)
    )


def nearing_limitation(
    installments: QuerySet, *, on_date: date, within_days: int = LIMITATION_WARNING_DAYS
) -> QuerySet:
    """Open installments whose limitation period ends within `within_days` of `on_date` (or has
    already ended): the ones to act on now."""
    return expiring_by(
        installments.filter(open_amount__gt=0), on_or_before=on_date + timedelta(days=within_days)
    )
