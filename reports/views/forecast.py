"""The cash forecast page: expected cash by week for the next 13 weeks (the customers the user
may see), a drill-down by customer for one line, and for users who see every customer how the
recorded company-wide forecasts compared with the cash that came in."""

from datetime import date

from django.conf import settings
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from accounts.access import viewer_required
from accounts.roles import sees_all_customers
from core.pages import reporting_date
from reports import forecast as forecasts


def _line_title(forecast: forecasts.CashForecast, line: str) -> str:
    if line == forecasts.LATER:
        return _("Expected after %(date)s") % {"date": forecast.weeks[-1].end.isoformat()}
    if line == forecasts.DISPUTED:
        return _("Not expected: disputed invoices")
    start = date.fromisoformat(line)
    return _("Week of %(start)s") % {"start": start.isoformat()}


@viewer_required
def cash_forecast(request):
    """Weekly expected cash for the next 13 weeks, and how past forecasts fared."""
    as_of, as_of_error = reporting_date(request)
    forecast = forecasts.cash_forecast(user=request.user, as_of=as_of)
    line = request.GET.get("week", "")
    context = {
        "as_of": as_of,
        "as_of_error": as_of_error,
        "base_currency": settings.BASE_CURRENCY,
        "forecast": forecast,
        "later_line": forecasts.LATER,
        "disputed_line": forecasts.DISPUTED,
        "chart": {
            "labels": [week.start.isoformat() for week in forecast.weeks],
            "amounts": [week.expected for week in forecast.weeks],
            "series": _("Expected cash"),
            "currency": settings.BASE_CURRENCY,
        },
    }
    if line in forecast.line_keys():
        context.update(
            line=line,
            line_title=_line_title(forecast, line),
            line_customers=forecast.by_customer(line),
        )
    elif line:
        context["line_error"] = _("“%(value)s” is not a line of this forecast.") % {"value": line}
    # Recorded forecasts are company-wide: comparing them with one rep's receipts would be
    # meaningless, and they would reveal other reps' customers' figures.
    if sees_all_customers(request.user):
        context["accuracy"] = forecasts.forecast_accuracy(user=request.user, as_of=as_of)
    return render(request, "reports/forecast/page.html", context)


urlpatterns = [path("reports/forecast/", cash_forecast, name="cash-forecast")]
