"""Report files: the aging report as XLSX and PDF (and its table as CSV through the one
tabular writer, core.exports), the provision report as XLSX. They take a report already computed
(reports.aging / reports.provision), so a file holds exactly what the page shows to the same
user. The workbooks here carry the report's parameters above the table, so they are laid out by
hand, with core.exports' number and date formats."""

from io import BytesIO

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.exports import DATE_FORMAT, MONEY_FORMAT, PERCENT_FORMAT, Column, ColumnKind
from reports.aging import AgingGroup, AgingReport, AgingRow
from reports.provision import ProvisionReport

BOLD = Font(bold=True)


def _workbook_bytes(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _append_row(sheet, values, *, bold: bool = False, money_from: int | None = None) -> None:
    """Append a row; cells from column `money_from` (1-based) on are shown as money."""
    sheet.append(values)
    row = sheet.max_row
    for column in range(1, len(values) + 1):
        cell = sheet.cell(row=row, column=column)
        if bold:
            cell.font = BOLD
        if money_from is not None and column >= money_from:
            cell.number_format = MONEY_FORMAT


def _widen(sheet, widths: dict[int, int]) -> None:
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = width


def aging_xlsx(report: AgingReport) -> bytes:
    """The aging report as a workbook of one sheet: the parameters, one line per group with an
    amount per bucket and the total (base currency; grouped by currency, also in the group's
    own currency), and the totals line."""
    query = report.query
    base = settings.BASE_CURRENCY
    in_currency = query.group_by == AgingGroup.CURRENCY
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Aging")
    _append_row(sheet, [_("Aging report")], bold=True)
    sheet.append([_("As of"), query.as_of])
    sheet.cell(row=sheet.max_row, column=2).number_format = DATE_FORMAT
    sheet.append([_("Age by"), query.basis_label])
    sheet.append([_("Group by"), query.group_by_label])
    sheet.append([_("Amounts in"), base])
    if report.missing_rates:
        sheet.append([_("Left out (no exchange rate)"), ", ".join(report.missing_rates)])
    sheet.append([])
    header = [
        query.group_by_label,
        *(bucket.label for bucket in report.buckets),
        _("Total"),
    ]
    if in_currency:
        header += [
            *(
                _("%(bucket)s (in currency)") % {"bucket": bucket.label}
                for bucket in report.buckets
            ),
            _("Total (in currency)"),
        ]
    _append_row(sheet, header, bold=True)
    for row in report.rows:
        values = [
            row.label,
            *(row.amounts[bucket.key] for bucket in report.buckets),
            row.total,
        ]
        if in_currency:
            values += [
                *(row.currency_amounts[bucket.key] for bucket in report.buckets),
                row.currency_total,
            ]
        _append_row(sheet, values, money_from=2)
    _append_row(
        sheet,
        [_("Total"), *(report.totals[bucket.key] for bucket in report.buckets), report.total],
        bold=True,
        money_from=2,
    )
    _widen(sheet, {1: 36, **{column: 16 for column in range(2, len(header) + 1)}})
    return _workbook_bytes(workbook)


def _money_column(header: str, amount_of) -> Column:
    # Report labels are already in the user's language: the same header either way.
    return Column(header, header, amount_of, ColumnKind.MONEY)


def aging_table(report: AgingReport) -> tuple[list[Column], list]:
    """The aging report as a plain table for core.exports: one line per group and the totals
    line, the columns of aging_xlsx's table (parameters are in the file name, not the file)."""
    buckets = report.buckets
    in_currency = report.query.group_by == AgingGroup.CURRENCY
    columns = [
        Column(report.query.group_by_label, report.query.group_by_label, "label"),
        *(
            _money_column(bucket.label, lambda row, key=bucket.key: row.amounts[key])
            for bucket in buckets
        ),
        _money_column(_("Total"), "total"),
    ]
    if in_currency:
        columns += [
            *(
                _money_column(
                    _("%(bucket)s (in currency)") % {"bucket": bucket.label},
                    lambda row, key=bucket.key: row.currency_amounts[key],
                )
                for bucket in buckets
            ),
            _money_column(_("Total (in currency)"), "currency_total"),
        ]
    totals = AgingRow(
        group=None,
        label=_("Total"),
        amounts=report.totals,
        total=report.total,
        # The currencies differ: their amounts in currency do not add up (left empty).
        currency_amounts=dict.fromkeys(report.totals) if in_currency else None,
    )
    return columns, [*report.rows, totals]


def aging_pdf(report: AgingReport, *, request) -> bytes:
    """The aging report as a PDF (A4 landscape), rendered by WeasyPrint with a CJK font so that
    Chinese names print."""
    from weasyprint import HTML  # imported here: loading Pango costs time every page need not

    html = render_to_string(
        "reports/aging/report.pdf.html",
        {
            "report": report,
            "lines": [
                {"row": row, "amounts": [row.amounts[bucket.key] for bucket in report.buckets]}
                for row in report.rows
            ],
            "totals": [report.totals[bucket.key] for bucket in report.buckets],
            "base_currency": settings.BASE_CURRENCY,
            "in_currency": report.query.group_by == AgingGroup.CURRENCY,
        },
        request=request,
    )
    return HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()


def provision_xlsx(report: ProvisionReport) -> bytes:
    """The provision report as a workbook: the brackets (balance, percentage, provision), the
    customers with a specific provision, and the totals, in the base currency."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Provision")
    _append_row(sheet, [_("Bad-debt provision")], bold=True)
    sheet.append([_("As of"), report.as_of])
    sheet.cell(row=sheet.max_row, column=2).number_format = DATE_FORMAT
    sheet.append([_("Amounts in"), settings.BASE_CURRENCY])
    if report.missing_rates:
        sheet.append([_("Left out (no exchange rate)"), ", ".join(report.missing_rates)])
    sheet.append([])
    _append_row(sheet, [_("General provision by days past due")], bold=True)
    _append_row(sheet, [_("Days past due"), _("Balance"), _("Rate"), _("Provision")], bold=True)
    for line in report.brackets:
        _append_row(sheet, [line.label, line.balance, None, line.provision], money_from=2)
        rate = sheet.cell(row=sheet.max_row, column=3)
        rate.value = line.bracket.percent
        rate.number_format = PERCENT_FORMAT
    if report.uncovered_balance:
        _append_row(
            sheet, [_("Not covered by a bracket"), report.uncovered_balance, None, 0], money_from=2
        )
    _append_row(
        sheet,
        [_("General provision"), report.general_balance, None, report.general_provision],
        bold=True,
        money_from=2,
    )
    sheet.append([])
    _append_row(sheet, [_("Specific provisions")], bold=True)
    _append_row(
        sheet,
        [_("Customer"), _("Balance"), _("Rate or amount"), _("Provision"), _("Reason")],
        bold=True,
    )
    for line in report.specific:
        specific = line.specific
        _append_row(
            sheet,
            [
                f"{specific.customer.code} {specific.customer.legal_name}",
                line.balance,
                None,
                line.provision,
                specific.reason,
            ],
            money_from=2,
        )
        basis = sheet.cell(row=sheet.max_row, column=3)
        if specific.percent is not None:
            basis.value = specific.percent
            basis.number_format = PERCENT_FORMAT
        else:
            basis.value = specific.amount
        sheet.cell(row=sheet.max_row, column=5).number_format = "General"
    _append_row(
        sheet,
        [_("Specific provision"), report.specific_balance, None, report.specific_provision],
        bold=True,
        money_from=2,
    )
    sheet.append([])
    _append_row(
        sheet,
        [_("Total"), report.total_balance, None, report.total_provision],
        bold=True,
        money_from=2,
    )
    _widen(sheet, {1: 40, 2: 18, 3: 16, 4: 18, 5: 40})
    return _workbook_bytes(workbook)
