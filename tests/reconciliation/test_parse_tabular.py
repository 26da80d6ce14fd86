"""CSV, XLSX and XLS exports of Chinese corporate online banking, parsed to exact values."""

from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest

from reconciliation.parsers import StatementParseError, parse_statement
from reconciliation.parsers.base import ParsedLine, parse_amount
from reconciliation.parsers.tabular import parse_datetime

SAMPLES = Path(__file__).parent / "samples"


def parse(name: str, **options):
    return parse_statement((SAMPLES / name).read_bytes(), file_name=name, **options)


def test_utf8_csv_with_title_rows_bom_and_footer():
    statement = parse("cmb_utf8.csv")

    assert statement.format == "csv"
    assert statement.account_number == "755912345610801"
    assert statement.currency == "CNY"
    assert (statement.period_start, statement.period_end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert statement.lines == [
        ParsedLine(
            booked_on=date(2026, 11, 3),
            booked_at=time(9, 15, 22),
            value_date=date(2026, 11, 3),
            direction="credit",
            amount=Decimal("12800.00"),
            currency=None,
            counterparty_name="华润万家（中国）有限公司",
            counterparty_account="31001590000050012345",
            counterparty_bank="中国建设银行上海分行",
            remittance="货款 INV-2026-000123",
            bank_reference="G1020261103000001",
            file_line=7,
        ),
        ParsedLine(
            booked_on=date(2026, 11, 4),
            booked_at=time(14, 2, 10),
            value_date=date(2026, 11, 4),
            direction="credit",
            amount=Decimal("5000.50"),
            currency=None,
            counterparty_name="上海福瑞贸易有限公司",
            counterparty_account="6222021001123456789",
            counterparty_bank="中国工商银行上海徐汇支行",
            remittance="发票号2026000124、2026000125",
            bank_reference="G1020261104000007",
            file_line=8,
        ),
        ParsedLine(
            booked_on=date(2026, 11, 5),
            booked_at=time(10, 30),
            value_date=date(2026, 11, 5),
            direction="debit",
            amount=Decimal("15.00"),
            currency=None,
            remittance="汇款手续费",
            bank_reference="G1020261105000002",
            file_line=9,
        ),
        ParsedLine(
            booked_on=date(2026, 11, 6),
            booked_at=time(16, 45, 1),
            value_date=date(2026, 11, 6),
            direction="credit",
            amount=Decimal("1200.00"),
            currency=None,
            counterparty_name="李明",
            counterparty_account="6217001234567890",
            counterparty_bank="中国银行深圳分行",
            remittance="代付 深圳远景 货款",
            bank_reference="G1020261106000011",
            file_line=10,
        ),
    ]


def test_gbk_csv_with_single_amount_and_debit_credit_flag():
    statement = parse("icbc_gbk.csv")

    assert statement.account_number == "1001234567890123456"
    assert (statement.period_start, statement.period_end) == (date(2026, 11, 1), date(2026, 11, 30))
    payment = ParsedLine(
        booked_on=date(2026, 11, 10),
        direction="credit",
        amount=Decimal("3000.00"),
        currency="CNY",
        counterparty_name="杭州明达电子股份有限公司",
        counterparty_account="33050161234500000123",
        counterparty_bank="中国建设银行杭州分行",
        remittance="货款 INV-2026-000130",
        bank_reference="1000001",
        file_line=6,
    )
    assert statement.lines == [
        payment,
        ParsedLine(**{**payment.__dict__, "file_line": 7}),
        ParsedLine(
            booked_on=date(2026, 11, 12),
            direction="debit",
            amount=Decimal("800.00"),
            currency="CNY",
            counterparty_name="上海申通物流有限公司",
            counterparty_account="121900000000001",
            counterparty_bank="招商银行上海分行",
            remittance="运费",
            bank_reference="1000001",
            file_line=8,
        ),
        ParsedLine(
            booked_on=date(2026, 11, 15),
            direction="credit",
            amount=Decimal("1250.00"),
            currency="CNY",
            counterparty_name="宁波港华物流股份有限公司",
            counterparty_account="39010100000001234",
            counterparty_bank="中国工商银行宁波分行",
            remittance="INV-2026-000131",
            bank_reference="1000001",
            file_line=9,
        ),
    ]


def test_the_same_rows_read_alike_in_utf8_and_gbk():
    utf8 = (SAMPLES / "icbc_gbk.csv").read_bytes().decode("gbk").encode("utf-8")

    assert parse_statement(utf8, file_name="x.csv").lines == parse("icbc_gbk.csv").lines


def test_xlsx_with_title_rows_separate_time_column_and_excel_dates():
    statement = parse("ccb_title_rows.xlsx")

    assert statement.format == "xlsx"
    assert statement.account_number == "31050161373600001234"
    assert statement.currency == "CNY"
    assert statement.lines == [
        ParsedLine(
            booked_on=date(2026, 11, 12),
            booked_at=time(9, 5, 11),
            direction="credit",
            amount=Decimal("23400.00"),
            currency=None,
            counterparty_name="宁波港华物流股份有限公司",
            counterparty_account="3901010000001234",
            counterparty_bank="中国工商银行宁波分行",
            remittance="转账 INV-2026-000180 INV-2026-000181",
            bank_reference="CCB2026111200008",
            file_line=6,
        ),
        ParsedLine(
            # The date cell holds an Excel serial number, the time a time cell.
            booked_on=date(2026, 11, 13),
            booked_at=time(14, 30),
            direction="debit",
            amount=Decimal("3500.00"),
            currency=None,
            counterparty_name="上海申通物流有限公司",
            counterparty_account="121900000000001",
            counterparty_bank="招商银行上海分行",
            remittance="运费",
            bank_reference="CCB2026111300002",
            file_line=7,
        ),
        ParsedLine(
            # A date-time cell and no time column value; the amount is text "8,000.00".
            booked_on=date(2026, 11, 14),
            booked_at=time(10, 0),
            direction="credit",
            amount=Decimal("8000.00"),
            currency=None,
            counterparty_name="杭州明达电子股份有限公司",
            counterparty_account="33050161234500000123",
            counterparty_bank="中国建设银行杭州分行",
            remittance="货款 合同 HT-2026-018",
            bank_reference="CCB2026111400015",
            file_line=8,
        ),
    ]


def test_old_format_xls():
    statement = parse("abc_legacy.xls")

    assert statement.format == "xlsx"
    assert statement.account_number == "03810001040012345"
    assert (statement.period_start, statement.period_end) == (
        date(2026, 11, 20),
        date(2026, 11, 21),
    )
    assert statement.lines == [
        ParsedLine(
            booked_on=date(2026, 11, 20),
            booked_at=time(11, 22, 33),
            direction="credit",
            amount=Decimal("15000.00"),
            currency=None,
            counterparty_name="南京恒信机电有限公司",
            counterparty_account="32001588888800001",
            counterparty_bank="中国建设银行南京分行",
            remittance="网银转账 INV-2026-000190",
            bank_reference="ABC20261120000077",
            file_line=4,
        ),
        ParsedLine(
            booked_on=date(2026, 11, 21),
            booked_at=time(8, 15),
            direction="debit",
            amount=Decimal("260.00"),
            currency=None,
            counterparty_name="国家税务总局上海市税务局",
            remittance="税费",
            bank_reference="ABC20261121000003",
            file_line=5,
        ),
    ]


def test_english_headers_and_a_signed_amount_column():
    content = (
        b"Date,Amount,Counterparty,Counterparty account,Remark,Reference,Currency\n"
        b'2026-11-03,"1,500.00",ACME Ltd,GB29NWBK60161331926819,INV-2026-000200,R-1,usd\n'
        b"2026-11-04,-20.00,Bank,,Fee,R-2,USD\n"
    )

    lines = parse_statement(content, file_name="x.csv").lines

    assert [(line.direction, line.amount, line.currency, line.file_line) for line in lines] == [
        ("credit", Decimal("1500.00"), "USD", 2),
        ("debit", Decimal("20.00"), "USD", 3),
    ]
    assert lines[0].counterparty_account == "GB29NWBK60161331926819"


def test_a_combined_date_time_column_and_tab_separated_utf16():
    content = "交易时间\t收入\t支出\t对方名称\n2026-11-03 08:09:10\t100.00\t\t甲\n".encode("utf-16")

    (line,) = parse_statement(content, file_name="x.txt").lines

    assert (line.booked_on, line.booked_at, line.amount) == (
        date(2026, 11, 3),
        time(8, 9, 10),
        Decimal("100.00"),
    )


def test_header_units_and_full_width_brackets_are_understood():
    content = "日期,贷方（入账）,借方(出账),收（付）方名称\n2026-11-03,66.00,,甲\n".encode()

    (line,) = parse_statement(content, file_name="x.csv").lines

    assert (line.direction, line.amount, line.counterparty_name) == (
        "credit",
        Decimal("66.00"),
        "甲",
    )


def test_a_zero_amount_row_is_not_a_transaction():
    content = "交易日期,收入金额,支出金额\n2026-11-03,0.00,\n2026-11-04,5.00,\n".encode()

    lines = parse_statement(content, file_name="x.csv").lines

    assert [(line.booked_on, line.amount) for line in lines] == [(date(2026, 11, 4), Decimal("5"))]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-03", (date(2026, 11, 3), None)),
        ("2026/11/3", (date(2026, 11, 3), None)),
        ("20261103", (date(2026, 11, 3), None)),
        ("2026年11月3日", (date(2026, 11, 3), None)),
        ("２０２６－１１－０３", (date(2026, 11, 3), None)),
        ("2026-11-03 14:05:06", (date(2026, 11, 3), time(14, 5, 6))),
        ("20261103 140506", (date(2026, 11, 3), time(14, 5, 6))),
        (46329, (date(2026, 11, 3), None)),
        (46329.5, (date(2026, 11, 3), time(12, 0))),
        (datetime(2026, 11, 3, 7, 0), (date(2026, 11, 3), time(7, 0))),
        ("2026-02-30", None),
        ("yesterday", None),
    ],
)
def test_dates_as_banks_print_them(value, expected):
    assert parse_datetime(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.56", Decimal("1234.56")),
        ("¥1,234.56", Decimal("1234.56")),
        ("￥1,234.56", Decimal("1234.56")),
        ("(12.00)", Decimal("-12.00")),
        ("-12.5", Decimal("-12.5")),
        ("12.00-", Decimal("-12.00")),
        ("１，２３４．５６", Decimal("1234.56")),
        ("RMB 88.00", Decimal("88.00")),
        (1234.56, Decimal("1234.56")),
    ],
)
def test_amounts_as_banks_print_them(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["12,3a", "1.2.3", "--5", ""])
def test_what_is_not_an_amount(text):
    with pytest.raises(StatementParseError):
        parse_amount(text, line=3, field="金额")


def test_an_unknown_debit_credit_flag_names_line_and_column():
    content = "交易日期,借贷标志,金额\n2026-11-03,转,10.00\n".encode()

    with pytest.raises(StatementParseError) as error:
        parse_statement(content, file_name="x.csv")

    assert (error.value.line, error.value.field) == (2, "借贷标志")
    assert str(error.value) == "Line 2, 借贷标志: '转' is neither a debit nor a credit mark."


def test_an_unknown_currency_names_line_and_column():
    content = "交易日期,金额,币种\n2026-11-03,10.00,金币\n".encode()

    with pytest.raises(StatementParseError, match=r"Line 2, 币种: unknown currency '金币'"):
        parse_statement(content, file_name="x.csv")


def test_a_damaged_workbook_is_refused():
    with pytest.raises(StatementParseError, match="not a readable Excel workbook"):
        parse_statement(b"PK\x03\x04 truncated", file_name="x.xlsx")
