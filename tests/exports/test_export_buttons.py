"""Every exported list and report offers its files on its page."""

import re

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("page", "export"),
    [
        ("invoice-list", "invoice-export"),
        ("payment-list", "payment-export"),
        ("contract-list", "contract-export"),
        ("credit-note-list", "credit-note-export"),
        ("write-off-list", "write-off-export"),
        ("customer-list", "customer-export"),
        ("bank-line-list", "bank-line-export"),
    ],
)
def test_list_filter_forms_submit_to_the_exports(client, finance_user, page, export):
    client.force_login(finance_user)
    html = client.get(reverse(page)).content.decode()
    form = re.search(r'<form method="get".*?</form>', html, re.S)[0]
    # Buttons of the filter form: the export receives the filters as they stand.
    for file_format in ("csv", "xlsx"):
        assert f'formaction="{reverse(export, args=[file_format])}"' in form


def test_report_pages_link_to_their_exports(client, finance_user):
    client.force_login(finance_user)
    aging = client.get(reverse("aging-report"), {"as_of": "2026-03-31"}).content.decode()
    assert f'href="{reverse("aging-export-csv")}?as_of=2026-03-31&amp;' in aging
    kpis = client.get(reverse("kpi-report"), {"as_of": "2026-03-31"}).content.decode()
    for table in ("months", "reps"):
        for file_format in ("csv", "xlsx"):
            url = reverse("kpi-export", args=[file_format])
            assert f'href="{url}?as_of=2026-03-31&amp;table={table}"' in kpis
