"""The KPI report: DSO, best possible DSO, ADD, CEI, overdue ratio and collection rate by month
for the last twelve months (table and charts), the sales reps' performance table (绩效考核) and
the slowest payers, as of a date; scoped by role (a sales rep sees their own customers and
their own line). Formulas: docs/kpis.md."""

from django.conf import settings
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from accounts.access import viewer_required
from core.pages import paginate, reporting_date
from reports.kpis import kpis_by_month, kpis_by_sales_rep, payment_days_by_customer


def _series(label: str, values) -> dict:
    # Decimal strings for Chart.js; None (a gap in the line) where a KPI is undefined.
    return {"label": label, "values": [None if value is None else str(value) for value in values]}


def _charts(months) -> dict:
    labels = [kpis.period.start.strftime("%Y-%m") for kpis in months]
    return {
        "days": {
            "labels": labels,
            "unit": _("days"),
            "series": [
                _series(_("DSO"), [k.dso for k in months]),
                _series(_("Count-back DSO"), [k.dso_count_back for k in months]),
                _series(_("Best possible DSO"), [k.best_dso for k in months]),
                _series(_("Average days delinquent"), [k.add for k in months]),
            ],
        },
        "percent": {
            "labels": labels,
            "unit": "%",
            "series": [
                _series(_("CEI"), [k.cei for k in months]),
                _series(_("Collection rate"), [k.collection_rate.percent for k in months]),
                _series(_("Overdue ratio"), [k.overdue_percent for k in months]),
            ],
        },
    }


@viewer_required
def kpi_report(request):
    """KPIs by month, by sales rep and the slowest payers, as of `?as_of=` (today if absent)."""
    as_of, as_of_error = reporting_date(request)
    months = kpis_by_month(user=request.user, as_of=as_of)
    return render(
        request,
        "reports/kpis/report.html",
        {
            "as_of": as_of,
            "as_of_error": as_of_error,
            "base_currency": settings.BASE_CURRENCY,
            "months": months[::-1],
            "missing_rates": sorted({c for kpis in months for c in kpis.missing_rates}),
            "charts": _charts(months),
            "reps": kpis_by_sales_rep(user=request.user, as_of=as_of),
            "slowest_payers": paginate(
                request, payment_days_by_customer(user=request.user, as_of=as_of)
            ),
        },
    )


urlpatterns = [path("reports/kpis/", kpi_report, name="kpi-report")]
