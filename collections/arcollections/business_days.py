"""Chinese working days (工作日) for the dunning run: statutory holidays (法定节假日) are rest
days, and so are weekends, except the make-up working weekends (调休) the State Council
announces each year, when offices work and reminders may go out.

The calendar is the `holidays` package's (pinned in requirements.txt): it knows both the
holidays and the 调休 weekends (`weekend_workdays`) for the years the State Council has
published. A new year's schedule arrives with a new release of the package.
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays

# Longer than any run of rest days (the Spring Festival and National Day weeks are 8–9 days):
# a calendar that never yields a working day is a bug, not a long holiday.
_MAX_REST_DAYS = 31


@lru_cache(maxsize=16)
def _calendar(year: int) -> holidays.HolidayBase:
    # One calendar per year, built once: constructing it computes every holiday of the year.
    return holidays.China(years=year)


def is_business_day(day: date) -> bool:
    """Whether `day` is a working day in mainland China (a weekday that is no statutory holiday,
    or a make-up working weekend 调休)."""
    return _calendar(day.year).is_working_day(day)


def next_business_day(day: date) -> date:
    """`day` itself if it is a working day, else the first working day after it."""
    candidate = day
    for _ in range(_MAX_REST_DAYS):
        if is_business_day(candidate):
            return candidate
        candidate += timedelta(days=1)
    raise ValueError(f"no working day within {_MAX_REST_DAYS} days of {day}")
