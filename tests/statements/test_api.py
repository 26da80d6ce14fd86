"""The statements API: ask for a statement (queued; its id is the job), follow its status,
download the stored PDF byte for byte, list statements with their confirmation status; scoped
like every other endpoint (another rep's statement is a 404)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from statements.models import Statement
from statements.services import statement_generate
from tests.conftest import api_client_for
from tests.statements._reply_helpers import ready_statement
from tests.statements._statement_helpers import (
    FEB,
    JAN,
    customer_with_ledger,
    media_root,  # noqa: F401 (fixture)
    sha256_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

URL = "/api/v1/statements/"


@pytest.fixture
def eager_tasks(monkeypatch):
    """Queued tasks run in the test's process when queued (after the commit)."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


def _request(client, customer, period=JAN, send=False):
    return client.post(
        URL,
        {
            "customer": customer.pk,
            "period_start": period[0].isoformat(),
            "period_end": period[1].isoformat(),
            "send": send,
        },
        format="json",
    )


def test_a_requested_statement_is_queued_then_generated_and_downloadable(
    finance_user, eager_tasks, django_capture_on_commit_callbacks, mailoutbox
):
    customer = customer_with_ledger(finance_user, code="API1")
    client = api_client_for(finance_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = _request(client, customer, send=True)

    assert response.status_code == 202
    body = response.json()
    statement = Statement.objects.get()
    assert body["id"] == statement.pk
    assert (body["status"], body["pdf_url"], body["customer_code"]) == ("pending", None, "API1")
    assert body["status_url"] == f"http://testserver/api/v1/statements/{statement.pk}/"

    status = client.get(body["status_url"]).json()

    assert status["status"] == "ready"
    assert status["source"] == "on_demand"
    assert status["pdf_url"] == f"http://testserver/api/v1/statements/{statement.pk}/pdf/"
    assert status["balances"] == [
        {
            "currency": "CNY",
            "opening_balance": "1000.00",
            "closing_balance": "2600.00",
            "overdue_amount": "600.00",
            "late_interest": "8.10",
        }
    ]
    assert status["confirmation_status"] == "awaiting_reply"  # e-mailed after generating
    assert status["emailed_to"] == "ap0-api1@example.cn"
    assert len(mailoutbox) == 1
    first = client.get(status["pdf_url"])
    second = client.get(status["pdf_url"])
    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert first["Content-Disposition"] == (
        'attachment; filename="statement-API1-2026-01-01-2026-01-31.pdf"'
    )
    downloaded = b"".join(first.streaming_content)
    assert downloaded == b"".join(second.streaming_content)
    assert sha256_of(downloaded) == status["pdf_sha256"] == Statement.objects.get().pdf_sha256


def test_asking_again_for_the_same_period_returns_the_same_statement(
    finance_user, eager_tasks, django_capture_on_commit_callbacks
):
    customer = customer_with_ledger(finance_user)
    client = api_client_for(finance_user)
    with django_capture_on_commit_callbacks(execute=True):
        first = _request(client, customer)
    sha = Statement.objects.get().pdf_sha256

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = _request(client, customer)

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["status"] == "ready"
    assert callbacks == []
    assert Statement.objects.count() == 1
    assert Statement.objects.get().pdf_sha256 == sha


def test_the_pdf_of_a_statement_being_generated_is_a_conflict(finance_user):
    customer = customer_with_ledger(finance_user)
    client = api_client_for(finance_user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    response = _request(client, customer)  # the job is not run: on_commit never fires here

    download = client.get(f"{URL}{response.json()['id']}/pdf/")

    assert download.status_code == 409
    assert download.json() == {
        "detail": "The statement is not generated (status: Being generated)."
    }


@pytest.mark.parametrize("role", ["sales_user", "auditor_user", "manager_user"])
def test_only_finance_and_admin_ask_for_statements(request, finance_user, role):
    customer = customer_with_ledger(finance_user, owner=request.getfixturevalue("sales_user"))

    response = _request(api_client_for(request.getfixturevalue(role)), customer)

    assert response.status_code == 403
    assert Statement.objects.count() == 0


def test_a_period_in_the_future_is_refused(finance_user):
    customer = customer_with_ledger(finance_user)
    tomorrow = timezone.localdate() + timedelta(days=1)

    client = api_client_for(finance_user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    response = _request(client, customer, period=(JAN[0], tomorrow))

    assert response.status_code == 400
    assert response.json() == {"period_end": ["The period must not end in the future."]}
    assert Statement.objects.count() == 0


def test_an_unknown_customer_is_refused(finance_user):
    response = api_client_for(finance_user).post(
        URL,
        {"customer": 999999, "period_start": "2026-01-01", "period_end": "2026-01-31"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["customer"]
    assert Statement.objects.count() == 0


@pytest.fixture
def two_reps_statements(finance_user, sales_user, other_sales_user):
    mine = customer_with_ledger(finance_user, owner=sales_user, code="MINE")
    theirs = customer_with_ledger(finance_user, owner=other_sales_user, code="THEIRS")
    return ready_statement(mine, emailed=False), ready_statement(theirs, emailed=False)


def test_a_sales_rep_sees_and_downloads_only_own_customers_statements(
    two_reps_statements, sales_user
):
    mine, theirs = two_reps_statements
    client = api_client_for(sales_user)

    listed = client.get(URL).json()

    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.get(f"{URL}{theirs.pk}/pdf/").status_code == 404
    download = client.get(f"{URL}{mine.pk}/pdf/")
    assert download.status_code == 200
    assert sha256_of(b"".join(download.streaming_content)) == mine.pdf_sha256


def test_an_auditor_lists_and_downloads_everything(two_reps_statements, auditor_user):
    client = api_client_for(auditor_user)

    assert client.get(URL).json()["count"] == 2
    for statement in two_reps_statements:
        assert client.get(f"{URL}{statement.pk}/pdf/").status_code == 200


def test_the_list_filters_by_confirmation_status_and_period(finance_user):
    awaiting = ready_statement(
        customer_with_ledger(finance_user), reply_due_on=date(2099, 1, 1), emailed=True
    )
    overdue = ready_statement(
        customer_with_ledger(finance_user), reply_due_on=date(2026, 2, 20), emailed=True
    )
    unsent = ready_statement(customer_with_ledger(finance_user), period=FEB, emailed=False)
    client = api_client_for(finance_user)

    def ids(query):
        return sorted(row["id"] for row in client.get(URL + query).json()["results"])

    assert ids("?confirmation_status=awaiting_reply") == [awaiting.pk]
    assert ids("?confirmation_status=reply_overdue") == [overdue.pk]
    assert ids("?confirmation_status=not_sent") == [unsent.pk]
    assert ids("?period_from=2026-02-01") == [unsent.pk]
    assert ids("?period_to=2026-01-31") == sorted([awaiting.pk, overdue.pk])
    assert ids(f"?customer={unsent.customer_id}") == [unsent.pk]
    assert client.get(URL + "?confirmation_status=bogus").status_code == 400


@pytest.mark.parametrize("size", [2, 6])
def test_the_list_costs_the_same_queries_at_any_size(
    finance_user, sales_user, django_assert_num_queries, size
):
    for _number in range(size):
        ready_statement(customer_with_ledger(finance_user, owner=sales_user))
    client = api_client_for(sales_user)
    client.get(URL)  # the user's roles, cached on the user from then on

    # Count, page, balances.
    with django_assert_num_queries(3):
        response = client.get(URL)

    assert response.json()["count"] == size


def test_a_statement_generated_by_the_service_shows_its_history(finance_user):
    customer = customer_with_ledger(finance_user)
    statement = statement_generate(
        customer=customer,
        period_start=JAN[0],
        period_end=JAN[1],
        source=Statement.Source.ON_DEMAND,
        actor=finance_user,
    )

    history = api_client_for(finance_user).get(f"{URL}{statement.pk}/history/")

    assert history.status_code == 200
    assert len(history.json()) == 2  # created (pending), then ready


def test_asking_again_for_a_failed_statement_generates_it_again(
    finance_user, eager_tasks, django_capture_on_commit_callbacks, settings, tmp_path
):
    customer = customer_with_ledger(finance_user)
    client = api_client_for(finance_user)
    media = settings.MEDIA_ROOT
    settings.MEDIA_ROOT = tmp_path / "a-file"
    settings.MEDIA_ROOT.write_text("")
    with django_capture_on_commit_callbacks(execute=True):
        first = _request(client, customer)
    failed = client.get(first.json()["status_url"]).json()
    assert (failed["status"], failed["pdf_url"]) == ("failed", None)
    assert failed["failure"] != ""
    settings.MEDIA_ROOT = media

    with django_capture_on_commit_callbacks(execute=True):
        again = _request(client, customer)

    assert again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert client.get(first.json()["status_url"]).json()["status"] == "ready"
    assert Statement.objects.count() == 1


def test_the_job_of_a_statement_that_no_longer_exists_does_nothing():
    from statements.tasks import generate_statement

    assert generate_statement(999999) is None
    assert Statement.objects.count() == 0
