"""ISO 20022 CAMT.053 (.001.02 and .001.08), namespace-agnostic, read with defusedxml."""

from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest

from reconciliation.parsers import StatementParseError, parse_statement
from reconciliation.parsers.base import ParsedLine
from reconciliation.parsers.camt053 import parse_camt053

SAMPLES = Path(__file__).parent / "samples"


def test_camt053_001_02_with_a_batched_entry_and_a_pending_one():
    statement = parse_statement((SAMPLES / "camt053_v02.xml").read_bytes(), file_name="s.xml")

    assert statement.format == "camt053"
    assert (statement.account_number, statement.currency) == ("DE89370400440532013000", "EUR")
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("1000.00"),
        Decimal("6455.00"),
    )
    assert (statement.period_start, statement.period_end) == (date(2026, 11, 2), date(2026, 11, 2))
    assert statement.lines == [
        ParsedLine(
            booked_on=date(2026, 11, 2),
            value_date=date(2026, 11, 3),
            direction="credit",
            amount=Decimal("2500.00"),
            currency="EUR",
            counterparty_name="Müller Handels GmbH",
            counterparty_account="DE02100100100006820101",
            counterparty_bank="PBNKDEFFXXX",
            remittance="Invoice INV-2026-000140",
            # EndToEndId NOTPROVIDED: the entry's AcctSvcrRef instead.
            bank_reference="2026110200001",
            file_line=70,
        ),
        ParsedLine(
            booked_on=date(2026, 11, 2),
            value_date=date(2026, 11, 2),
            direction="credit",
            amount=Decimal("1000.00"),
            currency="EUR",
            counterparty_name="Schmidt & Co. KG",
            counterparty_account="DE75512108001245126199",
            remittance="INV-2026-000141",
            bank_reference="2026110200002-1",
            file_line=117,
        ),
        ParsedLine(
            booked_on=date(2026, 11, 2),
            value_date=date(2026, 11, 2),
            direction="credit",
            amount=Decimal("2000.00"),
            currency="EUR",
            counterparty_name="Weber Maschinenbau AG",
            remittance="INV-2026-000142 INV-2026-000143",
            bank_reference="2026110200002-2",
            file_line=145,
        ),
        ParsedLine(
            booked_on=date(2026, 11, 2),
            value_date=date(2026, 11, 2),
            direction="debit",
            amount=Decimal("45.00"),
            currency="EUR",
            remittance="Account maintenance fee",
            bank_reference="2026110200003",
            file_line=166,
        ),
    ]


def test_camt053_001_08_with_party_wrappers_and_a_reversal():
    statement = parse_camt053((SAMPLES / "camt053_v08.xml").read_bytes())

    assert (statement.account_number, statement.currency) == ("755912345610801", "CNY")
    assert statement.closing_balance == Decimal("59000.00")
    assert statement.lines == [
        ParsedLine(
            booked_on=date(2026, 11, 10),
            booked_at=time(10, 20, 30),
            value_date=date(2026, 11, 10),
            direction="credit",
            amount=Decimal("8800.00"),
            currency="CNY",
            counterparty_name="深圳远景科技有限公司",
            counterparty_account="4420123456789012",
            counterparty_bank="中国建设银行深圳分行",
            remittance="货款 INV-2026-000150",
            bank_reference="CMB2026111000123",
            file_line=67,
        ),
        ParsedLine(
            # A reversed debit (RvslInd true): the money came back in.
            booked_on=date(2026, 11, 10),
            value_date=date(2026, 11, 10),
            direction="credit",
            amount=Decimal("200.00"),
            currency="CNY",
            remittance="退汇 收款人账号不符",
            bank_reference="CMB2026111000124",
            file_line=101,
        ),
    ]


def test_without_a_namespace_it_reads_the_same():
    content = (SAMPLES / "camt053_v08.xml").read_bytes()
    bare = content.replace(b' xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"', b"")

    assert parse_statement(bare, file_name="s.xml").lines == parse_camt053(content).lines


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            b'<Amt Ccy="CNY">8800.00</Amt>\n        <Cdt',
            b'<Amt Ccy="CNY">88OO</Amt>\n        <Cdt',
            r"Line 54, Amt: '88OO' is not an amount",
        ),
        (
            b"<Dt>2026-11-10</Dt>\n        </BookgDt>",
            b"<Dt>2026-13-10</Dt>\n        </BookgDt>",
            r"Line 110, BookgDt: '2026-13-10' is not a date",
        ),
        (
            b"<CdtDbtInd>DBIT</CdtDbtInd>\n        <RvslInd>",
            b"<CdtDbtInd>X</CdtDbtInd>\n        <RvslInd>",
            r"Line 104, CdtDbtInd: 'X' is neither CRDT nor DBIT",
        ),
        (b"</Stmt>", b"</Stmtx>", r"Line 118: not well-formed XML"),
    ],
)
def test_broken_elements_are_refused_with_their_line(old, new, message):
    content = (SAMPLES / "camt053_v08.xml").read_bytes()
    assert old in content

    with pytest.raises(StatementParseError, match=message):
        parse_camt053(content.replace(old, new, 1))


def test_entities_are_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">]>'
        b"<Document><BkToCstmrStmt>&a;</BkToCstmrStmt></Document>"
    )

    with pytest.raises(StatementParseError, match="entities"):
        parse_camt053(bomb)


def test_another_iso_message_is_not_a_statement():
    with pytest.raises(StatementParseError, match="not a CAMT.053 statement"):
        parse_camt053(b"<Document><BkToCstmrNtfctn/></Document>")
