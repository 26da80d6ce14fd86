"""List-page helpers: sorting by whitelisted columns and pagination, both driven by the query
string so that every list view reads the same `?sort=` and `?page=` parameters."""

from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

PAGE_SIZE = 25


def sort_queryset(
    request, queryset: QuerySet, columns: dict[str, str], default: str
) -> tuple[QuerySet, str]:
    """Order by `?sort=<column>` or `?sort=-<column>` where `columns` maps the public column
    name to an ORM ordering; unknown columns fall back to `default`. The primary key breaks ties
    so that pages never repeat or skip a row."""
    requested = request.GET.get("sort", default)
    descending = requested.startswith("-")
    column = requested.lstrip("-")
    if column not in columns:
        requested, descending, column = default, default.startswith("-"), default.lstrip("-")
    field = columns[column]
    if field.startswith("-"):
        field, descending = field[1:], not descending
    # Empty values (a customer with nothing open has no oldest due date) go last either way.
    ordering = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    return queryset.order_by(ordering, "-pk" if descending else "pk"), requested


def paginate(request, queryset, per_page: int = PAGE_SIZE) -> Page:
    """The page `?page=` asks for; out-of-range or garbage numbers give the nearest page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def reporting_date(request) -> tuple[date, str]:
    """The date a report is as of, from `?as_of=YYYY-MM-DD` (today if absent), and an error
    message when the parameter is not a date (the page then reports as of today)."""
    raw = request.GET.get("as_of", "").strip()
    if raw:
        try:
            return date.fromisoformat(raw), ""
        except ValueError:
            return timezone.localdate(), _("“%(value)s” is not a date (YYYY-MM-DD).") % {
                "value": raw
            }
    return timezone.localdate(), ""
