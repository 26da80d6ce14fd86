"""CSV and XLSX export of the bank lines list, with the list page's filters. Bank lines name
every customer's payers, so the export has the list page's access rule: roles that see all
customers only (reconciliation_viewer_required)."""

from django.urls import re_path
from django.utils import timezone

from core.exports import FILE_FORMAT_PATTERN, Column, ColumnKind, export_response
from reconciliation.forms import LineFilterForm
from reconciliation.selectors.lines import bank_lines_for_list
from reconciliation.views.access import reconciliation_viewer_required

BANK_LINE_COLUMNS = [
    Column("记账日期", "Booked on", "booked_on", ColumnKind.DATE),
    Column("起息日", "Value date", "value_date", ColumnKind.DATE),
    Column("银行账户", "Bank account", "account.code"),
    Column("方向", "Direction", lambda line: line.get_direction_display()),
    Column("金额", "Amount", "amount", ColumnKind.MONEY),
    Column("币种", "Currency", "currency"),
    Column("对方户名", "Counterparty", "counterparty_name"),
    Column("对方账号", "Counterparty account", "counterparty_account"),
    Column("对方开户行", "Counterparty bank", "counterparty_bank"),
    Column("附言", "Remittance information", "remittance"),
    Column("银行流水号", "Bank reference", "bank_reference"),
    Column("状态", "Status", lambda line: line.get_status_display()),
    Column("客户编码", "Customer code", "customer.code"),
    Column("收款单号", "Payment number", "payment.number"),
    Column("置信度", "Confidence", "confidence", ColumnKind.NUMBER),
]


@reconciliation_viewer_required
def bank_line_export(request, file_format):
    """The bank lines list (its filters, newest first) as a file."""
    filters = LineFilterForm(request.GET, review=False)
    # The list's suggestions are for the page only: not prefetched for the file.
    lines = bank_lines_for_list(filters.line_filters()).prefetch_related(None)
    return export_response(
        rows=lines,
        columns=BANK_LINE_COLUMNS,
        file_name=f"bank-lines-{timezone.localdate().isoformat()}",
        file_format=file_format,
        language=request.LANGUAGE_CODE,
    )


urlpatterns = [
    re_path(
        rf"^bank/lines/export\.(?P<file_format>{FILE_FORMAT_PATTERN})$",
        bank_line_export,
        name="bank-line-export",
    )
]
