"""CSV and XLSX exports of the customer list and the reports: the aging table as CSV (its XLSX
and PDF are reports.views.aging's aging-export) and the KPI tables. Each reads the same
parameters and selectors as its page, scoped by role, so a file holds what the page shows."""

from django.conf import settings
from django.shortcuts import render
from django.urls import path, re_path
from django.utils import timezone

from accounts.access import viewer_required
from accounts.names import person_name
from accounts.roles import sees_all_customers
from core.exports import FILE_FORMAT_PATTERN, Column, ColumnKind, export_response
from core.pages import reporting_date, sort_queryset
from customers.forms import CustomerListFilterForm
from receivables.selectors import customers_for_list
from reports.aging import aging_report
from reports.exports import aging_table
from reports.forms import AgingFilterForm
from reports.kpis import kpis_by_month, kpis_by_sales_rep
from reports.views.customer_accounts import LIST_SORT_COLUMNS

MONEY = ColumnKind.MONEY
NUMBER = ColumnKind.NUMBER
PERCENT = ColumnKind.PERCENT


def _base(header_zh: str, header_en: str) -> tuple[str, str]:
    """A header naming the base currency the amounts are in: "未结余额 (CNY)"."""
    return f"{header_zh} ({settings.BASE_CURRENCY})", f"{header_en} ({settings.BASE_CURRENCY})"


# The customer importer's columns first (dataimport.importers.customers), then the balances.
CUSTOMER_COLUMNS = [
    Column("客户编码", "Customer code", "code"),
    Column("客户全称", "Legal name", "legal_name"),
    Column("客户简称", "Short name", "short_name"),
    Column("统一社会信用代码", "USCC", "uscc"),
    Column("国家", "Country", "country"),
    Column("币种", "Currency", "currency"),
    Column("客户等级", "Tier", "tier"),
    Column("销售代表", "Sales rep", "owner.username"),
    Column("付款条件", "Payment terms code", "default_payment_terms.code"),
    Column("信用额度", "Credit limit", "credit_limit", MONEY),
    Column("地区", "Region", "region"),
    Column("状态", "Status", lambda customer: customer.get_status_display()),
    Column(*_base("未结余额", "Open balance"), "open_base", MONEY),
    Column(*_base("逾期金额", "Overdue"), "overdue_base", MONEY),
    Column("最早到期日", "Oldest due date", "oldest_due_date", ColumnKind.DATE),
]


def _month(kpis) -> str:
    return kpis.period.start.strftime("%Y-%m")


KPI_MONTH_COLUMNS = [
    Column("月份", "Month", _month),
    Column(*_base("销售额", "Sales"), "sales", MONEY),
    Column(*_base("未结余额", "Open"), "closing", MONEY),
    Column(*_base("逾期金额", "Overdue"), "overdue", MONEY),
    Column("逾期比率", "Overdue ratio", "overdue_percent", PERCENT),
    Column("DSO", "DSO", "dso", NUMBER),
    Column("倒推法DSO", "Count-back DSO", "dso_count_back", NUMBER),
    Column("最佳DSO", "Best possible DSO", "best_dso", NUMBER),
    Column("平均逾期天数", "ADD", "add", NUMBER),
    Column("回款有效性指数", "CEI", "cei", PERCENT),
    Column("回款率", "Collection rate", "collection_rate.percent", PERCENT),
]

KPI_REP_COLUMNS = [
    Column("销售代表", "Sales rep", lambda row: person_name(row.rep) if row.rep else ""),
    Column(*_base("未结余额", "Open"), "kpis.closing", MONEY),
    Column(*_base("逾期金额", "Overdue"), "kpis.overdue", MONEY),
    Column("逾期比率", "Overdue ratio", "kpis.overdue_percent", PERCENT),
    Column(*_base("本月回款", "Collected"), "collected", MONEY),
    Column("回款率", "Collection rate", "kpis.collection_rate.percent", PERCENT),
    Column("DSO", "DSO", "kpis.dso", NUMBER),
    Column("平均逾期天数", "ADD", "kpis.add", NUMBER),
    Column("回款有效性指数", "CEI", "kpis.cei", PERCENT),
]


@viewer_required
def customer_export(request, file_format):
    """The customer list (its search, filters and sort) as a file."""
    today = timezone.localdate()
    filter_form = CustomerListFilterForm(
        request.GET, user=request.user, show_owner=sees_all_customers(request.user)
    )
    customers, _sort = sort_queryset(
        request,
        customers_for_list(
            user=request.user, on_date=today, **filter_form.filters()
        ).select_related("default_payment_terms"),
        LIST_SORT_COLUMNS,
        default="code",
    )
    return export_response(
        rows=customers,
        columns=CUSTOMER_COLUMNS,
        file_name=f"customers-{today.isoformat()}",
        file_format=file_format,
        language=request.LANGUAGE_CODE,
    )


@viewer_required
def aging_export_csv(request):
    """The aging report's table (same parameters as the page) as CSV."""
    form = AgingFilterForm(request.GET, user=request.user, today=timezone.localdate())
    if not form.is_valid():
        return render(request, "reports/aging/report.html", {"form": form}, status=400)
    report = aging_report(user=request.user, query=form.aging_query())
    columns, rows = aging_table(report)
    return export_response(
        rows=rows,
        columns=columns,
        file_name=f"aging-{report.query.as_of.isoformat()}",
        file_format="csv",
        language=request.LANGUAGE_CODE,
    )


@viewer_required
def kpi_export(request, file_format):
    """The KPI report's tables as a file, as of `?as_of=`: `?table=months` (default, the last
    twelve months) or `?table=reps` (the sales reps' performance)."""
    as_of, _error = reporting_date(request)
    if request.GET.get("table") == "reps":
        rows = kpis_by_sales_rep(user=request.user, as_of=as_of)
        columns, kind = KPI_REP_COLUMNS, "kpis-reps"
    else:
        rows = kpis_by_month(user=request.user, as_of=as_of)[::-1]
        columns, kind = KPI_MONTH_COLUMNS, "kpis"
    return export_response(
        rows=rows,
        columns=columns,
        file_name=f"{kind}-{as_of.isoformat()}",
        file_format=file_format,
        language=request.LANGUAGE_CODE,
    )


urlpatterns = [
    re_path(
        rf"^customers/export\.(?P<file_format>{FILE_FORMAT_PATTERN})$",
        customer_export,
        name="customer-export",
    ),
    path("reports/aging/export.csv", aging_export_csv, name="aging-export-csv"),
    re_path(
        rf"^reports/kpis/export\.(?P<file_format>{FILE_FORMAT_PATTERN})$",
        kpi_export,
        name="kpi-export",
    ),
]
