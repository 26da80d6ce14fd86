"""Helpers for page tests (Django's test client): how many SQL queries a page costs, so list
pages can be shown to cost the same at two sizes."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_to_render(client, url: str) -> int:
    """The number of SQL queries a GET of `url` runs; fails unless the page answers 200."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, f"GET {url} answered {response.status_code}"
    return len(captured)
