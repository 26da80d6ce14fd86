"""The matching engine's pure parts: references in remittance text, amount combinations, payer
names, and how evidence is scored and decided. No database."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from reconciliation.matching.amounts import OpenItem, allocate_oldest_first, find_combinations
from reconciliation.matching.engine import ContractRow, LineFacts, MatchingEngine
from reconciliation.matching.names import name_key
from reconciliation.matching.payers import CustomerName, PayerDirectory, PayerLinkRow
from reconciliation.matching.references import document_keys, extract_references, near_misses

TOLERANCE = Decimal("50.00")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("INV-2026-000123", ["INV-2026-000123"]),
        ("发票号2026000123", ["INV-2026-000123"]),
        ("inv 2026-000123 货款", ["INV-2026-000123"]),
        ("ＩＮＶ－２０２６－０００１２３", ["INV-2026-000123"]),
        ("付发票 2026 000123", ["INV-2026-000123"]),
        ("INV 2026 123", ["INV-2026-000123"]),
        ("发票号:2026-45", ["INV-2026-000045"]),
        (
            "付INV-2026-000123、INV2026000124;2026000125/000126，2025-000007",
            [
                "INV-2026-000123",
                "INV-2026-000124",
                "INV-2026-000125",
                "INV-2026-000126",
                "INV-2025-000007",
            ],
        ),
        ("2026000123 2026000124", ["INV-2026-000123", "INV-2026-000124"]),
        # A date, a month, an account number: no invoice.
        ("2026-11-03 付11月货款", []),
        ("账号 6222021001123456789", []),
        ("20261103", []),
        ("", []),
    ],
)
def test_invoice_numbers_are_found_however_typed(text, expected):
    assert extract_references(text).invoice_numbers == expected


def test_tokens_keep_contract_numbers_and_customer_codes():
    references = extract_references("合同号 HT-2025-000012-01 客户C000042 货款")
    assert references.tokens == ["HT202500001201", "C000042"]
    assert document_keys("HT202500001201") == ["HT202500001201", "202500001201"]
    assert document_keys("SO-17") == ["SO17"]


def test_near_misses_are_one_slip_away_in_the_sequence():
    known = {"INV-2026-000123", "INV-2026-000133", "INV-2025-000132", "INV-2026-000321"}
    # changed digit, swapped neighbours; not a different year, not two changes
    assert near_misses("INV-2026-000132", known) == ["INV-2026-000123", "INV-2026-000133"]
    assert near_misses("INV-2026-000999", known) == []


def _item(installment_id, amount, *, customer=1, days=0, invoice=None, disputed=False):
    return OpenItem(
        installment_id=installment_id,
        customer_id=customer,
        invoice_id=invoice or installment_id,
        invoice_number=f"INV-2026-{invoice or installment_id:06d}",
        contract_id=None,
        due_date=date(2026, 1, 1) + timedelta(days=days),
        open_amount=Decimal(amount),
        currency="CNY",
        is_disputed=disputed,
    )


def test_combination_of_oldest_items_is_found_and_known_to_be_the_only_one():
    items = [_item(1, "100.10", days=1), _item(2, "250.00", days=2), _item(3, "999.99", days=3)]
    search = find_combinations(items, Decimal("1100.09"), fee_tolerance=TOLERANCE)
    assert [[i.installment_id for i in c.items] for c in search.exact] == [[1, 3]]
    assert search.complete is True
    assert search.with_fee == []


def test_two_sets_with_the_same_total_are_both_found():
    items = [_item(1, "300.00"), _item(2, "200.00", days=1), _item(3, "100.00", days=2)]
    search = find_combinations(items, Decimal("300.00"), fee_tolerance=Decimal("0"))
    assert sorted(sorted(i.installment_id for i in c.items) for c in search.exact) == [[1], [2, 3]]


def test_short_payment_within_the_tolerance_is_a_fee():
    items = [_item(1, "5000.00"), _item(2, "1234.56", days=1)]
    search = find_combinations(items, Decimal("6209.56"), fee_tolerance=TOLERANCE)
    assert search.exact == []
    assert [(len(c.items), c.fee) for c in search.with_fee] == [(2, Decimal("25.00"))]
    # more than the tolerance short: no fee solution
    assert find_combinations(items, Decimal("6100.00"), fee_tolerance=TOLERANCE).with_fee == []


def test_search_over_many_items_is_bounded_and_says_so():
    items = [_item(index, f"{100 + index}.00", days=index) for index in range(1, 41)]
    search = find_combinations(items, Decimal("1.00"), fee_tolerance=TOLERANCE)
    assert search.exact == [] and search.complete is False


def test_oldest_first_allocation_pays_in_full_then_in_part():
    items = [_item(2, "300.00", days=5), _item(1, "500.00", days=1)]
    assert [(i.installment_id, a) for i, a in allocate_oldest_first(items, Decimal("600"))] == [
        (1, Decimal("500.00")),
        (2, Decimal("100.00")),
    ]


def _directory(links=()):
    return PayerDirectory(
        customers=[
            CustomerName(1, "C000001", "上海华润贸易有限公司", "华润贸易"),
            CustomerName(2, "C000002", "北京东方机械（中国）股份有限公司", "东方机械"),
            CustomerName(3, "C000003", "上海华泰贸易有限公司", "华泰贸易"),
            CustomerName(4, "C000004", "深圳南山精密电子科技有限公司", "南山精密"),
            CustomerName(5, "C000005", "Acme Trading Co., Ltd.", "Acme"),
        ],
        links=list(links),
    )


@pytest.mark.parametrize(
    ("payer", "expected"),
    [
        ("上海华润贸易有限公司", [(1, "name_exact")]),
        ("上海华润贸易（中国）有限公司", [(1, "name_exact")]),
        ("北京东方机械股份有限公司", [(2, "name_exact")]),
        ("ACME TRADING CO LTD", [(5, "name_exact")]),
        ("华润贸易", [(1, "short_name_exact")]),
        # cut off by the bank after 10 characters
        ("深圳南山精密电子科", [(4, "name_similar")]),
        # one character apart from two customers: neither
        ("上海华海贸易有限公司", []),
        ("中国工商银行", []),
    ],
)
def test_payer_names_are_matched_exactly_or_when_nearly_equal(payer, expected):
    matches = _directory().match(counterparty_name=payer, counterparty_account="")
    assert [(match.customer_id, match.kind) for match in matches] == expected


def test_learned_links_match_by_account_and_name():
    directory = _directory([PayerLinkRow(2, "6222021001123456", name_key("集团财务公司"), 3)])
    matches = directory.match(
        counterparty_name="集团财务公司", counterparty_account="6222 0210 0112 3456"
    )
    assert [(m.customer_id, m.kind) for m in matches] == [
        (2, "payer_account"),
        (2, "payer_name_link"),
    ]


def _engine(items, links=(), contracts=()):
    engine = MatchingEngine(
        directory=_directory(links),
        contracts=list(contracts),
        fee_tolerance=TOLERANCE,
        auto_apply_confidence=90,
    )
    engine.add_items(items)
    return engine


def _line(amount, payer="", remittance="", **kwargs):
    return LineFacts(
        line_id=1,
        amount=Decimal(amount),
        currency="CNY",
        counterparty_name=payer,
        remittance=remittance,
        **kwargs,
    )


def _summary(decision):
    return [
        (p.customer_id, [i for i, _a in p.allocations], p.fee, p.confidence)
        for p in decision.proposals
    ]


def test_name_and_exact_amount_apply_automatically():
    engine = _engine([_item(10, "1130.00"), _item(11, "2260.00", days=5)])
    decision = engine.evaluate(_line("2260.00", "上海华润贸易有限公司", "货款"))
    assert _summary(decision) == [(1, [11], Decimal("0.00"), 90)]
    assert decision.auto_apply is True
    kinds = [(e.kind, e.points) for e in decision.best.evidence]
    assert kinds == [("name_exact", 45), ("amount_exact", 45)]


def test_invoice_number_and_amount_apply_even_from_an_unknown_payer():
    engine = _engine([_item(10, "1130.00"), _item(11, "2260.00", days=5)])
    decision = engine.evaluate(_line("1130.00", "某某个人", "付INV-2026-000010"))
    assert _summary(decision) == [(1, [10], Decimal("0.00"), 95)]
    assert decision.auto_apply is True


def test_same_amount_at_two_customers_without_other_evidence_is_only_suggested():
    engine = _engine([_item(10, "5000.00", customer=1), _item(20, "5000.00", customer=3)])
    decision = engine.evaluate(_line("5000.00", "不认识的公司", "货款"))
    assert _summary(decision) == [
        (1, [10], Decimal("0.00"), 45),
        (3, [20], Decimal("0.00"), 45),
    ]
    assert decision.auto_apply is False


def test_two_installment_sets_of_one_customer_with_the_amount_are_only_suggested():
    engine = _engine(
        [_item(10, "3000.00"), _item(11, "1000.00", days=3), _item(12, "2000.00", days=6)]
    )
    decision = engine.evaluate(_line("3000.00", "上海华润贸易有限公司"))
    assert sorted(_summary(decision)) == [
        (1, [10], Decimal("0.00"), 90),
        (1, [11, 12], Decimal("0.00"), 90),
    ]
    assert decision.auto_apply is False


def test_invoice_number_decides_between_equal_sets():
    engine = _engine(
        [_item(10, "3000.00"), _item(11, "1000.00", days=3), _item(12, "2000.00", days=6)]
    )
    decision = engine.evaluate(
        _line("3000.00", "上海华润贸易有限公司", "INV-2026-000011,INV-2026-000012")
    )
    assert _summary(decision)[0] == (1, [11, 12], Decimal("0.00"), 100)
    assert decision.auto_apply is True


def test_fee_short_payment_is_applied_only_when_payer_and_invoice_number_agree():
    engine = _engine([_item(10, "8000.00")])
    named = engine.evaluate(_line("7985.00", "上海华润贸易有限公司", "INV-2026-000010"))
    assert _summary(named) == [(1, [10], Decimal("15.00"), 100)]
    assert named.best.allocations == ((10, Decimal("8000.00")),)
    assert named.auto_apply is True
    by_name_only = engine.evaluate(_line("7985.00", "上海华润贸易有限公司", "货款"))
    assert _summary(by_name_only) == [(1, [10], Decimal("15.00"), 75)]
    assert by_name_only.auto_apply is False


def test_two_installments_of_one_invoice_with_the_same_amount_are_not_rivals():
    engine = _engine([_item(10, "500.00", invoice=7), _item(11, "500.00", invoice=7, days=30)])
    decision = engine.evaluate(_line("500.00", "上海华润贸易有限公司"))
    assert _summary(decision) == [(1, [10], Decimal("0.00"), 90)] and decision.auto_apply


def test_partial_payment_of_a_named_invoice_pays_it_in_part():
    engine = _engine([_item(10, "8000.00"), _item(11, "500.00", days=9)])
    decision = engine.evaluate(_line("3000.00", "上海华润贸易有限公司", "INV-2026-000010 部分"))
    assert decision.best.allocations == ((10, Decimal("3000.00")),)
    assert decision.auto_apply is True


def test_overpayment_of_a_named_invoice_leaves_the_rest_as_credit():
    engine = _engine([_item(10, "8000.00")])
    decision = engine.evaluate(_line("8200.00", "上海华润贸易有限公司", "INV-2026-000010"))
    assert decision.best.allocations == ((10, Decimal("8000.00")),)
    assert [e.kind for e in decision.best.evidence][-1] == "amount_over"


def test_named_invoice_and_an_amount_fitting_another_conflict():
    # The payer typed 000010 for 000011 (which the amount pays exactly): no automatic posting.
    engine = _engine([_item(10, "8000.00"), _item(11, "2500.00", days=9)])
    decision = engine.evaluate(_line("2500.00", "上海华润贸易有限公司", "INV-2026-000010"))
    assert decision.auto_apply is False
    assert {tuple(i for i, _a in p.allocations) for p in decision.proposals} == {(10,), (11,)}


def test_mistyped_invoice_number_near_the_paid_one_is_evidence():
    engine = _engine([_item(123, "700.00"), _item(124, "900.00", days=2)])
    decision = engine.evaluate(_line("700.00", "不认识的公司", "INV-2026-000132"))
    assert _summary(decision) == [(1, [123], Decimal("0.00"), 70)]
    assert not decision.auto_apply
    engine = _engine([_item(123, "700.00"), _item(124, "900.00", days=2)])
    decision = engine.evaluate(_line("700.00", "华润贸易", "INV-2026-000132"))
    assert [e.kind for e in decision.best.evidence] == [
        "short_name_exact",
        "amount_exact",
        "invoice_number_near",
    ]
    assert decision.best.confidence == 100 and decision.auto_apply is True


def test_contract_number_and_customer_code_identify_the_customer():
    engine = _engine(
        [_item(10, "4200.00", customer=4)],
        contracts=[ContractRow(7, 4, "HT202500000401")],
    )
    by_contract = engine.evaluate(_line("4200.00", "个人代付", "合同202500000401款"))
    assert _summary(by_contract) == [(4, [10], Decimal("0.00"), 70)]
    by_code = engine.evaluate(_line("4200.00", "个人代付", "客户编号C000004"))
    assert _summary(by_code) == [(4, [10], Decimal("0.00"), 90)]


def test_known_third_party_payer_applies_and_unknown_one_is_suggested():
    items = [_item(10, "6100.00", customer=2)]
    link = PayerLinkRow(2, "955880001", "东方控股集团", 1)
    known = _engine(items, links=[link]).evaluate(
        LineFacts(1, Decimal("6100.00"), "CNY", "东方控股集团", "9558 8000 1", "货款")
    )
    assert _summary(known) == [(2, [10], Decimal("0.00"), 100)] and known.auto_apply
    unknown = _engine(items).evaluate(_line("6100.00", "东方控股集团", "货款"))
    assert _summary(unknown) == [(2, [10], Decimal("0.00"), 45)] and not unknown.auto_apply


def test_payer_without_matching_amount_is_suggested_oldest_first():
    engine = _engine([_item(11, "500.00", days=5), _item(10, "800.00"), _item(12, "90.00", days=9)])
    decision = engine.evaluate(_line("1000.00", "上海华润贸易有限公司"))
    assert decision.best.allocations == ((10, Decimal("800.00")), (11, Decimal("200.00")))
    assert decision.best.confidence == 45 and not decision.auto_apply


def test_disputed_invoice_lowers_confidence_below_automatic():
    engine = _engine([_item(10, "1000.00", disputed=True)])
    decision = engine.evaluate(_line("1000.00", "上海华润贸易有限公司"))
    assert _summary(decision) == [(1, [10], Decimal("0.00"), 80)] and not decision.auto_apply


def test_rejected_and_blocked_lines():
    engine = _engine([_item(10, "1000.00")])
    rejected = _line("1000.00", "上海华润贸易有限公司", rejected=frozenset({(1, frozenset({10}))}))
    decision = engine.evaluate(rejected)
    assert [p.allocations for p in decision.proposals] == []
    blocked = engine.evaluate(_line("1000.00", "上海华润贸易有限公司", auto_apply_blocked=True))
    assert blocked.best.confidence == 90 and blocked.auto_apply is False


def test_consumed_installment_is_not_proposed_twice_in_a_run():
    engine = _engine([_item(10, "1000.00")])
    first = engine.evaluate(_line("1000.00", "上海华润贸易有限公司"))
    engine.consume(first.best.allocations)
    second = engine.evaluate(_line("1000.00", "上海华润贸易有限公司"))
    assert [(p.allocations, p.confidence) for p in second.proposals] == [((), 45)]
    assert [e.kind for e in second.best.evidence] == ["name_exact", "no_open_items"]
