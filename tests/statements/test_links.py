"""Signed links: a tampered, foreign or revoked link gets one page that reveals nothing (the
same whether the statement exists or not); an expired one its own page (410); neither records
anything."""

import re
import time
from datetime import date
from decimal import Decimal

import pytest
from django.core import signing
from django.urls import reverse

from statements.links import confirmation_token
from statements.models import ConfirmationReply, Statement
from tests.factories import CustomerFactory, issued_invoice
from tests.statements._reply_helpers import link, ready_statement

pytestmark = pytest.mark.django_db

# Whole customer codes: a random CSRF token on the page could contain a shorter string.
SECRETS = ("杭州西湖贸易有限公司", "宁波海港物流有限公司", "1,234.00", "5,678.00", "C9001", "C9002")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def two_statements(finance_user):
    west = CustomerFactory(code="C9001", legal_name="杭州西湖贸易有限公司")
    port = CustomerFactory(code="C9002", legal_name="宁波海港物流有限公司")
    issued_invoice(west, actor=finance_user, amount=Decimal("1234.00"))
    issued_invoice(port, actor=finance_user, amount=Decimal("5678.00"))
    return ready_statement(west), ready_statement(port)


def _reveals_nothing(response):
    text = response.content.decode()
    return not any(secret in text for secret in SECRETS)


def _without_csrf(response) -> str:
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", response.content.decode())


def _url(pk, token, suffix=""):
    return reverse("statement-reply", kwargs={"pk": pk, "token": token}) + suffix


def _tampered(token: str) -> str:
    last = "A" if token[-1] != "A" else "B"
    return token[:-1] + last


def test_a_valid_link_opens_its_statement(client, two_statements):
    west, _port = two_statements

    response = client.get(link(west))

    assert response.status_code == 200
    assert "杭州西湖贸易有限公司" in response.content.decode()
    assert "宁波海港物流有限公司" not in response.content.decode()


@pytest.mark.parametrize("suffix", ["", "pdf/"])
def test_a_tampered_signature_is_refused_and_reveals_nothing(client, two_statements, suffix):
    west, _port = two_statements

    response = client.get(_url(west.pk, _tampered(confirmation_token(west)), suffix))

    assert response.status_code == 404
    assert 'data-link-refused="invalid"' in response.content.decode()
    assert _reveals_nothing(response)


def test_another_statements_token_is_refused_and_reveals_neither(client, two_statements):
    west, port = two_statements

    for suffix in ("", "pdf/"):
        response = client.get(_url(port.pk, confirmation_token(west), suffix))
        assert response.status_code == 404
        assert _reveals_nothing(response)
    response = client.post(
        _url(port.pk, confirmation_token(west)),
        {"outcome": "confirmed", "respondent_name": "王"},
    )
    assert response.status_code == 404
    assert not ConfirmationReply.objects.exists()


def test_the_refusal_is_the_same_whether_the_statement_exists_or_not(client, two_statements):
    west, _port = two_statements
    forged = _tampered(confirmation_token(west))

    existing = client.get(_url(west.pk, forged))
    missing = client.get(_url(west.pk + 1000, forged))

    assert existing.status_code == missing.status_code == 404
    # Byte for byte, but for the per-request CSRF token the base template carries.
    assert _without_csrf(existing) == _without_csrf(missing)


def _signed_days_ago(statement, days, monkeypatch) -> str:
    signed_at = time.time() - days * 86400
    with monkeypatch.context() as patched:
        patched.setattr(signing.time, "time", lambda: signed_at)
        return confirmation_token(statement)


@pytest.mark.parametrize("suffix", ["", "pdf/"])
def test_an_expired_link_is_refused_with_its_own_page(
    client, two_statements, monkeypatch, settings, suffix
):
    settings.STATEMENT_LINK_MAX_AGE_DAYS = 60
    west, _port = two_statements
    old = _signed_days_ago(west, 61, monkeypatch)

    response = client.get(_url(west.pk, old, suffix))

    assert response.status_code == 410
    assert 'data-link-refused="expired"' in response.content.decode()
    assert _reveals_nothing(response)


def test_an_expired_link_cannot_reply(client, two_statements, monkeypatch):
    west, _port = two_statements
    old = _signed_days_ago(west, 61, monkeypatch)

    response = client.post(_url(west.pk, old), {"outcome": "confirmed", "respondent_name": "王"})

    assert response.status_code == 410
    assert not ConfirmationReply.objects.exists()


def test_a_link_still_young_enough_works(client, two_statements, monkeypatch):
    west, _port = two_statements

    assert client.get(_url(west.pk, _signed_days_ago(west, 59, monkeypatch))).status_code == 200


def test_replacing_the_access_key_revokes_earlier_links(client, two_statements):
    west, _port = two_statements
    old_link = link(west)
    Statement.objects.filter(pk=west.pk).update(access_key="a-new-key")

    response = client.get(old_link)

    assert response.status_code == 404
    assert _reveals_nothing(response)


def test_a_statement_not_ready_does_not_open(client, two_statements):
    west, _port = two_statements
    Statement.objects.filter(pk=west.pk).update(
        status=Statement.Status.FAILED, pdf="", pdf_sha256=""
    )

    response = client.get(link(west))

    assert response.status_code == 404
    assert _reveals_nothing(response)


def test_the_expired_page_tells_how_to_reach_us(client, two_statements, monkeypatch):
    from core.models import CompanyProfile

    CompanyProfile.objects.update_or_create(
        pk=1,
        defaults={"name": "示例科技有限公司", "phone": "0571-8888 0000", "email": "ar@demo.cn"},
    )
    west, _port = two_statements

    response = client.get(_url(west.pk, _signed_days_ago(west, 61, monkeypatch)))

    assert "0571-8888 0000" in response.content.decode()
    assert "ar@demo.cn" in response.content.decode()


def test_reply_due_date_and_period_are_on_the_valid_page_only(client, two_statements):
    west, _port = two_statements
    assert west.reply_due_on == date(2026, 2, 20)

    valid = client.get(link(west)).content.decode()
    refused = client.get(_url(west.pk, _tampered(confirmation_token(west)))).content.decode()

    assert "2026-02-20" in valid and "2026-02-20" not in refused
    assert "2026-01-31" in valid and "2026-01-31" not in refused
