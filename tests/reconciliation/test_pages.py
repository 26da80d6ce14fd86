"""Reconciliation pages: who may read and write them, bank accounts and column mappings, the
statement upload, the review queue and its decisions (accept, reject, assign, ignore, undo,
bulk accept), each changing the ledger exactly as the services say and nothing on refusal."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from receivables.models import Allocation, BankCharge, Payment
from reconciliation.models import (
    BankAccount,
    BankLine,
    BankStatementImport,
    ColumnMapping,
    MatchSuggestion,
    MatchSuggestionItem,
)
from reconciliation.services.lines import bank_line_accept
from tests.factories import CustomerFactory, bank_account, bank_line, issued_invoice
from tests.pages import queries_to_render

pytestmark = pytest.mark.django_db

READERS = ("finance_user", "manager_user", "admin_user_", "auditor_user")
WRITERS = ("finance_user", "admin_user_")
NON_WRITERS = ("manager_user", "auditor_user", "sales_user")


def _signed_in(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _installment(customer, actor, amount, issue_date=date(2026, 1, 10)):
    invoice = issued_invoice(customer, actor=actor, amount=Decimal(amount), issue_date=issue_date)
    return invoice.installments.get()


def _suggest(line, customer, items, *, confidence=80, fee="0", rank=1, evidence=None):
    suggestion = MatchSuggestion.objects.create(
        line=line,
        customer=customer,
        rank=rank,
        confidence=confidence,
        evidence=evidence
        if evidence is not None
        else [{"kind": "invoice_number", "detail": "INV-2026-000001", "points": 60}],
        fee_amount=Decimal(fee),
    )
    for installment, amount in items:
        MatchSuggestionItem.objects.create(
            suggestion=suggestion, installment=installment, amount=Decimal(amount)
        )
    best = line.suggestions.order_by("-confidence").first()
    BankLine.objects.filter(pk=line.pk).update(
        status=BankLine.Status.SUGGESTED, customer=best.customer, confidence=best.confidence
    )
    line.refresh_from_db()
    return suggestion


@pytest.fixture
def buyer():
    return CustomerFactory(code="HR001", legal_name="华润万家有限公司")


@pytest.fixture
def suggested(finance_user, buyer):
    """A credit of 1,000.00 suggested (80%) for the buyer's open invoice of 1,000.00."""
    installment = _installment(buyer, finance_user, "1000.00")
    line = bank_line(
        amount="1000.00",
        counterparty_name="华润万家",
        remittance="货款 " + installment.invoice.number,
    )
    suggestion = _suggest(line, buyer, [(installment, "1000.00")])
    return line, suggestion, installment


def _ledger_counts():
    return (Payment.objects.count(), Allocation.objects.count(), BankCharge.objects.count())


def _line_state(line):
    line.refresh_from_db()
    return (line.status, line.payment_id, line.customer_id, line.ignored_reason)


# --- access ------------------------------------------------------------------------------------


def _read_urls(line):
    return [
        reverse("bank-account-list"),
        reverse("bank-mapping-list"),
        reverse("bank-import-list"),
        reverse("bank-import-detail", args=[line.statement_import_id]),
        reverse("bank-review"),
        reverse("bank-line-list"),
        reverse("bank-line-detail", args=[line.pk]),
    ]


def _write_get_urls(line, mapping):
    return [
        reverse("bank-account-create"),
        reverse("bank-account-edit", args=[line.account_id]),
        reverse("bank-mapping-create"),
        reverse("bank-mapping-edit", args=[mapping.pk]),
        reverse("bank-import-create"),
        reverse("bank-line-assign", args=[line.pk]),
        reverse("bank-lines-accept-bulk"),
    ]


@pytest.mark.parametrize("role", READERS)
def test_every_reader_sees_every_read_page(client, request, role, suggested):
    line, _suggestion, _installment = suggested
    page = _signed_in(client, request.getfixturevalue(role))
    for url in _read_urls(line):
        assert page.get(url).status_code == 200, url


def test_a_sales_rep_reaches_no_reconciliation_page(client, sales_user, suggested):
    line, _suggestion, _installment = suggested
    page = _signed_in(client, sales_user)
    mapping = ColumnMapping.objects.create(name="ICBC")
    for url in _read_urls(line) + _write_get_urls(line, mapping):
        assert page.get(url).status_code == 403, url


def test_an_anonymous_visitor_is_sent_to_sign_in(client, suggested):
    response = client.get(reverse("bank-review"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("role", WRITERS)
def test_writers_open_every_form(client, request, role, suggested):
    line, _suggestion, _installment = suggested
    mapping = ColumnMapping.objects.create(name="ICBC")
    page = _signed_in(client, request.getfixturevalue(role))
    for url in _write_get_urls(line, mapping):
        assert page.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ("manager_user", "auditor_user"))
def test_readers_without_reconcile_get_403_on_forms_and_see_no_buttons(
    client, request, role, suggested
):
    line, _suggestion, _installment = suggested
    mapping = ColumnMapping.objects.create(name="ICBC")
    page = _signed_in(client, request.getfixturevalue(role))
    for url in _write_get_urls(line, mapping):
        assert page.get(url).status_code == 403, url
    queue = page.get(reverse("bank-review")).content.decode()
    detail = page.get(reverse("bank-line-detail", args=[line.pk])).content.decode()
    for html in (queue, detail):
        assert 'data-action="accept"' not in html
        assert 'data-action="reject"' not in html
        assert reverse("bank-line-assign", args=[line.pk]) not in html
    assert reverse("bank-import-create") not in queue


@pytest.mark.parametrize("role", NON_WRITERS)
def test_every_post_is_refused_to_non_writers_and_changes_nothing(
    client, request, role, suggested, finance_user, buyer
):
    line, suggestion, installment = suggested
    applied = bank_line(amount="50.00", bank_reference="APPLIED")
    bank_line_accept(
        actor=finance_user,
        line=applied,
        suggestion=_suggest(applied, buyer, [(_installment(buyer, finance_user, "50.00"), "50")]),
    )
    mapping = ColumnMapping.objects.create(name="ICBC")
    before = (_ledger_counts(), _line_state(line), _line_state(applied))
    accounts_before = list(BankAccount.objects.values())
    page = _signed_in(client, request.getfixturevalue(role))
    posts = {
        reverse("bank-account-create"): {"code": "X", "name": "X", "account_number": "1"},
        reverse("bank-account-edit", args=[line.account_id]): {"code": "X", "name": "X"},
        reverse("bank-mapping-create"): {"name": "Y"},
        reverse("bank-mapping-edit", args=[mapping.pk]): {"name": "Y"},
        reverse("bank-import-create"): {"account": line.account_id},
        reverse("bank-line-accept", args=[line.pk]): {"suggestion": suggestion.pk},
        reverse("bank-line-reject", args=[line.pk]): {"suggestion": suggestion.pk},
        reverse("bank-line-assign", args=[line.pk]): {"customer": buyer.code},
        reverse("bank-line-ignore", args=[line.pk]): {"reason": "x"},
        reverse("bank-line-unignore", args=[line.pk]): {},
        reverse("bank-line-undo", args=[applied.pk]): {"reason": "x"},
        reverse("bank-lines-accept-bulk"): {"min_confidence": 75},
    }
    for url, data in posts.items():
        assert page.post(url, data).status_code == 403, url
    assert (_ledger_counts(), _line_state(line), _line_state(applied)) == before
    assert list(BankAccount.objects.values()) == accounts_before
    assert ColumnMapping.objects.get().name == "ICBC"


def test_read_pages_refuse_posts(client, finance_user, suggested):
    line, _suggestion, _installment = suggested
    page = _signed_in(client, finance_user)
    for url in _read_urls(line):
        assert page.post(url).status_code == 405, url


def test_an_unknown_line_or_import_is_a_404(client, finance_user):
    page = _signed_in(client, finance_user)
    assert page.get(reverse("bank-line-detail", args=[999999])).status_code == 404
    assert page.get(reverse("bank-import-detail", args=[999999])).status_code == 404
    assert page.post(reverse("bank-line-undo", args=[999999]), {"reason": "x"}).status_code == 404


# --- bank accounts and column mappings ---------------------------------------------------------


def test_finance_creates_a_bank_account_with_a_spaced_number(client, finance_user):
    mapping = ColumnMapping.objects.create(name="CMB export")
    response = _signed_in(client, finance_user).post(
        reverse("bank-account-create"),
        {
            "code": "ICBC-USD",
            "name": "工商银行 美元户",
            "bank_name": "中国工商银行上海分行",
            "account_number": "1001 2345 6789",
            "currency": "USD",
            "column_mapping": mapping.pk,
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    account = BankAccount.objects.get(code="ICBC-USD")
    assert (account.account_number, account.currency, account.column_mapping) == (
        "100123456789",
        "USD",
        mapping,
    )
    assert account.history.get().history_user == finance_user


def test_a_duplicate_account_code_is_refused_on_the_field(client, finance_user):
    existing = bank_account("CMB-BASIC")
    response = _signed_in(client, finance_user).post(
        reverse("bank-account-create"),
        {"code": "CMB-BASIC", "name": "again", "account_number": "999", "currency": "CNY"},
    )

    assert response.status_code == 400
    assert "code" in response.context["form"].errors
    assert list(BankAccount.objects.values_list("pk", flat=True)) == [existing.pk]


def test_an_account_with_imports_keeps_its_currency(client, finance_user):
    line = bank_line(amount="10.00")
    account = line.account
    response = _signed_in(client, finance_user).post(
        reverse("bank-account-edit", args=[account.pk]),
        {
            "code": account.code,
            "name": "renamed",
            "account_number": account.account_number,
            "currency": "USD",
            "is_active": "on",
        },
    )

    assert response.status_code == 400
    assert "cannot change" in response.context["form"].errors["currency"][0]
    account.refresh_from_db()
    assert (account.name, account.currency) == ("招商银行 基本户", "CNY")


def test_a_column_mapping_with_a_flag_column_needs_both_flag_values(client, finance_user):
    page = _signed_in(client, finance_user)
    refused = page.post(
        reverse("bank-mapping-create"),
        {"name": "BOC", "amount_column": "交易金额", "direction_column": "借贷标志"},
    )
    assert refused.status_code == 400
    assert "credit_marker" in refused.context["form"].errors
    assert not ColumnMapping.objects.exists()

    saved = page.post(
        reverse("bank-mapping-create"),
        {
            "name": "BOC",
            "amount_column": "交易金额",
            "direction_column": "借贷标志",
            "credit_marker": "贷",
            "debit_marker": "借",
            "remittance_columns": "摘要,附言",
        },
    )
    assert saved.status_code == 302
    mapping = ColumnMapping.objects.get()
    assert (mapping.amount_column, mapping.credit_marker, mapping.remittance_columns) == (
        "交易金额",
        "贷",
        "摘要,附言",
    )


# --- statement upload --------------------------------------------------------------------------

STATEMENT_CSV = (
    "交易日期,贷方金额,借方金额,对方户名,对方账号,摘要,交易流水号\n"
    '2026-11-03,"12,800.00",,华润万家有限公司,31001590000050012345,货款,G1001\n'
    "2026-11-04,,15.00,,,手续费,G1002\n"
)


def _upload(page, account, content: str, name="statement.csv"):
    return page.post(
        reverse("bank-import-create"),
        {
            "account": account.pk,
            "format": "auto",
            "file": SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv"),
        },
    )


def test_uploading_a_statement_imports_its_lines_and_shows_them(client, finance_user):
    account = bank_account("CMB-BASIC")
    page = _signed_in(client, finance_user)

    response = _upload(page, account, STATEMENT_CSV)

    statement_import = BankStatementImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("bank-import-detail", args=[statement_import.pk])
    lines = list(
        BankLine.objects.order_by("booked_on").values_list("direction", "amount", "bank_reference")
    )
    assert lines == [
        ("credit", Decimal("12800.00"), "G1001"),
        ("debit", Decimal("15.00"), "G1002"),
    ]
    shown = page.get(response["Location"]).content.decode()
    assert "华润万家有限公司" in shown and "2 new, 0 already imported" in shown


def test_uploading_the_same_file_again_adds_nothing(client, finance_user):
    account = bank_account("CMB-BASIC")
    page = _signed_in(client, finance_user)
    _upload(page, account, STATEMENT_CSV)

    again = _upload(page, account, STATEMENT_CSV)

    assert again.status_code == 302
    assert BankStatementImport.objects.count() == 1
    assert BankLine.objects.count() == 2
    followed = page.get(again["Location"]).content.decode()
    assert "already imported" in followed


def test_a_broken_file_is_refused_naming_the_line_and_nothing_is_written(client, finance_user):
    account = bank_account("CMB-BASIC")
    broken = STATEMENT_CSV + '2026-13-45,"1.00",,某公司,,货款,G1003\n'

    response = _signed_in(client, finance_user).post(
        reverse("bank-import-create"),
        {
            "account": account.pk,
            "format": "auto",
            "file": SimpleUploadedFile("broken.csv", broken.encode(), content_type="text/csv"),
        },
    )

    assert response.status_code == 400
    error = response.context["form"].errors["file"][0]
    assert "4" in error  # the fourth line of the file
    assert 'data-field-error="file"' in response.content.decode()
    assert not BankStatementImport.objects.exists()
    assert not BankLine.objects.exists()


def test_an_upload_without_a_file_is_refused(client, finance_user):
    account = bank_account("CMB-BASIC")
    response = _signed_in(client, finance_user).post(
        reverse("bank-import-create"), {"account": account.pk, "format": "auto"}
    )
    assert response.status_code == 400
    assert "file" in response.context["form"].errors
    assert not BankStatementImport.objects.exists()


# --- the review queue --------------------------------------------------------------------------


def _queued(response) -> list[int]:
    return [line.pk for line in response.context["page"]]


def test_the_queue_shows_suggested_and_unmatched_credits_with_their_evidence(
    client, finance_user, suggested, buyer
):
    line, suggestion, installment = suggested
    unmatched = bank_line(amount="77.00", booked_on=date(2026, 1, 5), bank_reference="U")
    bank_line(amount="15.00", direction="debit", bank_reference="FEE")
    ignored = bank_line(amount="3.00", bank_reference="I")
    BankLine.objects.filter(pk=ignored.pk).update(status="ignored", ignored_reason="interest")

    response = _signed_in(client, finance_user).get(reverse("bank-review"))

    assert _queued(response) == [line.pk, unmatched.pk]
    html = response.content.decode()
    assert f'data-suggestion="{suggestion.pk}"' in html
    assert installment.invoice.number in html
    assert "Invoice number in the remittance text" in html
    assert 'data-confidence="80"' in html
    assert "HR001" in html
    assert "No suggestion" in html
    assert "(+60)" in html


def test_evidence_against_a_suggestion_shows_with_a_minus_sign(client, finance_user, buyer):
    line = bank_line(amount="100.00")
    _suggest(
        line,
        buyer,
        [(_installment(buyer, finance_user, "100.00"), "100.00")],
        evidence=[
            {"kind": "amount_exact", "detail": "", "points": 45},
            {"kind": "disputed", "detail": "", "points": -10},
        ],
    )

    html = _signed_in(client, finance_user).get(reverse("bank-review")).content.decode()

    assert "(+45)" in html and "(−10)" in html and "+-10" not in html


def test_the_queue_filters_by_status_confidence_account_date_and_text(
    client, finance_user, suggested, buyer
):
    line, _suggestion, _installment = suggested
    other_account = bank_account("ICBC", account_number="6222000011112222")
    unmatched = bank_line(
        amount="77.00",
        booked_on=date(2026, 1, 5),
        account=other_account,
        counterparty_name="李明",
        bank_reference="U",
    )
    page = _signed_in(client, finance_user)
    review = reverse("bank-review")

    assert _queued(page.get(review, {"status": "unmatched"})) == [unmatched.pk]
    assert _queued(page.get(review, {"min_confidence": 80})) == [line.pk]
    assert _queued(page.get(review, {"min_confidence": 81})) == []
    assert _queued(page.get(review, {"account": other_account.pk})) == [unmatched.pk]
    assert _queued(page.get(review, {"booked_to": "2026-01-31"})) == [unmatched.pk]
    assert _queued(page.get(review, {"booked_from": "2026-02-01"})) == [line.pk]
    assert _queued(page.get(review, {"q": "李明"})) == [unmatched.pk]
    # A status outside the queue is not a way to list applied lines here.
    assert _queued(page.get(review, {"status": "applied"})) == [line.pk, unmatched.pk]


def test_accepting_from_the_queue_applies_the_line_and_returns_to_the_queue(
    client, finance_user, suggested, buyer
):
    line, suggestion, installment = suggested
    queue = reverse("bank-review") + "?min_confidence=50"

    response = _signed_in(client, finance_user).post(
        reverse("bank-line-accept", args=[line.pk]), {"suggestion": suggestion.pk, "next": queue}
    )

    assert response.status_code == 302
    assert response["Location"] == queue
    line.refresh_from_db()
    assert (line.status, line.customer, line.applied_by) == ("applied", buyer, finance_user)
    assert (line.payment.amount, line.payment.customer) == (Decimal("1000.00"), buyer)
    assert list(line.payment.allocations.values_list("installment", "amount")) == [
        (installment.pk, Decimal("1000.00"))
    ]
    installment.refresh_from_db()
    assert installment.open_amount == Decimal("0.00")
    suggestion.refresh_from_db()
    assert suggestion.status == "accepted"


def test_next_never_leaves_the_site(client, finance_user, suggested):
    line, suggestion, _installment = suggested
    response = _signed_in(client, finance_user).post(
        reverse("bank-line-accept", args=[line.pk]),
        {"suggestion": suggestion.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("bank-line-detail", args=[line.pk])


def test_accepting_a_line_someone_applied_meanwhile_changes_nothing(
    client, finance_user, admin_user_, suggested
):
    line, suggestion, _installment = suggested
    bank_line_accept(actor=admin_user_, line=line, suggestion=suggestion)
    before = (_ledger_counts(), _line_state(line))

    response = _signed_in(client, finance_user).post(
        reverse("bank-line-accept", args=[line.pk]), {"suggestion": suggestion.pk}
    )

    assert response.status_code == 400
    assert "already" in response.context["action_error"]
    assert (_ledger_counts(), _line_state(line)) == before


def test_accepting_another_lines_suggestion_is_refused(client, finance_user, suggested, buyer):
    line, _suggestion, installment = suggested
    other = bank_line(amount="1000.00", bank_reference="OTHER")
    foreign = _suggest(other, buyer, [(installment, "1000.00")])

    response = _signed_in(client, finance_user).post(
        reverse("bank-line-accept", args=[line.pk]), {"suggestion": foreign.pk}
    )

    assert response.status_code == 400
    assert Payment.objects.count() == 0


def test_rejecting_the_only_suggestion_leaves_the_line_unmatched(client, finance_user, suggested):
    line, suggestion, _installment = suggested

    response = _signed_in(client, finance_user).post(
        reverse("bank-line-reject", args=[line.pk]), {"suggestion": suggestion.pk}
    )

    assert response.status_code == 302
    suggestion.refresh_from_db()
    line.refresh_from_db()
    assert (suggestion.status, suggestion.decided_by) == ("rejected", finance_user)
    assert (line.status, line.customer, line.confidence) == ("unmatched", None, None)
    assert Payment.objects.count() == 0


def test_ignoring_needs_a_reason(client, finance_user, suggested):
    line, _suggestion, _installment = suggested
    page = _signed_in(client, finance_user)
    before = _line_state(line)

    refused = page.post(reverse("bank-line-ignore", args=[line.pk]), {"reason": "  "})

    assert refused.status_code == 400
    assert 'data-field-error="reason"' in refused.content.decode()
    assert _line_state(line) == before

    done = page.post(reverse("bank-line-ignore", args=[line.pk]), {"reason": "银行利息"})
    assert done.status_code == 302
    assert _line_state(line) == ("ignored", None, line.customer_id, "银行利息")
    assert line.suggestions.get().status == "rejected"

    page.post(reverse("bank-line-unignore", args=[line.pk]))
    line.refresh_from_db()
    assert (line.status, line.ignored_reason) == ("unmatched", "")


# --- assign by hand ----------------------------------------------------------------------------


def test_assigning_starts_by_choosing_the_customer(client, finance_user, buyer):
    line = bank_line(amount="300.00", counterparty_name="李明")
    page = _signed_in(client, finance_user)

    first = page.get(reverse("bank-line-assign", args=[line.pk]))
    assert first.status_code == 200
    assert first.context.get("customer") is None
    assert 'id="assign-form"' not in first.content.decode()

    unknown = page.get(reverse("bank-line-assign", args=[line.pk]), {"customer": "NOPE"})
    assert "customer" in unknown.context["chooser"].errors


def test_assigning_proposes_oldest_due_first_and_records_the_payment_with_a_fee(
    client, finance_user, buyer
):
    older = _installment(buyer, finance_user, "600.00", date(2026, 1, 5))
    newer = _installment(buyer, finance_user, "400.00", date(2026, 1, 20))
    line = bank_line(amount="990.00", counterparty_name="李明", counterparty_account="6217001")
    page = _signed_in(client, finance_user)

    shown = page.get(reverse("bank-line-assign", args=[line.pk]), {"customer": buyer.code})
    form = shown.context["form"]
    assert form.initial[f"amount_{older.pk}"] == Decimal("600.00")
    assert form.initial[f"amount_{newer.pk}"] == Decimal("390.00")

    response = page.post(
        reverse("bank-line-assign", args=[line.pk]),
        {
            "customer": buyer.code,
            f"amount_{older.pk}": "600.00",
            f"amount_{newer.pk}": "400.00",
            "fee": "10.00",
        },
    )

    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.status, line.customer, line.payment.amount) == ("applied", buyer, Decimal("990"))
    assert sorted(line.payment.allocations.values_list("installment", "amount")) == sorted(
        [(older.pk, Decimal("600.00")), (newer.pk, Decimal("390.00"))]
    )
    assert (line.bank_charge.installment_id, line.bank_charge.amount) == (
        newer.pk,
        Decimal("10.00"),
    )
    newer.refresh_from_db()
    assert newer.open_amount == Decimal("0.00")
    assert buyer.payer_links.get().account_number == "6217001"


def test_assigning_without_amounts_leaves_the_line_as_unapplied_credit(client, finance_user, buyer):
    _installment(buyer, finance_user, "600.00")
    line = bank_line(amount="250.00")

    response = _signed_in(client, finance_user).post(
        reverse("bank-line-assign", args=[line.pk]), {"customer": buyer.code}
    )

    assert response.status_code == 302
    line.refresh_from_db()
    assert line.status == "applied"
    assert (line.payment.amount, line.payment.unapplied_amount) == (
        Decimal("250.00"),
        Decimal("250.00"),
    )
    assert not line.payment.allocations.exists()


def test_assigning_more_than_the_line_brought_is_refused_and_writes_nothing(
    client, finance_user, buyer
):
    installment = _installment(buyer, finance_user, "600.00")
    line = bank_line(amount="100.00")
    before = (_ledger_counts(), _line_state(line))

    response = _signed_in(client, finance_user).post(
        reverse("bank-line-assign", args=[line.pk]),
        {"customer": buyer.code, f"amount_{installment.pk}": "600.00"},
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors
    assert (_ledger_counts(), _line_state(line)) == before


def test_a_fee_above_the_tolerance_is_refused_on_the_fee_field(client, finance_user, buyer):
    installment = _installment(buyer, finance_user, "1000.00")
    line = bank_line(amount="900.00")

    response = _signed_in(client, finance_user).post(
        reverse("bank-line-assign", args=[line.pk]),
        {"customer": buyer.code, f"amount_{installment.pk}": "1000.00", "fee": "100.00"},
    )

    assert response.status_code == 400
    assert "fee" in response.context["form"].errors
    assert _ledger_counts() == (0, 0, 0)


def test_an_applied_line_cannot_be_assigned_again(client, finance_user, suggested):
    line, suggestion, _installment = suggested
    bank_line_accept(actor=finance_user, line=line, suggestion=suggestion)
    response = _signed_in(client, finance_user).get(reverse("bank-line-assign", args=[line.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("bank-line-detail", args=[line.pk])


# --- undo --------------------------------------------------------------------------------------


def test_undo_reverses_the_payment_and_blocks_automatic_application(
    client, finance_user, suggested
):
    line, suggestion, installment = suggested
    payment = bank_line_accept(actor=finance_user, line=line, suggestion=suggestion)
    page = _signed_in(client, finance_user)

    detail = page.get(reverse("bank-line-detail", args=[line.pk])).content.decode()
    assert 'data-action="undo"' in detail
    assert payment.number in detail

    refused = page.post(reverse("bank-line-undo", args=[line.pk]), {"reason": ""})
    assert refused.status_code == 400
    assert 'data-field-error="reason"' in refused.content.decode()
    assert _line_state(line)[0] == "applied"

    response = page.post(reverse("bank-line-undo", args=[line.pk]), {"reason": "客户退回"})

    assert response.status_code == 302
    line.refresh_from_db()
    payment.refresh_from_db()
    installment.refresh_from_db()
    assert (line.status, line.payment, line.auto_apply_blocked) == ("unmatched", None, True)
    assert payment.status == Payment.Status.REVERSED
    assert installment.open_amount == Decimal("1000.00")


# --- bulk accept -------------------------------------------------------------------------------


def test_bulk_accept_confirms_then_takes_only_suggestions_at_the_threshold(
    client, finance_user, buyer
):
    high = bank_line(amount="100.00", bank_reference="H")
    low = bank_line(amount="200.00", bank_reference="L")
    high_suggestion = _suggest(
        high, buyer, [(_installment(buyer, finance_user, "100"), "100")], confidence=88
    )
    _suggest(low, buyer, [(_installment(buyer, finance_user, "200"), "200")], confidence=60)
    page = _signed_in(client, finance_user)

    queue = page.get(reverse("bank-review")).content.decode()
    assert 'id="bulk-accept-link"' in queue

    confirm = page.get(reverse("bank-lines-accept-bulk"))
    assert confirm.status_code == 200
    assert confirm.context["count"] == 1
    assert [line.pk for line in confirm.context["lines"]] == [high.pk]
    assert Payment.objects.count() == 0  # nothing before the confirmation

    response = page.post(reverse("bank-lines-accept-bulk"), {"min_confidence": 75})

    assert response.status_code == 302
    high.refresh_from_db()
    low.refresh_from_db()
    high_suggestion.refresh_from_db()
    assert (high.status, high_suggestion.status) == ("applied", "accepted")
    assert low.status == "suggested"
    assert Payment.objects.count() == 1


def test_bulk_accept_below_the_threshold_is_refused(client, finance_user, suggested):
    line, _suggestion, _installment = suggested
    BankLine.objects.filter(pk=line.pk).update(confidence=60)
    MatchSuggestion.objects.filter(line=line).update(confidence=60)

    response = _signed_in(client, finance_user).post(
        reverse("bank-lines-accept-bulk"), {"min_confidence": 50}
    )

    assert response.status_code == 400
    assert "min_confidence" in response.context["form"].errors
    assert Payment.objects.count() == 0


# --- query counts ------------------------------------------------------------------------------


def _lines_with_suggestions(count, actor, buyer):
    for number in range(count):
        line = bank_line(amount="10.00", bank_reference=f"Q{number}")
        if number % 2:
            _suggest(line, buyer, [(_installment(buyer, actor, "10.00"), "10.00")])


@pytest.mark.parametrize(
    "url_name", ["bank-review", "bank-line-list", "bank-import-list", "bank-account-list"]
)
def test_lists_cost_the_same_queries_at_two_sizes(client, finance_user, buyer, url_name):
    page = _signed_in(client, finance_user)
    _lines_with_suggestions(2, finance_user, buyer)
    bank_line(amount="1.00", account=bank_account("B2", account_number="62"), bank_reference="x")
    small = queries_to_render(page, reverse(url_name))
    _lines_with_suggestions(10, finance_user, buyer)
    for code in ("B3", "B4", "B5"):
        bank_line(
            amount="1.00", account=bank_account(code, account_number=code), bank_reference=code
        )
    large = queries_to_render(page, reverse(url_name))
    assert small == large


def test_the_import_page_costs_the_same_queries_at_two_sizes(client, finance_user, buyer):
    page = _signed_in(client, finance_user)
    _lines_with_suggestions(2, finance_user, buyer)
    url = reverse("bank-import-detail", args=[BankStatementImport.objects.get().pk])
    small = queries_to_render(page, url)
    _lines_with_suggestions(10, finance_user, buyer)
    assert queries_to_render(page, url) == small


# --- matching again on demand ------------------------------------------------------------------


def test_match_again_runs_the_engine_over_open_lines(
    client, finance_user, monkeypatch, django_capture_on_commit_callbacks
):
    from config.celery import app as celery_app

    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    payer = CustomerFactory(legal_name="上海华润贸易有限公司")
    # The money came before the invoice: nothing to match at import.
    line = bank_line(amount="1000.00", counterparty_name="上海华润贸易有限公司")
    installment = _installment(payer, finance_user, "1000.00")
    _signed_in(client, finance_user)

    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(reverse("bank-lines-rematch"), {"next": "/bank/review/?q=x"})

    assert response.status_code == 302 and response.url == "/bank/review/?q=x"
    assert len(queued) == 1
    line.refresh_from_db()
    installment.refresh_from_db()
    assert line.status == BankLine.Status.APPLIED and line.applied_automatically
    assert installment.open_amount == Decimal("0.00")


@pytest.mark.parametrize("role", NON_WRITERS)
def test_only_reconcilers_may_run_the_engine(
    request, client, role, django_capture_on_commit_callbacks
):
    _signed_in(client, request.getfixturevalue(role))

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("bank-lines-rematch"))

    assert response.status_code == 403
    assert queued == []
