"""The engine's run against the database: what it applies, suggests and leaves alone, that it
never repeats a rejected or undone decision, that a second run changes nothing, and that it
reads in a fixed number of queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from receivables.models import BankCharge, Installment, Payment
from receivables.selectors import ledger_discrepancies, payment_discrepancies
from reconciliation.models import BankLine, BankStatementImport, MatchSuggestion, PayerLink
from reconciliation.services.lines import bank_line_accept, bank_line_reject, bank_line_undo
from reconciliation.services.matching import MatchSummary, bank_lines_match
from tests.factories import CustomerFactory, UserFactory, bank_line, issued_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance():
    return UserFactory(username="match_finance", role=Role.FINANCE)


@pytest.fixture
def huarun():
    return CustomerFactory(legal_name="上海华润贸易有限公司", short_name="华润贸易")


@pytest.fixture
def dongfang():
    return CustomerFactory(legal_name="北京东方机械股份有限公司", short_name="东方机械")


def _invoice(customer, actor, amount, issue_date=date(2026, 1, 10)):
    return issued_invoice(customer, actor=actor, amount=Decimal(amount), issue_date=issue_date)


def _open_amounts(*invoices):
    return [Installment.objects.get(invoice=invoice).open_amount for invoice in invoices]


def _suggestions(line):
    return [
        (
            s.customer_id,
            [(item.installment.invoice.number, item.amount) for item in s.items.all()],
            s.fee_amount,
            s.confidence,
            s.status,
        )
        for s in line.suggestions.order_by("rank", "pk")
    ]


def _assert_ledger_consistent():
    assert not ledger_discrepancies().exists()
    assert not payment_discrepancies().exists()


def test_payer_name_and_exact_amount_are_applied_automatically(finance, huarun):
    older = _invoice(huarun, finance, "1130.00")
    paid = _invoice(huarun, finance, "2260.00", date(2026, 1, 20))
    line = bank_line(amount="2260.00", counterparty_name="上海华润贸易有限公司", remittance="货款")

    summary = bank_lines_match(statement_import_id=line.statement_import_id)

    assert summary == MatchSummary(evaluated=1, auto_applied=1, suggested=0, unmatched=0)
    line.refresh_from_db()
    assert (line.status, line.customer, line.confidence) == ("applied", huarun, 90)
    assert line.applied_automatically is True and line.applied_by is None
    assert (line.payment.amount, line.payment.unapplied_amount) == (Decimal("2260.00"), 0)
    assert _open_amounts(older, paid) == [Decimal("1130.00"), Decimal("0.00")]
    assert _suggestions(line) == [
        (huarun.pk, [(paid.number, Decimal("2260.00"))], Decimal("0.00"), 90, "accepted")
    ]
    assert [e["kind"] for e in line.suggestions.get().evidence] == ["name_exact", "amount_exact"]
    # The engine learns nothing by itself: only a person's confirmation teaches a payer.
    assert not PayerLink.objects.exists()
    statement_import = BankStatementImport.objects.get()
    assert statement_import.match_status == "done" and statement_import.matched_at is not None
    _assert_ledger_consistent()


def test_two_customers_with_the_same_amount_get_suggestions_never_a_payment(
    finance, huarun, dongfang
):
    first = _invoice(huarun, finance, "5000.00")
    second = _invoice(dongfang, finance, "5000.00")
    line = bank_line(amount="5000.00", counterparty_name="不认识的公司", remittance="货款")

    summary = bank_lines_match()

    assert summary == MatchSummary(evaluated=1, auto_applied=0, suggested=1, unmatched=0)
    line.refresh_from_db()
    assert (line.status, line.customer, line.confidence) == ("suggested", huarun, 45)
    assert _suggestions(line) == [
        (huarun.pk, [(first.number, Decimal("5000.00"))], Decimal("0.00"), 45, "open"),
        (dongfang.pk, [(second.number, Decimal("5000.00"))], Decimal("0.00"), 45, "open"),
    ]
    assert not Payment.objects.exists()


def test_two_invoice_sets_of_one_customer_are_only_suggested(finance, huarun):
    single = _invoice(huarun, finance, "3000.00")
    pair = [
        _invoice(huarun, finance, "1000.00", date(2026, 1, 12)),
        _invoice(huarun, finance, "2000.00", date(2026, 1, 14)),
    ]
    line = bank_line(amount="3000.00", counterparty_name="上海华润贸易有限公司")

    bank_lines_match()

    line.refresh_from_db()
    assert line.status == "suggested" and not Payment.objects.exists()
    assert sorted(s[1] for s in _suggestions(line)) == sorted(
        [
            [(single.number, Decimal("3000.00"))],
            [(pair[0].number, Decimal("1000.00")), (pair[1].number, Decimal("2000.00"))],
        ]
    )


def test_invoice_numbers_in_the_text_pay_several_invoices(finance, huarun):
    invoices = [_invoice(huarun, finance, amount) for amount in ("1000.00", "2000.00", "3000.00")]
    line = bank_line(
        amount="4000.00",
        counterparty_name="个人 张三",
        remittance=f"付{invoices[0].number}、{invoices[2].number.replace('INV-', '')}",
    )

    bank_lines_match()

    line.refresh_from_db()
    assert line.status == "applied"
    assert _open_amounts(*invoices) == [Decimal("0.00"), Decimal("2000.00"), Decimal("0.00")]
    _assert_ledger_consistent()


def test_partial_and_over_payments_of_named_invoices(finance, huarun):
    partly = _invoice(huarun, finance, "8000.00")
    over = _invoice(huarun, finance, "1500.00", date(2026, 1, 15))
    partial_line = bank_line(
        amount="3000.00", counterparty_name="上海华润贸易有限公司", remittance=partly.number
    )
    over_line = bank_line(
        amount="1600.00", counterparty_name="上海华润贸易有限公司", remittance=over.number
    )

    assert bank_lines_match().auto_applied == 2

    assert _open_amounts(partly, over) == [Decimal("5000.00"), Decimal("0.00")]
    over_line.refresh_from_db()
    partial_line.refresh_from_db()
    assert partial_line.payment.unapplied_amount == Decimal("0.00")
    # the 100.00 paid too much stays the customer's credit
    assert over_line.payment.unapplied_amount == Decimal("100.00")
    _assert_ledger_consistent()


def test_fee_short_payment_is_suggested_and_booked_as_a_bank_charge_when_accepted(finance, huarun):
    invoice = _invoice(huarun, finance, "8000.00")
    line = bank_line(amount="7975.00", counterparty_name="上海华润贸易有限公司", remittance="货款")

    bank_lines_match()

    line.refresh_from_db()
    assert line.status == "suggested"
    assert _suggestions(line) == [
        (huarun.pk, [(invoice.number, Decimal("8000.00"))], Decimal("25.00"), 75, "open")
    ]
    bank_line_accept(actor=finance, line=line, suggestion=line.suggestions.get())
    assert _open_amounts(invoice) == [Decimal("0.00")]
    assert BankCharge.objects.get().amount == Decimal("25.00")
    _assert_ledger_consistent()


def test_fee_short_payment_naming_the_invoice_is_applied_with_its_bank_charge(finance, huarun):
    invoice = _invoice(huarun, finance, "8000.00")
    line = bank_line(
        amount="7990.00", counterparty_name="上海华润贸易有限公司", remittance=invoice.number
    )

    assert bank_lines_match().auto_applied == 1

    line.refresh_from_db()
    assert (line.status, line.bank_charge.amount) == ("applied", Decimal("10.00"))
    assert _open_amounts(invoice) == [Decimal("0.00")]
    _assert_ledger_consistent()


def test_rejected_suggestion_is_never_proposed_again(finance, huarun, dongfang):
    _invoice(huarun, finance, "5000.00")
    _invoice(dongfang, finance, "5000.00")
    line = bank_line(amount="5000.00", counterparty_name="不认识的公司")
    bank_lines_match()
    rejected = line.suggestions.get(customer=huarun)

    bank_line_reject(actor=finance, suggestion=rejected)
    bank_lines_match()

    line.refresh_from_db()
    assert [(s[0], s[4]) for s in _suggestions(line)] == [
        (huarun.pk, "rejected"),
        (dongfang.pk, "open"),
    ]
    assert (line.status, line.customer) == ("suggested", dongfang)


def test_undone_line_is_suggested_again_but_never_applied_automatically(finance, huarun):
    invoice = _invoice(huarun, finance, "2260.00")
    line = bank_line(amount="2260.00", counterparty_name="上海华润贸易有限公司")
    bank_lines_match()
    line.refresh_from_db()
    assert line.status == "applied"

    bank_line_undo(actor=finance, line=line, reason="错配")
    # The invoice it really pays is issued later: name and amount would apply it at once.
    right = _invoice(huarun, finance, "2260.00", date(2026, 1, 30))
    summary = bank_lines_match()

    line.refresh_from_db()
    assert summary == MatchSummary(evaluated=1, auto_applied=0, suggested=1, unmatched=0)
    assert (line.status, line.auto_apply_blocked, line.confidence) == ("suggested", True, 90)
    # The application the user took back is never proposed again.
    assert [(s[1], s[4]) for s in _suggestions(line)] == [
        ([(invoice.number, Decimal("2260.00"))], "rejected"),
        ([(right.number, Decimal("2260.00"))], "open"),
    ]
    assert _open_amounts(invoice, right) == [Decimal("2260.00"), Decimal("2260.00")]


def test_third_party_payer_is_learned_after_one_confirmation(finance, dongfang):
    first = _invoice(dongfang, finance, "6100.00")
    second = _invoice(dongfang, finance, "7300.00", date(2026, 1, 25))
    payer = {"counterparty_name": "东方控股集团", "counterparty_account": "9558 8000 1234"}
    line = bank_line(amount="6100.00", remittance="代付货款", **payer)
    bank_lines_match()
    line.refresh_from_db()
    assert line.status == "suggested" and line.confidence == 45

    bank_line_accept(actor=finance, line=line, suggestion=line.suggestions.get())
    later = bank_line(amount="7300.00", booked_on=date(2026, 3, 1), remittance="代付", **payer)
    bank_lines_match()

    later.refresh_from_db()
    assert later.status == "applied" and later.applied_automatically
    assert [e["kind"] for e in later.suggestions.get().evidence] == [
        "payer_account",
        "payer_name_link",
        "amount_exact",
    ]
    assert _open_amounts(first, second) == [Decimal("0.00"), Decimal("0.00")]


def test_a_second_run_changes_nothing(finance, huarun, dongfang):
    _invoice(huarun, finance, "5000.00")
    _invoice(dongfang, finance, "5000.00")
    _invoice(huarun, finance, "700.00")
    suggested = bank_line(amount="5000.00", counterparty_name="不认识的公司")
    unmatched = bank_line(amount="12.34", counterparty_name="中国工商银行", remittance="结息")
    applied = bank_line(amount="700.00", counterparty_name="上海华润贸易有限公司")
    debit = bank_line(amount="99.00", direction="debit", counterparty_name="电费")
    bank_lines_match()
    before = {
        line.pk: (line.status, line.customer_id, line.confidence, line.evaluated_at)
        for line in BankLine.objects.all()
    }
    suggestion_rows = list(MatchSuggestion.objects.order_by("pk").values_list("pk", "status"))

    summary = bank_lines_match()

    assert summary == MatchSummary(evaluated=2, auto_applied=0, suggested=1, unmatched=1)
    after = {
        line.pk: (line.status, line.customer_id, line.confidence, line.evaluated_at)
        for line in BankLine.objects.all()
    }
    assert after == before
    assert [before[line.pk][0] for line in (suggested, unmatched, applied, debit)] == [
        "suggested",
        "unmatched",
        "applied",
        "unmatched",
    ]
    assert list(MatchSuggestion.objects.order_by("pk").values_list("pk", "status")) == (
        suggestion_rows
    )
    assert Payment.objects.count() == 1


def test_a_new_invoice_changes_the_suggestion_on_the_next_run(finance, huarun):
    line = bank_line(amount="900.00", counterparty_name="上海华润贸易有限公司")
    bank_lines_match()
    line.refresh_from_db()
    assert _suggestions(line) == [(huarun.pk, [], Decimal("0.00"), 45, "open")]

    invoice = _invoice(huarun, finance, "900.00")
    bank_lines_match(line_ids=[line.pk])

    line.refresh_from_db()
    assert line.status == "applied" and line.payment.allocations.get().installment.invoice == (
        invoice
    )


def _lines_for_query_count(count, finance):
    lines = []
    for index in range(count):
        customer = CustomerFactory(legal_name=f"杭州第{count}-{index}号贸易有限公司")
        _invoice(customer, finance, f"{1000 + index}.00")
        _invoice(customer, finance, f"{2000 + index}.00")
        # name known, amount fits nothing: suggested oldest first, never applied
        lines.append(bank_line(amount=f"{500 + index}.00", counterparty_name=customer.legal_name))
    return lines


def _queries_of_a_run(lines):
    with CaptureQueriesContext(connection) as context:
        bank_lines_match(line_ids=[line.pk for line in lines])
    return len(context.captured_queries)


def test_a_run_reads_and_writes_in_a_fixed_number_of_queries(finance):
    few = _lines_for_query_count(5, finance)
    few_queries = _queries_of_a_run(few)
    BankLine.objects.filter(pk__in=[line.pk for line in few]).update(
        status=BankLine.Status.IGNORED, ignored_reason="test"
    )
    many = _lines_for_query_count(25, finance)
    assert _queries_of_a_run(many) == few_queries
    assert BankLine.objects.filter(status="suggested").count() == 25
    assert few_queries <= 20
