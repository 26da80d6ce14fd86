"""Payment pages: the list, recording a receipt, the payment's page, the allocation screen, and
reversing or refunding a payment. Views parse input and call one service; the services decide."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import capability_required, viewer_required
from accounts.roles import Capability
from core.exceptions import ApplicationError
from core.forms import add_application_error
from core.history import readable_history
from core.money import CURRENCY_MINOR_UNITS
from core.pages import paginate, sort_queryset
from core.templatetags.huikuan import CURRENCY_SYMBOLS
from customers.selectors import customers_visible_to
from receivables import selectors, services
from receivables.forms.payments import (
    AllocationForm,
    PaymentFilterForm,
    PaymentRecordForm,
    PaymentRefundForm,
    PaymentReverseForm,
)
from receivables.models import Payment

INVALID = 400

SORT_COLUMNS = {
    "number": "number",
    "customer": "customer__code",
    "received_on": "received_on",
    "amount": "amount",
    "unapplied": "unapplied_amount",
}


def _payment_or_404(user, pk) -> Payment:
    return get_object_or_404(
        selectors.payments_visible_to(user).select_related("customer", "created_by"), pk=pk
    )


@viewer_required
def payment_list(request):
    filters = PaymentFilterForm(request.GET or None, user=request.user)
    payments = filters.filter(
        selectors.payments_visible_to(request.user).select_related("customer")
    )
    payments, current_sort = sort_queryset(
        request, payments, columns=SORT_COLUMNS, default="-received_on"
    )
    return render(
        request,
        "receivables/payments/list.html",
        {"filters": filters, "page": paginate(request, payments), "current_sort": current_sort},
    )


def _preselected_customer(request):
    customer_id = request.GET.get("customer", "")
    if not customer_id.isdigit():
        return None
    return customers_visible_to(request.user).filter(pk=customer_id, is_archived=False).first()


@capability_required(Capability.MANAGE_LEDGER)
def payment_create(request):
    if request.method == "POST":
        form = PaymentRecordForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                payment = services.payment_record(
                    actor=request.user,
                    customer=data["customer"],
                    received_on=data["received_on"],
                    amount=data["amount"],
                    currency=data["currency"] or None,
                    method=data["method"],
                    reference=data["reference"],
                    notes=data["notes"],
                    instrument_number=data["instrument_number"],
                    instrument_acceptor=data["instrument_acceptor"],
                    instrument_matures_on=data["instrument_matures_on"],
                )
            except ApplicationError as error:
                add_application_error(form, error)
            else:
                messages.success(
                    request,
                    _("Payment %(number)s recorded; apply it to open installments below.")
                    % {"number": payment.number},
                )
                return redirect("payment-allocate", pk=payment.pk)
        return render(request, "receivables/payments/create.html", {"form": form}, status=INVALID)
    initial = {"received_on": timezone.localdate()}
    if customer := _preselected_customer(request):
        initial.update(customer=customer, currency=customer.currency)
    form = PaymentRecordForm(initial=initial, user=request.user)
    return render(request, "receivables/payments/create.html", {"form": form})


@viewer_required
def payment_detail(request, pk):
    payment = _payment_or_404(request.user, pk)
    allocations = list(
        payment.allocations.select_related("installment__invoice", "created_by").order_by(
            "applied_on", "pk"
        )
    )
    reversed_ids = {allocation.reverses_id for allocation in allocations if allocation.is_reversal}
    refunds = list(payment.refunds.select_related("created_by").order_by("refunded_on", "pk"))
    bank_charges = list(
        payment.bank_charges.select_related("installment__invoice", "created_by").order_by(
            "charged_on", "pk"
        )
    )
    is_live = payment.status != Payment.Status.REVERSED
    return render(
        request,
        "receivables/payments/detail.html",
        {
            "payment": payment,
            "totals": selectors.payment_settled_totals(payment=payment),
            "allocations": allocations,
            "reversed_ids": reversed_ids,
            "refunds": refunds,
            "bank_charges": bank_charges,
            "history": readable_history(payment),
            "can_allocate": is_live and payment.unapplied_amount > 0,
            "can_refund": is_live and payment.unapplied_amount > 0,
            "can_reverse": payment.can_reverse() and not refunds,
        },
    )


def _minor_units(amount) -> int:
    # The ledger stores two decimal places for every currency; the script counts in hundredths.
    return int(amount * 100)


@capability_required(Capability.MANAGE_LEDGER)
def payment_allocate(request, pk):
    payment = _payment_or_404(request.user, pk)
    is_open = payment.status != Payment.Status.REVERSED and payment.unapplied_amount > 0
    if not is_open:
        messages.info(
            request, _("Payment %(number)s has nothing left to apply.") % {"number": payment.number}
        )
        return redirect("payment-detail", pk=payment.pk)
    status = 200
    # The proposal is shown on every rendering, so "oldest due first" can restore it after edits.
    open_installments = list(selectors.payment_allocation_candidates(payment=payment))
    plan = selectors.oldest_due_first_plan(
        installments=open_installments,
        amount=payment.unapplied_amount,
        applied_on=payment.received_on,
    )
    if request.method == "POST":
        installments = selectors.payment_allocation_candidates(
            payment=payment, including=AllocationForm.installment_ids_in(request.POST)
        )
        form = AllocationForm(request.POST, installments=installments, currency=payment.currency)
        if form.is_valid():
            try:
                services.payment_allocate(
                    actor=request.user,
                    payment=payment,
                    allocations=form.allocations(),
                    applied_on=form.cleaned_data["applied_on"],
                )
            except ApplicationError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request, _("Payment %(number)s applied.") % {"number": payment.number}
                )
                return redirect("payment-detail", pk=payment.pk)
        status = INVALID
    else:
        form = AllocationForm(
            initial={
                "applied_on": payment.received_on,
                **{
                    AllocationForm.amount_field_name(installment_id): amount
                    for installment_id, amount in plan.items()
                },
            },
            installments=open_installments,
            currency=payment.currency,
        )
    today = timezone.localdate()
    rows = [
        {
            "installment": installment,
            "field": field,
            "days_overdue": max((today - installment.due_date).days, 0),
            "open_minor": _minor_units(installment.open_amount),
            "proposed": plan.get(installment.pk),
        }
        for installment, field in form.rows()
    ]
    return render(
        request,
        "receivables/payments/allocate.html",
        {
            "payment": payment,
            "form": form,
            "rows": rows,
            "unapplied_minor": _minor_units(payment.unapplied_amount),
            "currency_places": CURRENCY_MINOR_UNITS[payment.currency],
            "currency_prefix": CURRENCY_SYMBOLS.get(payment.currency, f"{payment.currency} "),
        },
        status=status,
    )


@capability_required(Capability.MANAGE_LEDGER)
def payment_reverse(request, pk):
    payment = _payment_or_404(request.user, pk)
    if request.method == "POST":
        form = PaymentReverseForm(request.POST)
        if form.is_valid():
            try:
                services.payment_reverse(actor=request.user, payment=payment, **form.cleaned_data)
            except ApplicationError as error:
                add_application_error(form, error)
            else:
                messages.success(
                    request, _("Payment %(number)s reversed.") % {"number": payment.number}
                )
                return redirect("payment-detail", pk=payment.pk)
        context = {"payment": payment, "form": form}
        return render(request, "receivables/payments/reverse.html", context, status=INVALID)
    form = PaymentReverseForm(initial={"reversed_on": timezone.localdate()})
    return render(request, "receivables/payments/reverse.html", {"payment": payment, "form": form})


@capability_required(Capability.MANAGE_LEDGER)
def payment_refund(request, pk):
    payment = _payment_or_404(request.user, pk)
    if request.method == "POST":
        form = PaymentRefundForm(request.POST)
        if form.is_valid():
            try:
                services.payment_refund(actor=request.user, payment=payment, **form.cleaned_data)
            except ApplicationError as error:
                add_application_error(form, error)
            else:
                messages.success(
                    request,
                    _("Refund of %(number)s recorded.") % {"number": payment.number},
                )
                return redirect("payment-detail", pk=payment.pk)
        context = {"payment": payment, "form": form}
        return render(request, "receivables/payments/refund.html", context, status=INVALID)
    form = PaymentRefundForm(
        initial={"amount": payment.unapplied_amount, "refunded_on": timezone.localdate()}
    )
    return render(request, "receivables/payments/refund.html", {"payment": payment, "form": form})


urlpatterns = [
    path("payments/", payment_list, name="payment-list"),
    path("payments/new/", payment_create, name="payment-create"),
    path("payments/<int:pk>/", payment_detail, name="payment-detail"),
    path("payments/<int:pk>/allocate/", payment_allocate, name="payment-allocate"),
    path("payments/<int:pk>/reverse/", payment_reverse, name="payment-reverse"),
    path("payments/<int:pk>/refund/", payment_refund, name="payment-refund"),
]
