"""List-page helpers: sorting by whitelisted columns and pagination, both driven by the query
string so that every list view reads the same `?sort=` and `?page=` parameters."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

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
    ordering = columns[column]
    if descending:
        ordering = ordering[1:] if ordering.startswith("-") else f"-{ordering}"
    return queryset.order_by(ordering, "-pk" if descending else "pk"), requested


def paginate(request, queryset, per_page: int = PAGE_SIZE) -> Page:
    """The page `?page=` asks for; out-of-range or garbage numbers give the nearest page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
