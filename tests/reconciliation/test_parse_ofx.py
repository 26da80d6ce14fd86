"""OFX 1.x (SGML) and 2.x (XML) via ofxtools."""

from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest

from reconciliation.parsers import StatementParseError, parse_statement
from reconciliation.parsers.base import ParsedLine

SAMPLES = Path(__file__).parent / "samples"


def test_ofx1_sgml():
    statement = parse_statement((SAMPLES / "ofx1_sgml.ofx").read_bytes(), file_name="s.ofx")

    assert statement.format == "ofx"
    assert (statement.account_number, statement.currency) == ("4417850001", "USD")
    assert statement.closing_balance == Decimal("10709.56")
    assert (statement.period_start, statement.period_end) == (date(2026, 11, 1), date(2026, 11, 5))
    assert statement.lines == [
        ParsedLine(
            booked_on=date(2026, 11, 2),
            direction="credit",
            amount=Decimal("4500.00"),
            currency="USD",
            counterparty_name="PACIFIC TRADING LLC",
            remittance="INV-2026-000160",
            bank_reference="2026110201",
            file_line=39,
        ),
        ParsedLine(
            booked_on=date(2026, 11, 3),
            direction="debit",
            amount=Decimal("25.00"),
            currency="USD",
            counterparty_name="WIRE FEE",
            bank_reference="2026110301",
            file_line=47,
        ),
        ParsedLine(
            booked_on=date(2026, 11, 4),
            direction="credit",
            amount=Decimal("1234.56"),
            currency="USD",
            counterparty_name="ACME CORP",
            remittance="PO 7781 INV-2026-000161 INV-2026-000162",
            bank_reference="2026110401",
            file_line=54,
        ),
    ]


def test_ofx2_xml_keeps_the_banks_local_date():
    statement = parse_statement((SAMPLES / "ofx2_xml.ofx").read_bytes(), file_name="s.xml")

    assert (statement.account_number, statement.currency) == ("808-123456-838", "HKD")
    assert statement.lines == [
        ParsedLine(
            # 05:30 Hong Kong time is the previous day in UTC; the bank booked it on the 6th.
            booked_on=date(2026, 11, 6),
            booked_at=time(5, 30),
            direction="credit",
            amount=Decimal("38000.00"),
            currency="HKD",
            counterparty_name="香港永昌贸易有限公司",
            counterparty_account="282-99887766",
            remittance="INV-2026-000170 货款",
            bank_reference="HK20261106000381",
            file_line=31,
        ),
        ParsedLine(
            booked_on=date(2026, 11, 6),
            booked_at=time(16, 0),
            direction="debit",
            amount=Decimal("120.00"),
            currency="HKD",
            counterparty_name="CHATS CHARGE",
            bank_reference="HK20261106000399",
            file_line=44,
        ),
    ]


def test_an_invalid_amount_is_refused():
    content = (SAMPLES / "ofx1_sgml.ofx").read_bytes().replace(b"<TRNAMT>4500.00", b"<TRNAMT>4,5x")

    with pytest.raises(StatementParseError, match="OFX: the OFX content is not valid"):
        parse_statement(content, file_name="s.ofx")


def test_a_broken_header_is_refused():
    with pytest.raises(StatementParseError, match="not a readable OFX file"):
        parse_statement(b"OFXHEADER:999\n<OFX></OFX>", file_name="s.ofx")
