"""MT940 with Chinese :86: subfields, via the mt-940 library; broken tags are refused with their
line, never skipped."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from reconciliation.parsers import StatementParseError, parse_statement
from reconciliation.parsers.base import ParsedLine
from reconciliation.parsers.mt940 import parse_mt940

SAMPLE = (Path(__file__).parent / "samples" / "boc_chinese.sta").read_bytes()


def test_chinese_bank_mt940():
    statement = parse_statement(SAMPLE, file_name="statement.txt")

    assert statement.format == "mt940"
    assert statement.account_number == "BKCHCNBJ/755912345610801"
    assert statement.currency == "CNY"
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("100000.00"),
        Decimal("118985.50"),
    )
    assert (statement.period_start, statement.period_end) == (date(2026, 11, 3), date(2026, 11, 30))
    assert statement.lines == [
        ParsedLine(
            booked_on=date(2026, 11, 3),
            value_date=date(2026, 11, 3),
            direction="credit",
            amount=Decimal("12800.00"),
            currency="CNY",
            counterparty_name="华润万家（中国）有限公司",
            counterparty_account="31001590000050012345",
            counterparty_bank="中国建设银行上海分行",
            # The remittance continues on the next line of the file.
            remittance="货款 INV-2026-000123",
            bank_reference="G1020261103001",
            file_line=6,
        ),
        ParsedLine(
            booked_on=date(2026, 11, 4),
            value_date=date(2026, 11, 4),
            direction="credit",
            amount=Decimal("5000.50"),
            currency="CNY",
            counterparty_name="上海福瑞贸易有限公司",
            counterparty_account="6222021001123456789",
            # Wrapped inside a number: continuation lines join without a space.
            remittance="发票号2026000124、2026000125",
            bank_reference="G1020261104007",
            file_line=9,
        ),
        ParsedLine(
            booked_on=date(2026, 11, 5),
            value_date=date(2026, 11, 5),
            direction="debit",
            amount=Decimal("15.00"),
            currency="CNY",
            remittance="汇款手续费",
            bank_reference="G1020261105002",
            file_line=12,
        ),
        ParsedLine(
            # ?NN subfields; booked (entry date 1130) a day after the value date.
            booked_on=date(2026, 11, 30),
            value_date=date(2026, 11, 29),
            direction="credit",
            amount=Decimal("1200.00"),
            currency="CNY",
            counterparty_name="李明",
            counterparty_account="6217001234567890",
            counterparty_bank="BKCHCNBJ",
            remittance="代付 深圳远景 货款",
            bank_reference="G1020261130011",
            file_line=14,
        ),
    ]


def test_gbk_encoded_mt940_reads_the_same():
    assert parse_mt940(SAMPLE.decode("utf-8").encode("gb18030")).lines == parse_mt940(SAMPLE).lines


def test_reversal_marks_and_the_customer_reference():
    content = (
        ":20:S1\n:25:755912345610801\n:28C:1/1\n:60F:C261101CNY0,00\n"
        ":61:2611020102RD50,00NTRFMYREF-9\n:86:/RM/退回 手续费\n"
        ":61:2611020102RC10,00NTRFNONREF\n:86:冲正\n"
        ":62F:C261102CNY40,00\n"
    ).encode()

    lines = parse_mt940(content).lines

    assert [(line.direction, line.amount, line.bank_reference) for line in lines] == [
        ("credit", Decimal("50.00"), "MYREF-9"),
        ("debit", Decimal("10.00"), ""),
    ]


@pytest.mark.parametrize(
    ("broken", "line", "field", "text"),
    [
        (":61:ABCDEF1104C5000,5NTRF", 9, "tag 61", "is not a statement line"),
        (":61:2611041104C50X0,5NTRF", 9, "tag 61", "'50' is not an amount"),
        (":61:2613041104C5000,5NTRF", 9, "tag 61", "'261304' is not a date"),
        (":61:2611041104C5000.50NTRF", 9, "tag 61", "is not an amount"),
        ("61:2611041104C5000,5NTRF", 9, None, "is not a valid MT940 tag"),
    ],
)
def test_a_broken_statement_line_is_refused_with_its_line(broken, line, field, text):
    content = SAMPLE.decode().replace(":61:2611041104C5000,5NTRF", broken).encode()

    with pytest.raises(StatementParseError) as error:
        parse_mt940(content)

    assert (error.value.line, error.value.field) == (line, field)
    assert text in str(error.value)


def test_a_broken_balance_is_refused():
    content = SAMPLE.decode().replace(":62F:C261130CNY118985,50", ":62F:C261130CNY11x").encode()

    with pytest.raises(StatementParseError, match=r"Line 17, tag 62F: .* is not a balance"):
        parse_mt940(content)


def test_text_without_tags_is_not_mt940():
    with pytest.raises(StatementParseError, match="no :20: tag"):
        parse_mt940(b"hello\nworld\n")
