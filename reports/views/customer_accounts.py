"""Customer account pages: the customer list and the customer 360 page (balances, documents,
contacts and audit trail of one customer), both scoped by customers_visible_to."""

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.access import viewer_required
from accounts.roles import has_capability, sees_all_customers
from arcollections.selectors.activities import customer_open_tasks, customer_timeline, may_collect
from core.history import readable_history
from core.pages import paginate, sort_queryset
from customers.forms import CustomerListFilterForm
from customers.selectors import customer_contacts
from receivables.selectors import (
    customer_accounts,
    customer_balances_by_currency,
    customer_contracts,
    customer_credit_position,
    customer_invoices,
    customer_open_installments,
    customer_payments,
    customer_unapplied_credit,
    customers_for_list,
)
from statements.forms import StatementRequestForm
from statements.selectors import customer_statements, with_limitation_dates
from statements.views import GENERATE_CAPABILITY

LIST_SORT_COLUMNS = {
    "code": "code",
    "name": "legal_name",
    "owner": "owner__username",
    "open": "open_base",
    "overdue": "overdue_base",
    "oldest_due": "oldest_due_date",
}


@viewer_required
def customer_list(request):
    today = timezone.localdate()
    show_owner = sees_all_customers(request.user)
    filter_form = CustomerListFilterForm(request.GET, user=request.user, show_owner=show_owner)
    customers, current_sort = sort_queryset(
        request,
        customers_for_list(user=request.user, on_date=today, **filter_form.filters()),
        LIST_SORT_COLUMNS,
        default="code",
    )
    return render(
        request,
        "reports/customers/list.html",
        {
            "filter_form": filter_form,
            "page": paginate(request, customers),
            "current_sort": current_sort,
            "show_owner": show_owner,
            "on_date": today,
            "base_currency": settings.BASE_CURRENCY,
        },
    )


# The 360 page's tabs, in order: (?tab= value, label). Each renders on the server, so the page
# works without JavaScript and a tab can be linked to.
TABS = (
    ("installments", _("Open installments")),
    ("invoices", _("Invoices")),
    ("payments", _("Payments")),
    ("contracts", _("Contracts")),
    ("contacts", _("Contacts")),
    ("statements", _("Statements")),
    ("collections", _("Collection activity")),
    ("history", _("History")),
)


def _installments_tab(request, customer, today):
    page = paginate(
        request, customer_open_installments(user=request.user, customer=customer, on_date=today)
    )
    page.object_list = with_limitation_dates(page.object_list)
    return {"page": page}


def _invoices_tab(request, customer, today):
    return {"page": paginate(request, customer_invoices(user=request.user, customer=customer))}


def _payments_tab(request, customer, today):
    return {"page": paginate(request, customer_payments(user=request.user, customer=customer))}


def _contracts_tab(request, customer, today):
    return {"page": paginate(request, customer_contracts(user=request.user, customer=customer))}


def _contacts_tab(request, customer, today):
    return {"contacts": customer_contacts(user=request.user, customer=customer)}


def _statements_tab(request, customer, today):
    context = {
        "page": paginate(
            request, customer_statements(user=request.user, customer=customer, on_date=today)
        )
    }
    if has_capability(request.user, GENERATE_CAPABILITY):
        context["statement_form"] = StatementRequestForm(on_date=today)
    return context


def _collections_tab(request, customer, today):
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    return {
        "timeline": customer_timeline(user=request.user, customer=customer, page=page),
        "open_tasks": list(customer_open_tasks(user=request.user, customer=customer)),
        "can_collect": may_collect(request.user),
    }


def _history_tab(request, customer, today):
    return {"history": readable_history(customer)}


TAB_CONTEXT = {
    "installments": _installments_tab,
    "invoices": _invoices_tab,
    "payments": _payments_tab,
    "contracts": _contracts_tab,
    "contacts": _contacts_tab,
    "statements": _statements_tab,
    "collections": _collections_tab,
    "history": _history_tab,
}


@viewer_required
def customer_detail(request, pk):
    today = timezone.localdate()
    customer = get_object_or_404(customer_accounts(user=request.user, on_date=today), pk=pk)
    tab = request.GET.get("tab")
    if tab not in TAB_CONTEXT:
        tab = TABS[0][0]
    balances = customer_balances_by_currency(customer=customer, on_date=today)
    context = {
        "customer": customer,
        "balances": balances,
        "unapplied_credit": customer_unapplied_credit(customer=customer),
        # Limit minus what is owed: what may still be invoiced without a manager's override.
        "credit": customer_credit_position(customer=customer, on_date=today),
        # Per-currency amounts are worth showing only when they differ from the base totals.
        "show_currency_balances": any(
            row["currency"] != settings.BASE_CURRENCY for row in balances
        ),
        "base_currency": settings.BASE_CURRENCY,
        "on_date": today,
        "tabs": TABS,
        "tab": tab,
        **TAB_CONTEXT[tab](request, customer, today),
    }
    return render(request, "reports/customers/detail.html", context)


urlpatterns = [
    path("customers/", customer_list, name="customer-list"),
    path("customers/<int:pk>/", customer_detail, name="customer-detail"),
]
