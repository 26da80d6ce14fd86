"""The aging report (账龄分析): the report page, the installments behind a cell (drill-down),
and the report as XLSX or PDF. All three read the same query-string parameters
(reports.forms.AgingFilterForm) and are scoped to what the user may see."""

from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Sum
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.access import viewer_required
from accounts.names import person_name
from core.money import ZERO
from core.pages import paginate
from reports.aging import EMPTY_GROUP, AgingGroup, aging_installments, aging_report, bucket_of
from reports.exports import aging_pdf, aging_xlsx
from reports.forms import AgingDrilldownForm, AgingExportForm, AgingFilterForm

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filter_form(request, form_class=AgingFilterForm):
    return form_class(request.GET, user=request.user, today=timezone.localdate())


def _report_params(form) -> dict[str, str]:
    """The valid parameters as a query string's values, defaults filled in, so that links to
    the drill-down and the exports show the same report even if "today" has moved on."""
    query = form.aging_query()
    params = {
        "as_of": query.as_of.isoformat(),
        "group_by": query.group_by,
        "basis": query.basis,
        "buckets": ",".join(str(bound) for bound in query.bounds),
    }
    if query.owner is not None:
        params["owner"] = str(query.owner.pk)
    for name in ("region", "tier", "currency"):
        if getattr(query, name):
            params[name] = getattr(query, name)
    return params


def _group_param(group) -> str:
    return EMPTY_GROUP if group is None else str(group)


@viewer_required
def aging_report_page(request):
    """The report: filters, one line per group with its buckets and total, every amount a link
    to the installments behind it."""
    form = _filter_form(request)
    if not form.is_valid():
        return render(request, "reports/aging/report.html", {"form": form}, status=400)
    report = aging_report(user=request.user, query=form.aging_query())
    params = _report_params(form)
    drilldown = reverse("aging-drilldown")

    def link(**cell) -> str:
        return f"{drilldown}?{urlencode({**params, **cell})}"

    rows = [
        {
            "row": row,
            "cells": [
                {
                    "amount": row.amounts[bucket.key],
                    "in_currency": row.currency_amounts[bucket.key]
                    if row.currency_amounts
                    else None,
                    "url": link(group=_group_param(row.group), bucket=bucket.key),
                }
                for bucket in report.buckets
            ],
            "url": link(group=_group_param(row.group)),
        }
        for row in report.rows
    ]
    totals = [
        {"amount": report.totals[bucket.key], "url": link(bucket=bucket.key)}
        for bucket in report.buckets
    ]
    return render(
        request,
        "reports/aging/report.html",
        {
            "form": form,
            "report": report,
            "rows": rows,
            "totals": totals,
            "total_url": link(),
            "export_query": urlencode(params),
            "in_currency": report.query.group_by == AgingGroup.CURRENCY,
            "base_currency": settings.BASE_CURRENCY,
        },
    )


def _cell_label(query, first_installment) -> str:
    """What the drilled-down group is, read from one of its installments."""
    customer = first_installment.customer
    if query.group_by == AgingGroup.CUSTOMER:
        return str(customer)
    if query.group_by == AgingGroup.SALES_REP:
        return person_name(customer.owner) if customer.owner else gettext("No sales rep")
    if query.group_by == AgingGroup.REGION:
        return customer.region or gettext("No region")
    if query.group_by == AgingGroup.TIER:
        return customer.get_tier_display()
    return first_installment.currency


@viewer_required
def aging_drilldown(request):
    """The open installments behind one amount of the report (a group, a bucket, or both), as
    of the report's date, oldest first, 25 to a page; with the total they add up to."""
    form = _filter_form(request, AgingDrilldownForm)
    if not form.is_valid():
        return render(request, "reports/aging/drilldown.html", {"form": form}, status=400)
    query = form.aging_query()
    bucket_key = form.cleaned_data.get("bucket") or ""
    installments = aging_installments(
        user=request.user,
        query=query,
        group=form.cleaned_data.get("group"),
        in_group=form.in_group,
        bucket_key=bucket_key,
    )
    page = paginate(request, installments)
    buckets = query.buckets
    for installment in page:
        installment.bucket = bucket_of(buckets, installment.age.days)
    total = installments.order_by().aggregate(total=Sum("open_base"))["total"] or ZERO
    first = page.object_list[0] if page.object_list else None
    return render(
        request,
        "reports/aging/drilldown.html",
        {
            "form": form,
            "query": query,
            "page": page,
            "total": total,
            "bucket": query.bucket(bucket_key) if bucket_key else None,
            "group_label": _cell_label(query, first) if form.in_group and first else None,
            "report_query": urlencode(_report_params(form)),
            "base_currency": settings.BASE_CURRENCY,
        },
    )


@viewer_required
def aging_export(request):
    """The report as a file: `?format=xlsx` (default) or `?format=pdf`, with the report's
    parameters."""
    form = _filter_form(request, AgingExportForm)
    if not form.is_valid():
        return render(request, "reports/aging/report.html", {"form": form}, status=400)
    file_format = form.cleaned_data["format"]
    report = aging_report(user=request.user, query=form.aging_query())
    filename = f"aging-{report.query.as_of.isoformat()}.{file_format}"
    if file_format == "pdf":
        response = HttpResponse(aging_pdf(report, request=request), content_type="application/pdf")
    else:
        response = HttpResponse(aging_xlsx(report), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns = [
    path("reports/aging/", aging_report_page, name="aging-report"),
    path("reports/aging/installments/", aging_drilldown, name="aging-drilldown"),
    path("reports/aging/export/", aging_export, name="aging-export"),
]
