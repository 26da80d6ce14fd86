"""Helpers for page tests (Django's test client): how many SQL queries a page costs, so list
pages can be shown to cost the same at two sizes; what a page's audit trail shows."""

import html
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_to_render(client, url: str) -> int:
    """The number of SQL queries a GET of `url` runs; fails unless the page answers 200."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, f"GET {url} answered {response.status_code}"
    return len(captured)


_HISTORY_CHANGE = re.compile(
    r'<tr data-history-field="(?P<field>[^"]*)">.*?<td>(?P<label>[^<]*)</td>\s*'
    r"<td[^>]*data-before>(?P<before>.*?)</td>\s*<td[^>]*data-after>(?P<after>.*?)</td>",
    re.S,
)


def history_changes(page: str) -> list[tuple[str, str, str, str]]:
    """The changes listed in a page's audit trail (templates/includes/history.html), newest
    first, as (field, label, before, after) the way a reader sees them."""
    return [
        tuple(html.unescape(match[name]) for name in ("field", "label", "before", "after"))
        for match in _HISTORY_CHANGE.finditer(page)
    ]


def history_created(page: str) -> dict[str, str]:
    """The fields of the creation entry in a page's audit trail, label -> value as shown."""
    created = re.search(r"<tr data-history-created>(.*?)</tr>", page, re.S)
    return {
        html.unescape(label): html.unescape(value)
        for label, value in re.findall(r"<dt[^>]*>([^<]*)</dt><dd[^>]*>(.*?)</dd>", created[1])
    }
