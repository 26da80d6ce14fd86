"""Format detection by content, and the dedupe keys every parser's lines get."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from reconciliation.parsers import StatementParseError, detect_format, parse_statement
from reconciliation.parsers.base import ParsedLine, dedupe_keys, usable_references

SAMPLES = Path(__file__).parent / "samples"


@pytest.mark.parametrize(
    ("name", "file_name", "expected"),
    [
        ("cmb_utf8.csv", "statement.txt", "csv"),
        ("icbc_gbk.csv", "statement.csv", "csv"),
        ("ccb_title_rows.xlsx", "export.dat", "xlsx"),
        ("abc_legacy.xls", "export.xlsx", "xlsx"),
        ("boc_chinese.sta", "statement.csv", "mt940"),
        ("camt053_v02.xml", "statement.txt", "camt053"),
        ("camt053_v08.xml", "statement.xml", "camt053"),
        ("ofx1_sgml.ofx", "statement.qfx", "ofx"),
        ("ofx2_xml.ofx", "statement.xml", "ofx"),
    ],
)
def test_format_is_recognised_by_content_not_by_name(name, file_name, expected):
    assert detect_format(file_name, (SAMPLES / name).read_bytes()) == expected


def test_mt940_without_the_swift_header_block():
    content = b":20:S1\r\n:25:123\r\n:28C:1\r\n:60F:C261101CNY0,00\r\n:61:2611021102C5,00NTRF\r\n"

    assert detect_format("x.txt", content) == "mt940"


def test_an_empty_file_is_refused():
    with pytest.raises(StatementParseError, match="the file is empty"):
        parse_statement(b"  \n", file_name="x.csv")


def line(**overrides) -> ParsedLine:
    values = {
        "booked_on": date(2026, 11, 3),
        "direction": "credit",
        "amount": Decimal("500.00"),
        "currency": None,
        "counterparty_name": "上海甲贸易有限公司",
        "counterparty_account": "6222 001",
        "remittance": "货款",
        "bank_reference": "",
    }
    return ParsedLine(**{**values, **overrides})


@pytest.mark.parametrize("reference", ["", "0000000", "----", "NONREF", "N/A", " * "])
def test_placeholder_references_are_not_usable(reference):
    assert usable_references([line(bank_reference=reference)]) == set()


def test_a_reference_repeated_in_a_file_is_not_usable():
    lines = [
        line(bank_reference="V1"),
        line(bank_reference="V1", amount=Decimal("7")),
        line(bank_reference="V2"),
    ]

    assert usable_references(lines) == {"V2"}


def test_content_keys_ignore_how_the_name_and_account_are_printed():
    printed_one_way = line(counterparty_name="上海甲贸易有限公司", counterparty_account="6222 001")
    printed_another = line(counterparty_name="上海甲贸易", counterparty_account="6222-001")

    (first,) = dedupe_keys([printed_one_way], lambda _line: "CNY")
    (second,) = dedupe_keys([printed_another], lambda _line: "CNY")

    assert first == second


def test_identical_lines_get_distinct_keys_by_occurrence():
    first, second = dedupe_keys([line(), line()], lambda _line: "CNY")

    assert first.primary != second.primary
    assert first.primary.startswith("h:")


def test_a_usable_reference_is_the_key_and_does_not_depend_on_the_text():
    (with_text,) = dedupe_keys([line(bank_reference="SN1", remittance="a")], lambda _l: "CNY")
    (other_text,) = dedupe_keys([line(bank_reference="SN1", remittance="b")], lambda _l: "CNY")

    assert with_text.primary == other_text.primary
    assert with_text.primary.startswith("r:")
    assert with_text.content != other_text.content
