"""Cash forecast writes: recording the company-wide forecast once a week, so that later weeks
can measure it against the cash that actually came in (reports.forecast.forecast_accuracy)."""

from datetime import date

from django.db import transaction

from reports.forecast import company_cash_forecast, week_start
from reports.models import CashForecastWeek


@transaction.atomic
def cash_forecast_record(*, on_date: date) -> list[CashForecastWeek]:
    """Record the forecast made on the Monday of `on_date`'s week: one row per forecast week,
    company-wide, in the base currency, computed as of that Monday (whatever day the job runs).
    A forecast already recorded for that Monday is kept as it was, not recomputed: it is the
    record of what was expected then, so running the job again changes nothing."""
    made_on = week_start(on_date)
    recorded = CashForecastWeek.objects.filter(made_on=made_on).order_by("week_start")
    if not recorded.exists():
        forecast = company_cash_forecast(as_of=made_on)
        # ignore_conflicts: a concurrent run of the same week wrote the same rows first.
        CashForecastWeek.objects.bulk_create(
            [
                CashForecastWeek(made_on=made_on, week_start=week.start, expected=week.expected)
                for week in forecast.weeks
            ],
            ignore_conflicts=True,
        )
    return list(recorded)
