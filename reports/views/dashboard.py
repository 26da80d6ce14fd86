"""The home dashboard: one page whose sections depend on the user's roles (a user with several
roles sees each of their sections, the company view first)."""

from datetime import date

from django.conf import settings
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from accounts.access import viewer_required
from accounts.roles import Role, user_roles
from core.pages import reporting_date
from reports import selectors
from reports.kpis import kpis_for_month

COMPANY_ROLES = frozenset({Role.MANAGER, Role.ADMIN, Role.AUDITOR})


def _company(user, as_of: date) -> dict:
    position = selectors.receivables_position(user=user, as_of=as_of)
    trend = selectors.open_and_overdue_trend(user=user, dates=selectors.month_ends(as_of=as_of))
    return {
        "position": position,
        "kpis": kpis_for_month(user=user, as_of=as_of),
        "unapplied_cash": selectors.unapplied_cash(user=user, as_of=as_of),
        "top_debtors": selectors.top_debtors(user=user, as_of=as_of),
        "reps": selectors.sales_rep_table(user=user, as_of=as_of),
        "aging_rows": [
            {"label": bucket.label, "amount": position.buckets[bucket.key]}
            for bucket in selectors.AGING_BUCKETS
        ],
        "trend_missing_rates": sorted({c for point in trend for c in point.missing_rates}),
        "aging_chart": {
            "labels": [str(bucket.label) for bucket in selectors.AGING_BUCKETS],
            "amounts": [position.buckets[bucket.key] for bucket in selectors.AGING_BUCKETS],
            "series": _("Open amount"),
            "currency": settings.BASE_CURRENCY,
        },
        "trend_chart": {
            "labels": [point.on_date.isoformat() for point in trend],
            "open": [point.open for point in trend],
            "overdue": [point.overdue for point in trend],
            "open_label": _("Open"),
            "overdue_label": _("Overdue"),
            "currency": settings.BASE_CURRENCY,
        },
    }


def _my_numbers(user, as_of: date) -> dict:
    return {
        "position": selectors.receivables_position(user=user, as_of=as_of, owner=user),
        "over_limit": selectors.customers_over_credit_limit(user=user, as_of=as_of, owner=user),
        "collection_rate": selectors.collection_rates(user=user, as_of=as_of, owner=user)[None],
        "cash_received": selectors.cash_received(user=user, as_of=as_of, owner=user)[None],
    }


@viewer_required
def home(request):
    """Home page: the dashboard sections the user's roles entitle them to."""
    as_of, as_of_error = reporting_date(request)
    roles = user_roles(request.user)
    context = {
        "as_of": as_of,
        "as_of_error": as_of_error,
        "base_currency": settings.BASE_CURRENCY,
        "month_start": selectors.month_start(as_of),
        "due_soon_until": selectors.due_soon_until(as_of),
    }
    if roles & COMPANY_ROLES:
        context["company"] = _company(request.user, as_of)
    if Role.FINANCE in roles:
        context["work_queue"] = selectors.finance_work_queue(user=request.user, on_date=as_of)
    if Role.SALES in roles:
        context["mine"] = _my_numbers(request.user, as_of)
    return render(request, "reports/dashboard/home.html", context)


urlpatterns = [path("", home, name="home")]
