"""The collector's worklist page: the customers needing action today, riskiest first (a sales
rep: their own customers; Finance and others: everyone, or `?mine=1` for their own customers
and tasks)."""

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

from accounts.access import viewer_required
from accounts.roles import sees_all_customers
from arcollections.forms.activities import WorklistFilterForm
from arcollections.selectors.activities import may_collect
from arcollections.selectors.worklist import (
    RATING_WEIGHTS,
    UNRATED_WEIGHT,
    with_next_steps,
    worklist,
)
from core.pages import paginate, sort_queryset

SORT_COLUMNS = {
    "risk": "risk_score",
    "customer": "code",
    "overdue": "overdue_base",
    "days": "days_overdue",
    "tasks": "open_tasks",
    "follow_up": "follow_up_on",
}


@viewer_required
def collections_worklist(request):
    today = timezone.localdate()
    filters = WorklistFilterForm(request.GET)
    mine = filters.is_valid() and filters.cleaned_data["mine"]
    customers, current_sort = sort_queryset(
        request,
        worklist(user=request.user, on_date=today, mine=mine),
        SORT_COLUMNS,
        default="-risk",
    )
    page = paginate(request, customers)
    page.object_list = with_next_steps(list(page.object_list), on_date=today)
    return render(
        request,
        "collections/worklist/list.html",
        {
            "filters": filters,
            "page": page,
            "current_sort": current_sort,
            "on_date": today,
            "base_currency": settings.BASE_CURRENCY,
            "show_owner": sees_all_customers(request.user),
            "can_log": may_collect(request.user),
            "rating_weights": RATING_WEIGHTS,
            "unrated_weight": UNRATED_WEIGHT,
        },
    )
