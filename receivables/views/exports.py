"""CSV and XLSX exports of the ledger's lists: invoices, payments, contracts, credit notes and
write-offs. Each reads the same filter form, selector and sort as its list page, so a file holds
every row the page would show to the same user (all pages of it), scoped by role.

The invoice and payment columns are those the importers read back (dataimport.importers): the
round trip exports invoices and payments, then imports them into an empty ledger."""

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import re_path
from django.utils import timezone

from accounts.access import viewer_required
from accounts.names import person_name
from core.exports import FILE_FORMAT_PATTERN, Column, ColumnKind, export_response
from core.pages import sort_queryset
from receivables import selectors
from receivables.forms.contracts import ContractFilterForm
from receivables.forms.credit_notes import CreditNoteFilterForm
from receivables.forms.invoices import InvoiceFilterForm
from receivables.forms.payments import PaymentFilterForm
from receivables.forms.write_offs import WriteOffFilterForm
from receivables.models import Installment
from receivables.views import contracts, credit_notes, invoices, payments

MONEY = ColumnKind.MONEY
DATE = ColumnKind.DATE


def _sales_rep(document) -> str:
    owner = document.customer.owner
    return person_name(owner) if owner else ""


INVOICE_COLUMNS = [
    Column("应收单号", "Invoice number", "number"),
    Column("客户编码", "Customer code", "customer.code"),
    Column("客户名称", "Customer name", "customer.legal_name"),
    Column("销售代表", "Sales rep", _sales_rep),
    Column("合同编号", "Contract number", "contract.number"),
    Column("开具日期", "Issue date", "issue_date", DATE),
    Column("到期日", "Due date", "export_due_date", DATE),
    Column("币种", "Currency", "currency"),
    Column("金额", "Amount", "total", MONEY),
    Column("未结金额", "Open amount", "open_total", MONEY),
    Column("状态", "Status", lambda invoice: invoice.get_status_display()),
    Column("发票号码", "Fapiao number", "fapiao_number"),
    Column("来源", "Origin", lambda invoice: invoice.get_origin_display()),
]

PAYMENT_COLUMNS = [
    Column("收款单号", "Payment number", "number"),
    Column("客户编码", "Customer code", "customer.code"),
    Column("客户名称", "Customer name", "customer.legal_name"),
    Column("收款日期", "Received on", "received_on", DATE),
    Column("金额", "Amount", "amount", MONEY),
    Column("币种", "Currency", "currency"),
    Column("收款方式", "Method", lambda payment: payment.get_method_display()),
    Column("参考号", "Reference", "reference"),
    Column("票据号码", "Instrument number", "instrument_number"),
    Column("承兑人", "Acceptor", "instrument_acceptor"),
    Column("票据到期日", "Matures on", "instrument_matures_on", DATE),
    Column("未核销金额", "Unapplied amount", "unapplied_amount", MONEY),
    Column("状态", "Status", lambda payment: payment.get_status_display()),
]

CONTRACT_COLUMNS = [
    Column("合同编号", "Contract number", "number"),
    Column("客户编码", "Customer code", "customer.code"),
    Column("客户名称", "Customer name", "customer.legal_name"),
    Column("合同名称", "Title", "title"),
    Column("签订日期", "Signed on", "signed_on", DATE),
    Column("付款条件", "Payment terms code", "payment_terms.code"),
    Column("开始日期", "Starts on", "starts_on", DATE),
    Column("结束日期", "Ends on", "ends_on", DATE),
    Column("合同金额", "Amount", "amount", MONEY),
    Column("币种", "Currency", "currency"),
]

CREDIT_NOTE_COLUMNS = [
    Column("贷项通知单号", "Credit note number", "number"),
    Column("应收单号", "Invoice number", "invoice.number"),
    Column("客户编码", "Customer code", "customer.code"),
    Column("客户名称", "Customer name", "customer.legal_name"),
    Column("开具日期", "Issue date", "issue_date", DATE),
    Column("金额", "Amount", "amount", MONEY),
    Column("币种", "Currency", "currency"),
    Column("原因", "Reason", "reason"),
]

WRITE_OFF_COLUMNS = [
    Column("应收单号", "Invoice number", "installment.invoice.number"),
    Column("分期", "Installment", "installment.sequence", ColumnKind.NUMBER),
    Column("客户编码", "Customer code", "customer.code"),
    Column("客户名称", "Customer name", "customer.legal_name"),
    Column("金额", "Amount", "amount", MONEY),
    Column("币种", "Currency", "currency"),
    Column("原因", "Reason", "reason"),
    Column("状态", "Status", lambda write_off: write_off.get_status_display()),
    Column("申请人", "Requested by", lambda write_off: person_name(write_off.requested_by)),
    Column("申请日期", "Requested on", "requested_at", DATE),
    Column(
        "审批人",
        "Decided by",
        lambda write_off: person_name(write_off.decided_by) if write_off.decided_by else "",
    ),
    Column("生效日期", "Effective on", "effective_on", DATE),
]


def _file_name(kind: str) -> str:
    return f"{kind}-{timezone.localdate().isoformat()}"


def with_export_due_date(invoices):
    """Invoices annotated with `export_due_date`: the earliest open installment's due date, or,
    once nothing is open, the last one's (a subquery: the file costs the same queries whatever
    its length)."""
    last_due = (
        Installment.objects.filter(invoice=OuterRef("pk"))
        .order_by("-due_date")
        .values("due_date")[:1]
    )
    return invoices.annotate(export_due_date=Coalesce("next_due_date", Subquery(last_due)))


@viewer_required
def invoice_export(request, file_format):
    """The invoice list (its filters and sort) as a file: one row per invoice."""
    filter_form = InvoiceFilterForm(request.GET or None, user=request.user)
    rows = selectors.invoices_for_list(
        user=request.user,
        on_date=timezone.localdate(),
        **(filter_form.selector_filters() if filter_form.is_bound else {}),
    ).select_related("contract")
    rows, _sort = sort_queryset(request, rows, invoices.SORT_COLUMNS, default="-issue_date")
    return export_response(
        rows=with_export_due_date(rows),
        columns=INVOICE_COLUMNS,
        file_name=_file_name("invoices"),
        file_format=file_format,
        language=request.LANGUAGE_CODE,
    )


@viewer_required
def payment_export(request, file_format):
    """The payment list (its filters and sort) as a file: one row per payment."""
    filters = PaymentFilterForm(request.GET or None, user=request.user)
    rows = filters.filter(selectors.payments_visible_to(request.user).select_related("customer"))
    rows, _sort = sort_queryset(request, rows, payments.SORT_COLUMNS, default="-received_on")
    return export_response(
        rows=rows,
        columns=PAYMENT_COLUMNS,
        file_name=_file_name("payments"),
        file_format=file_format,
        language=request.LANGUAGE_CODE,
    )


@viewer_required
def contract_export(request, file_format):
    """The contract list (its filters and sort) as a file."""
    filter_form = ContractFilterForm(request.GET or None, user=request.user)
    rows = selectors.contracts_for_list(
        user=request.user,
        on_date=timezone.localdate(),
        **(filter_form.selector_filters() if filter_form.is_bound else {}),
    ).select_related("payment_terms")
    rows, _sort = sort_queryset(request, rows, contracts.SORT_COLUMNS, default="-signed_on")
    return export_response(
        rows=rows,
        columns=CONTRACT_COLUMNS,
        file_name=_file_name("contracts"),
        file_format=file_format,
        language=request.LANGUAGE_CODE,
    )


@viewer_required
def credit_note_export(request, file_format):
    """The credit note list (its filters and sort) as a file."""
    filter_form = CreditNoteFilterForm(request.GET or None, user=request.user)
    rows = selectors.credit_notes_for_list(
        user=request.user, **(filter_form.selector_filters() if filter_form.is_bound else {})
    )
    rows, _sort = sort_queryset(request, rows, credit_notes.SORT_COLUMNS, default="-issue_date")
    return export_response(
        rows=rows,
        columns=CREDIT_NOTE_COLUMNS,
        file_name=_file_name("credit-notes"),
        file_format=file_format,
        language=request.LANGUAGE_CODE,
    )


@viewer_required
def write_off_export(request, file_format):
    """The write-off list (its filters, newest request first) as a file."""
    filters = WriteOffFilterForm(request.GET or None, user=request.user)
    rows = filters.filter(
        selectors.write_offs_visible_to(request.user).select_related(
            "customer", "installment__invoice", "requested_by", "decided_by"
        )
    ).order_by("-requested_at", "-pk")
    return export_response(
        rows=rows,
        columns=WRITE_OFF_COLUMNS,
        file_name=_file_name("write-offs"),
        file_format=file_format,
        language=request.LANGUAGE_CODE,
    )


def _export_path(prefix: str, view, name: str):
    return re_path(rf"^{prefix}/export\.(?P<file_format>{FILE_FORMAT_PATTERN})$", view, name=name)


urlpatterns = [
    _export_path("invoices", invoice_export, "invoice-export"),
    _export_path("payments", payment_export, "payment-export"),
    _export_path("contracts", contract_export, "contract-export"),
    _export_path("credit-notes", credit_note_export, "credit-note-export"),
    _export_path("write-offs", write_off_export, "write-off-export"),
]
