"""Role rules for every product page at once, read from the URL configuration so that a page
added later is covered without anyone remembering to: signing in first, and an Auditor (who
sees everything) being refused every change."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from receivables.models import Allocation, Installment, Invoice, Payment
from tests.factories import CustomerFactory, issued_invoice, recorded_payment
from tests.statements._reply_helpers import link, ready_statement

pytestmark = pytest.mark.django_db

PAGE_URL_MODULES = (
    "reports.urls",
    "customers.page_urls",
    "receivables.page_urls",
    "credit.urls",
    "alerts.urls",
    "statements.urls",
    "arcollections.urls",
    "reconciliation.urls",
    "receivables.export_urls",
    "reports.export_urls",
    "reconciliation.export_urls",
    "dataimport.urls",
)


def _patterns(resolver: URLResolver):
    # Through nested include()s too: a module may gather its concerns' URL modules.
    for entry in resolver.url_patterns:
        if isinstance(entry, URLPattern):
            yield entry
        elif isinstance(entry, URLResolver):
            yield from _patterns(entry)


def _page_url_names() -> list[str]:
    names = []
    for entry in get_resolver().url_patterns:
        module = getattr(entry, "urlconf_name", None)
        if isinstance(entry, URLResolver) and getattr(module, "__name__", "") in PAGE_URL_MODULES:
            names += [p.name for p in _patterns(entry)]
    return names


PAGE_URL_NAMES = _page_url_names()
# Values for URL parameters that are not object keys.
SAMPLE_PARAMETERS = {"language": "zh-hans", "kind": "reminder", "index": 0, "file_format": "csv"}


def _url(name: str, pk: int) -> str:
    pattern = get_resolver().reverse_dict.getlist(name)[0]
    wanted = pattern[0][0][1]
    return reverse(
        name, kwargs={parameter: SAMPLE_PARAMETERS.get(parameter, pk) for parameter in wanted}
    )


def test_every_product_page_is_covered():
    # Guards the discovery above: if the URL modules move, this test must be revisited.
    assert {
        "home",
        "customer-list",
        "invoice-list",
        "payment-allocate",
        "statement-list",
        "dunning-policy-list",
        "bank-review",
        "bank-line-undo",
    } <= set(PAGE_URL_NAMES)


@pytest.mark.parametrize("name", PAGE_URL_NAMES)
def test_pages_send_anonymous_visitors_to_sign_in(client, name):
    response = client.get(_url(name, 1))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGE_URL_NAMES)
def test_an_auditor_can_change_nothing(client, auditor_user, finance_user, name):
    customer = CustomerFactory()
    invoice = issued_invoice(customer, actor=finance_user)
    recorded_payment(customer, actor=finance_user)
    # The invoice's key addresses a real object on invoice pages; elsewhere the role must be
    # refused before any lookup, so a 404 would fail the test as well.
    pk = invoice.pk
    before = (
        Invoice.objects.count(),
        Payment.objects.count(),
        Allocation.objects.count(),
        list(Installment.objects.values_list("open_amount", flat=True)),
    )
    client.force_login(auditor_user)

    response = client.post(_url(name, pk), data={"reason": "x", "amount": "1.00"})

    assert response.status_code in (403, 405), f"{name} answered {response.status_code}"
    assert before == (
        Invoice.objects.count(),
        Payment.objects.count(),
        Allocation.objects.count(),
        list(Installment.objects.values_list("open_amount", flat=True)),
    )


def _module_url_names(module_name: str) -> list[str]:
    return [
        pattern.name
        for entry in get_resolver().url_patterns
        if isinstance(entry, URLResolver)
        and getattr(entry.urlconf_name, "__name__", "") == module_name
        for pattern in entry.url_patterns
        if isinstance(pattern, URLPattern)
    ]


def test_the_public_url_module_holds_only_the_signed_link_pages():
    # Every other page needs a sign-in; a page added here would be open to anyone.
    assert _module_url_names("statements.public_urls") == ["statement-reply", "statement-reply-pdf"]


@pytest.mark.parametrize("suffix", ["", "pdf/"])
def test_the_signed_link_pages_need_no_sign_in(client, finance_user, settings, tmp_path, suffix):
    settings.MEDIA_ROOT = tmp_path
    customer = CustomerFactory()
    issued_invoice(customer, actor=finance_user)
    statement = ready_statement(customer)

    response = client.get(link(statement) + suffix)

    assert response.status_code == 200
