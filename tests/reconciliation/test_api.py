"""Reconciliation API: upload a statement, read accounts, imports and lines (with suggestions
and evidence), decide on lines (accept, reject, assign, ignore, undo, accept in bulk); the
permission matrix; constant query counts of the lists."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from receivables.models import Payment
from reconciliation.models import BankLine, BankStatementImport, MatchSuggestion
from reconciliation.services.lines import bank_line_accept
from tests.api.ledger_world import api_client
from tests.factories import CustomerFactory, bank_account, bank_line, issued_invoice
from tests.reconciliation.test_pages import STATEMENT_CSV, _installment, _suggest

pytestmark = pytest.mark.django_db

ROLES = {
    "finance_user": "write",
    "admin_user_": "write",
    "manager_user": "read",
    "auditor_user": "read",
    "sales_user": "none",
}


@pytest.fixture
def buyer():
    return CustomerFactory(code="HR001")


@pytest.fixture
def suggested(finance_user, buyer):
    installment = _installment(buyer, finance_user, "1000.00")
    line = bank_line(amount="1000.00", counterparty_name="华润万家")
    return line, _suggest(line, buyer, [(installment, "1000.00")]), installment


def _upload(client, account_code, content: str, name="s.csv"):
    return client.post(
        "/api/v1/bank-statements/",
        {
            "account": account_code,
            "format": "auto",
            "file": SimpleUploadedFile(name, content.encode(), content_type="text/csv"),
        },
        format="multipart",
    )


def test_uploading_a_statement_answers_201_with_the_summary(finance_user):
    bank_account("CMB-BASIC")
    response = _upload(api_client(finance_user), "CMB-BASIC", STATEMENT_CSV)

    assert response.status_code == 201, response.data
    body = response.json()
    assert (body["account"], body["format"], body["already_imported"]) == (
        "CMB-BASIC",
        "csv",
        False,
    )
    assert (body["new_lines"], body["duplicate_lines"], body["line_count"]) == (2, 0, 2)
    assert BankLine.objects.count() == 2

    again = _upload(api_client(finance_user), "CMB-BASIC", STATEMENT_CSV)
    assert again.status_code == 200
    assert (again.json()["already_imported"], again.json()["id"]) == (True, body["id"])
    assert BankLine.objects.count() == 2


def test_a_broken_statement_is_a_400_naming_the_line(finance_user):
    bank_account("CMB-BASIC")
    broken = STATEMENT_CSV + '2026-13-45,"1.00",,某公司,,货款,G1003\n'

    response = _upload(api_client(finance_user), "CMB-BASIC", broken)

    assert response.status_code == 400
    assert "4" in response.json()["file"][0]
    assert not BankStatementImport.objects.exists()


def test_an_unknown_account_is_a_400_on_the_account(finance_user):
    response = _upload(api_client(finance_user), "NOPE", STATEMENT_CSV)
    assert response.status_code == 400
    assert "account" in response.json()


def test_a_line_shows_its_suggestions_with_readable_evidence(finance_user, suggested):
    line, suggestion, installment = suggested

    body = api_client(finance_user).get(f"/api/v1/bank-lines/{line.pk}/").json()

    assert (body["status"], body["customer_code"], body["confidence"]) == ("suggested", "HR001", 80)
    [shown] = body["suggestions"]
    assert shown["id"] == suggestion.pk
    assert shown["items"] == [
        {
            "installment": installment.pk,
            "invoice_number": installment.invoice.number,
            "amount": "1000.00",
        }
    ]
    assert shown["evidence"] == [
        {
            "kind": "invoice_number",
            "label": "Invoice number in the remittance text",
            "detail": "INV-2026-000001",
            "points": 60,
        }
    ]


def test_lines_filter_by_status_and_account(finance_user, suggested):
    line, _suggestion, _installment = suggested
    other = bank_line(
        amount="5.00", account=bank_account("ICBC", account_number="62"), bank_reference="O"
    )
    client = api_client(finance_user)

    def ids(query):
        return [row["id"] for row in client.get(f"/api/v1/bank-lines/?{query}").json()["results"]]

    assert ids("status=suggested") == [line.pk]
    assert ids("account=ICBC") == [other.pk]
    assert ids("status=unmatched&account=CMB-BASIC") == []


def test_accept_then_undo_through_the_api(finance_user, suggested, buyer):
    line, suggestion, installment = suggested
    client = api_client(finance_user)

    accepted = client.post(
        f"/api/v1/bank-lines/{line.pk}/accept/", {"suggestion": suggestion.pk}, format="json"
    )

    assert accepted.status_code == 200, accepted.data
    assert accepted.json()["status"] == "applied"
    payment = Payment.objects.get()
    assert (payment.amount, payment.customer) == (Decimal("1000.00"), buyer)

    again = client.post(
        f"/api/v1/bank-lines/{line.pk}/accept/", {"suggestion": suggestion.pk}, format="json"
    )
    assert again.status_code == 400
    assert Payment.objects.count() == 1

    no_reason = client.post(f"/api/v1/bank-lines/{line.pk}/undo/", {}, format="json")
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()

    undone = client.post(f"/api/v1/bank-lines/{line.pk}/undo/", {"reason": "错账"}, format="json")
    assert undone.status_code == 200
    assert (undone.json()["status"], undone.json()["auto_apply_blocked"]) == ("unmatched", True)
    payment.refresh_from_db()
    installment.refresh_from_db()
    assert payment.status == Payment.Status.REVERSED
    assert installment.open_amount == Decimal("1000.00")


def test_reject_names_the_suggestion_field_when_it_is_not_the_lines(finance_user, suggested):
    line, suggestion, _installment = suggested
    other = bank_line(amount="1.00", bank_reference="O")
    client = api_client(finance_user)

    wrong = client.post(
        f"/api/v1/bank-lines/{other.pk}/reject/", {"suggestion": suggestion.pk}, format="json"
    )
    assert wrong.status_code == 400
    assert "suggestion" in wrong.json()

    done = client.post(
        f"/api/v1/bank-lines/{line.pk}/reject/", {"suggestion": suggestion.pk}, format="json"
    )
    assert done.status_code == 200
    assert done.json()["status"] == "unmatched"
    assert MatchSuggestion.objects.get().status == "rejected"


def test_assign_with_allocations_and_fee(finance_user, buyer):
    first = _installment(buyer, finance_user, "600.00", date(2026, 1, 5))
    second = _installment(buyer, finance_user, "400.00", date(2026, 1, 20))
    line = bank_line(amount="995.00")

    response = api_client(finance_user).post(
        f"/api/v1/bank-lines/{line.pk}/assign/",
        {
            "customer": buyer.pk,
            "allocations": [
                {"installment": first.pk, "amount": "600.00"},
                {"installment": second.pk, "amount": "400.00"},
            ],
            "fee": "5.00",
        },
        format="json",
    )

    assert response.status_code == 200, response.data
    line.refresh_from_db()
    assert (line.status, line.payment.amount, line.bank_charge.amount) == (
        "applied",
        Decimal("995.00"),
        Decimal("5.00"),
    )
    second.refresh_from_db()
    assert second.open_amount == Decimal("0.00")


def test_assign_refusals_write_nothing(finance_user, buyer):
    installment = _installment(buyer, finance_user, "600.00")
    line = bank_line(amount="100.00")
    client = api_client(finance_user)

    too_much = client.post(
        f"/api/v1/bank-lines/{line.pk}/assign/",
        {"customer": buyer.pk, "allocations": [{"installment": installment.pk, "amount": "600"}]},
        format="json",
    )
    big_fee = client.post(
        f"/api/v1/bank-lines/{line.pk}/assign/",
        {
            "customer": buyer.pk,
            "allocations": [{"installment": installment.pk, "amount": "200"}],
            "fee": "100",
        },
        format="json",
    )

    assert too_much.status_code == 400
    assert "allocations" in too_much.json()
    assert big_fee.status_code == 400
    assert "fee" in big_fee.json()
    assert Payment.objects.count() == 0
    line.refresh_from_db()
    assert line.status == "unmatched"


def test_ignore_needs_a_reason(finance_user):
    line = bank_line(amount="15.00", direction="debit")
    client = api_client(finance_user)

    assert (
        client.post(f"/api/v1/bank-lines/{line.pk}/ignore/", {}, format="json").status_code == 400
    )
    response = client.post(
        f"/api/v1/bank-lines/{line.pk}/ignore/", {"reason": "手续费"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["ignored_reason"]) == ("ignored", "手续费")


def test_accept_bulk_takes_the_confident_suggestions_only(finance_user, buyer):
    high = bank_line(amount="100.00", bank_reference="H")
    low = bank_line(amount="200.00", bank_reference="L")
    _suggest(high, buyer, [(_installment(buyer, finance_user, "100"), "100")], confidence=90)
    _suggest(low, buyer, [(_installment(buyer, finance_user, "200"), "200")], confidence=70)
    client = api_client(finance_user)

    below = client.post("/api/v1/bank-lines/accept-bulk/", {"min_confidence": 50}, format="json")
    assert below.status_code == 400
    assert Payment.objects.count() == 0

    response = client.post("/api/v1/bank-lines/accept-bulk/", {}, format="json")

    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "skipped": []}
    high.refresh_from_db()
    low.refresh_from_db()
    assert (high.status, low.status) == ("applied", "suggested")


# --- permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(request, role, suggested, finance_user, buyer):
    line, suggestion, _open_item = suggested
    applied = bank_line(amount="50.00", bank_reference="A")
    bank_line_accept(
        actor=finance_user,
        line=applied,
        suggestion=_suggest(applied, buyer, [(_installment(buyer, finance_user, "50"), "50")]),
    )
    access = ROLES[role]
    client = api_client(request.getfixturevalue(role))
    reads = [
        "/api/v1/bank-accounts/",
        "/api/v1/bank-statements/",
        f"/api/v1/bank-statements/{line.statement_import_id}/",
        "/api/v1/bank-lines/",
        f"/api/v1/bank-lines/{line.pk}/",
        f"/api/v1/bank-lines/{line.pk}/history/",
    ]
    for url in reads:
        assert client.get(url).status_code == (403 if access == "none" else 200), url
    if access == "write":
        return
    payments_before = Payment.objects.count()
    writes = {
        f"/api/v1/bank-lines/{line.pk}/accept/": {"suggestion": suggestion.pk},
        f"/api/v1/bank-lines/{line.pk}/reject/": {"suggestion": suggestion.pk},
        f"/api/v1/bank-lines/{line.pk}/assign/": {"customer": buyer.pk},
        f"/api/v1/bank-lines/{line.pk}/ignore/": {"reason": "x"},
        f"/api/v1/bank-lines/{applied.pk}/undo/": {"reason": "x"},
        "/api/v1/bank-lines/accept-bulk/": {},
    }
    for url, data in writes.items():
        assert client.post(url, data, format="json").status_code == 403, url
    upload = _upload(client, line.account.code, STATEMENT_CSV)
    assert upload.status_code == 403
    assert Payment.objects.count() == payments_before
    line.refresh_from_db()
    applied.refresh_from_db()
    assert (line.status, applied.status) == ("suggested", "applied")
    assert BankStatementImport.objects.count() == 1


def test_anonymous_requests_are_refused():
    assert api_client().get("/api/v1/bank-lines/").status_code in (401, 403)


# --- query counts ------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _add_lines(count, actor, buyer):
    for number in range(count):
        line = bank_line(amount="10.00", bank_reference=f"Q{BankLine.objects.count()}-{number}")
        invoice = issued_invoice(buyer, actor=actor, amount=Decimal("10.00"))
        _suggest(line, buyer, [(invoice.installments.get(), "10.00")])


@pytest.mark.parametrize(
    "url", ["/api/v1/bank-lines/", "/api/v1/bank-statements/", "/api/v1/bank-accounts/"]
)
def test_lists_cost_the_same_queries_at_two_sizes(finance_user, buyer, url):
    client = api_client(finance_user)
    _add_lines(2, finance_user, buyer)
    client.get(url)  # the first request also reads the user's roles, cached after
    small = _queries(client, url)
    _add_lines(10, finance_user, buyer)
    for code in ("B2", "B3"):
        bank_line(amount="1", account=bank_account(code, account_number=code), bank_reference=code)
    assert _queries(client, url) == small


def test_match_queues_the_engine_for_reconcilers_only(
    finance_user, auditor_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        refused = api_client(auditor_user).post("/api/v1/bank-lines/match/")
    assert refused.status_code == 403 and queued == []

    with django_capture_on_commit_callbacks() as queued:
        response = api_client(finance_user).post("/api/v1/bank-lines/match/")

    assert response.status_code == 202
    assert response.json() == {"queued": True}
    assert len(queued) == 1
