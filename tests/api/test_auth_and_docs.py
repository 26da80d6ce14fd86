"""Getting into the API (token and session) and its documentation: the OpenAPI schema and the
Swagger UI page, which must work offline (every asset served by this site, none from a CDN)."""

import json
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.roles import Role
from customers.models import Customer
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"  # what tests.factories.UserFactory sets
SIDECAR_PREFIX = "/static/drf_spectacular_sidecar/"


@pytest.fixture
def finance(db):
    return UserFactory(username="token_finance", role=Role.FINANCE)


def test_token_from_username_and_password_authenticates_api_requests(finance):
    customer = CustomerFactory()
    client = APIClient()

    obtained = client.post(
        "/api/v1/auth/token/", {"username": "token_finance", "password": PASSWORD}, format="json"
    )

    assert obtained.status_code == 200
    assert obtained.json() == {"token": Token.objects.get(user=finance).key}
    client.credentials(HTTP_AUTHORIZATION=f"Token {obtained.json()['token']}")
    listed = client.get("/api/v1/customers/")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [customer.pk]


def test_token_request_with_a_wrong_password_is_refused_and_creates_no_token(finance):
    response = APIClient(HTTP_ACCEPT_LANGUAGE="en").post(
        "/api/v1/auth/token/", {"username": "token_finance", "password": "wrong"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}
    assert not Token.objects.exists()


def test_unknown_token_is_refused(finance):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    response = client.get("/api/v1/customers/")

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_session_login_authenticates_api_requests(finance):
    customer = CustomerFactory()
    client = APIClient()
    assert client.login(username="token_finance", password=PASSWORD)

    response = client.get(f"/api/v1/customers/{customer.pk}/")

    assert response.status_code == 200
    assert response.json()["code"] == customer.code


def test_session_authenticated_write_without_csrf_token_is_refused(finance):
    client = APIClient(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username="token_finance", password=PASSWORD)

    response = client.post(
        "/api/v1/customers/", {"code": "CSRF-1", "legal_name": "跨站公司"}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF Failed: CSRF cookie not set."}
    assert not Customer.objects.exists()


def _signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_docs_and_schema_need_a_login(finance):
    docs = APIClient().get("/api/docs/")
    assert docs.status_code == 302
    assert docs["Location"] == "/accounts/login/?next=/api/docs/"
    assert APIClient().get("/api/schema/").status_code in (401, 403)
    assert _signed_in(finance).get("/api/docs/").status_code == 200


def test_any_role_signs_in_on_the_login_page_and_reaches_the_docs(finance):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get("/accounts/login/?next=/api/docs/")
    assert page.status_code == 200
    assert b"Sign in" in page.content
    refused = client.post("/accounts/login/", {"username": "token_finance", "password": "wrong"})
    assert refused.status_code == 200
    assert "didn't match" in refused.content.decode()
    signed_in = client.post(
        "/accounts/login/",
        {"username": "token_finance", "password": PASSWORD, "next": "/api/docs/"},
    )
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/api/docs/"
    assert client.get("/api/docs/").status_code == 200


def test_schema_is_an_openapi_3_document_listing_every_endpoint_and_action(finance):
    response = _signed_in(finance).get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3")
    assert schema["info"]["title"] == "Huikuan API"
    expected_paths = {
        "/api/v1/auth/token/",
        "/api/v1/customers/",
        "/api/v1/customers/{id}/",
        "/api/v1/customers/{id}/archive/",
        "/api/v1/customers/{id}/history/",
        "/api/v1/contacts/",
        "/api/v1/contacts/{id}/",
        "/api/v1/contracts/",
        "/api/v1/contracts/{id}/",
        "/api/v1/payment-terms/",
        "/api/v1/payment-terms/{id}/",
        "/api/v1/invoices/",
        "/api/v1/invoices/{id}/",
        "/api/v1/invoices/{id}/issue/",
        "/api/v1/invoices/{id}/cancel/",
        "/api/v1/invoices/{id}/dispute/",
        "/api/v1/invoices/{id}/delivery/",
        "/api/v1/installments/",
        "/api/v1/installments/{id}/",
        "/api/v1/payments/",
        "/api/v1/payments/{id}/",
        "/api/v1/payments/{id}/allocate/",
        "/api/v1/payments/{id}/auto-allocate/",
        "/api/v1/payments/{id}/reverse/",
        "/api/v1/payments/{id}/refund/",
        "/api/v1/allocations/",
        "/api/v1/allocations/{id}/",
        "/api/v1/allocations/{id}/reverse/",
        "/api/v1/credit-notes/",
        "/api/v1/credit-notes/{id}/",
        "/api/v1/write-offs/",
        "/api/v1/write-offs/{id}/",
        "/api/v1/write-offs/{id}/approve/",
        "/api/v1/write-offs/{id}/reject/",
        "/api/v1/exchange-rates/",
        "/api/v1/exchange-rates/{id}/",
    }
    assert expected_paths <= set(schema["paths"])
    assert set(schema["paths"]["/api/v1/invoices/{id}/issue/"]) == {"post"}
    assert set(schema["paths"]["/api/v1/invoices/{id}/"]) == {"get", "patch"}


def test_schema_generates_without_warnings_and_validates(tmp_path):
    """drf-spectacular warns when it has to guess a view's shape; a guess is a wrong document."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))

    assert (tmp_path / "s.yml").read_text().startswith("openapi: 3.")


class _AssetCollector(HTMLParser):
    """The URLs a page loads: script sources, stylesheets, icons, images."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img") and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


def _docs_asset_urls(user) -> list[str]:
    response = _signed_in(user).get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    collector = _AssetCollector()
    collector.feed(response.content.decode())
    return collector.urls


def test_docs_page_loads_its_assets_from_this_site_only(finance):
    urls = _docs_asset_urls(finance)

    assert sorted(urls) == [
        f"{SIDECAR_PREFIX}swagger-ui-dist/favicon-32x32.png",
        f"{SIDECAR_PREFIX}swagger-ui-dist/swagger-ui-bundle.js",
        f"{SIDECAR_PREFIX}swagger-ui-dist/swagger-ui-standalone-preset.js",
        f"{SIDECAR_PREFIX}swagger-ui-dist/swagger-ui.css",
    ]


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_docs_assets_are_served(finance):
    """Tests run with DEBUG off and nothing collected, so WhiteNoise is told to look the files
    up through the staticfiles finders, as it does in development."""
    urls = _docs_asset_urls(finance)
    assert urls

    for url in urls:
        path = finders.find(url.removeprefix("/static/"))
        assert path is not None, url
        response = APIClient().get(url)
        assert response.status_code == 200, url
        with open(path, "rb") as asset:
            assert b"".join(response.streaming_content) == asset.read(), url
