"""Finance's balance-confirmation pages: the statement list (awaiting a reply, overdue, disputed,
confirmed), one statement with its figures, e-mail and reply, and the open items nearing their
limitation date. Read-only (VIEW) and scoped: a sales rep sees only their own customers', and
anyone else's statement is a 404."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from accounts.access import viewer_required
from accounts.roles import sees_all_customers
from core.pages import paginate
from receivables.selectors import installments_nearing_limitation
from statements.forms import StatementListFilterForm
from statements.models import Statement
from statements.selectors import (
    reply_contested_items,
    statement_for_detail,
    statements_for_list,
    with_limitation_dates,
)


@viewer_required
def statement_list(request):
    today = timezone.localdate()
    filters = StatementListFilterForm(request.GET)
    statements = statements_for_list(user=request.user, on_date=today, **filters.selector_filters())
    return render(
        request,
        "statements/list.html",
        {"filters": filters, "page": paginate(request, statements), "on_date": today},
    )


@viewer_required
def statement_detail(request, pk):
    try:
        statement = statement_for_detail(user=request.user, pk=pk, on_date=timezone.localdate())
    except Statement.DoesNotExist:
        raise Http404 from None
    reply = getattr(statement, "reply", None)
    return render(
        request,
        "statements/detail.html",
        {
            "statement": statement,
            "reply": reply,
            "contested_items": reply_contested_items(reply) if reply else [],
        },
    )


@viewer_required
def limitation_list(request):
    today = timezone.localdate()
    page = paginate(request, installments_nearing_limitation(user=request.user, on_date=today))
    page.object_list = with_limitation_dates(page.object_list)
    return render(
        request,
        "statements/limitation_list.html",
        {"page": page, "on_date": today, "show_owner": sees_all_customers(request.user)},
    )
