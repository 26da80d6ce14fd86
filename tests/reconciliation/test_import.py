"""bank_statement_import and the import_bank_statement command: all or nothing, idempotent."""

from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.exceptions import ApplicationError, PermissionDeniedError
from reconciliation.models import BankAccount, BankLine, BankStatementImport, ColumnMapping
from reconciliation.services.imports import bank_statement_import

SAMPLES = Path(__file__).parent / "samples"

pytestmark = pytest.mark.django_db


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.fixture
def account(db):
    return BankAccount.objects.create(
        code="CMB-BASIC",
        name="招商银行 基本户",
        bank_name="招商银行上海分行",
        account_number="7559 1234 5610 801",
        currency="CNY",
    )


def csv_text(rows: list[str], *, title=True) -> bytes:
    head = ["户名：上海汇宽科技有限公司", "账号：755912345610801"] if title else []
    header = "交易日期,交易时间,借方金额,贷方金额,摘要,对方户名,对方账号,交易流水号"
    return "\n".join([*head, header, *rows]).encode("utf-8")


def import_file(actor, account, content: bytes, file_name="x.csv"):
    return bank_statement_import(actor=actor, account=account, file_name=file_name, content=content)


def nothing_written():
    return BankStatementImport.objects.count() == 0 and BankLine.objects.count() == 0


def test_import_creates_one_line_per_transaction(account, finance_user):
    result = bank_statement_import(
        actor=finance_user, account=account, file_name="cmb.csv", content=sample("cmb_utf8.csv")
    )

    assert (result.already_imported, result.new_lines, result.duplicate_lines) == (False, 4, 0)
    statement_import = result.statement_import
    assert statement_import.format == "csv"
    assert statement_import.imported_by == finance_user
    assert (statement_import.period_start, statement_import.period_end) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
    )
    assert (statement_import.line_count, statement_import.new_line_count) == (4, 4)
    lines = list(BankLine.objects.order_by("file_line"))
    assert [(line.file_line, line.direction, line.amount, line.currency) for line in lines] == [
        (7, "credit", Decimal("12800.00"), "CNY"),
        (8, "credit", Decimal("5000.50"), "CNY"),
        (9, "debit", Decimal("15.00"), "CNY"),
        (10, "credit", Decimal("1200.00"), "CNY"),
    ]
    first = lines[0]
    assert first.statement_import == statement_import
    assert first.account == account
    assert (first.booked_on, first.booked_at) == (date(2026, 11, 3), time(9, 15, 22))
    assert first.counterparty_name == "华润万家（中国）有限公司"
    assert first.counterparty_account == "31001590000050012345"
    assert first.bank_reference == "G1020261103000001"
    assert first.status == BankLine.Status.UNMATCHED
    assert first.history.get().history_user == finance_user


@pytest.mark.parametrize(
    ("name", "number", "currency", "format", "lines", "credits"),
    [
        ("cmb_utf8.csv", "755912345610801", "CNY", "csv", 4, Decimal("19000.50")),
        ("icbc_gbk.csv", "1001 2345 6789 0123 456", "CNY", "csv", 4, Decimal("7250.00")),
        ("ccb_title_rows.xlsx", "31050161373600001234", "CNY", "xlsx", 3, Decimal("31400.00")),
        ("abc_legacy.xls", "03-810001040012345", "CNY", "xlsx", 2, Decimal("15000.00")),
        ("boc_chinese.sta", "755912345610801", "CNY", "mt940", 4, Decimal("19000.50")),
        ("camt053_v02.xml", "DE89 3704 0044 0532 0130 00", "EUR", "camt053", 4, Decimal("5500")),
        ("camt053_v08.xml", "755912345610801", "CNY", "camt053", 2, Decimal("9000.00")),
        ("ofx1_sgml.ofx", "4417850001", "USD", "ofx", 3, Decimal("5734.56")),
        ("ofx2_xml.ofx", "808-123456-838", "HKD", "ofx", 2, Decimal("38000.00")),
    ],
)
def test_every_format_imports_once(finance_user, name, number, currency, format, lines, credits):
    account = BankAccount.objects.create(
        code="ACC", name="acc", account_number=number, currency=currency
    )

    first = import_file(finance_user, account, sample(name), file_name=name)
    again = import_file(finance_user, account, sample(name), file_name=name)

    assert first.statement_import.format == format
    assert (first.new_lines, first.duplicate_lines) == (lines, 0)
    assert (again.already_imported, again.new_lines) == (True, 0)
    assert BankLine.objects.count() == lines
    assert set(BankLine.objects.values_list("currency", flat=True)) == {currency}
    received = BankLine.objects.filter(direction="credit").values_list("amount", flat=True)
    assert sum(received) == credits


def test_import_queues_matching_after_commit(
    account, finance_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        bank_statement_import(
            actor=finance_user,
            account=account,
            file_name="cmb.csv",
            content=sample("cmb_utf8.csv"),
        )

    assert len(callbacks) == 1


def test_same_file_twice_adds_nothing(account, finance_user):
    first = bank_statement_import(
        actor=finance_user, account=account, file_name="a.csv", content=sample("cmb_utf8.csv")
    )

    again = bank_statement_import(
        actor=finance_user, account=account, file_name="b.csv", content=sample("cmb_utf8.csv")
    )

    assert again.already_imported is True
    assert again.statement_import == first.statement_import
    assert (again.new_lines, again.duplicate_lines) == (0, 4)
    assert BankStatementImport.objects.count() == 1
    assert BankLine.objects.count() == 4


def test_overlapping_file_adds_only_the_new_lines(account, finance_user):
    november_first_half = csv_text(
        [
            "2026-11-03,09:15:22,,800.00,货款,甲公司,6222001,REF-1",
            "2026-11-04,10:00:00,,900.00,货款,乙公司,6222002,REF-2",
        ]
    )
    november_overlap = csv_text(
        [
            "2026-11-04,10:00:00,,900.00,货款,乙公司,6222002,REF-2",
            "2026-11-05,11:00:00,,950.00,货款,丙公司,6222003,REF-3",
        ]
    )
    bank_statement_import(
        actor=finance_user, account=account, file_name="1.csv", content=november_first_half
    )

    result = bank_statement_import(
        actor=finance_user, account=account, file_name="2.csv", content=november_overlap
    )

    assert (result.already_imported, result.new_lines, result.duplicate_lines) == (False, 1, 1)
    assert result.statement_import.duplicate_line_count == 1
    assert sorted(BankLine.objects.values_list("bank_reference", flat=True)) == [
        "REF-1",
        "REF-2",
        "REF-3",
    ]


def test_two_identical_transfers_without_reference_are_both_kept_and_never_repeated(
    account, finance_user
):
    twice = ["2026-11-03,,,500.00,货款,甲公司,6222001,", "2026-11-03,,,500.00,货款,甲公司,6222001,"]
    bank_statement_import(
        actor=finance_user, account=account, file_name="1.csv", content=csv_text(twice)
    )
    assert BankLine.objects.count() == 2

    with_a_third_line = [*twice, "2026-11-04,,,700.00,货款,甲公司,6222001,"]
    result = bank_statement_import(
        actor=finance_user, account=account, file_name="2.csv", content=csv_text(with_a_third_line)
    )

    assert (result.new_lines, result.duplicate_lines) == (1, 2)
    assert BankLine.objects.count() == 3


def test_a_repeated_voucher_number_is_not_taken_as_the_reference(account, finance_user):
    placeholder = [
        "2026-11-03,,,500.00,货款,甲公司,6222001,1000001",
        "2026-11-03,,,650.00,货款,乙公司,6222002,1000001",
    ]

    result = bank_statement_import(
        actor=finance_user, account=account, file_name="1.csv", content=csv_text(placeholder)
    )

    assert result.new_lines == 2
    keys = list(BankLine.objects.values_list("dedupe_key", flat=True))
    assert all(key.startswith("h:") for key in keys)


def test_a_line_first_seen_without_reference_is_recognised_when_a_later_file_has_one(
    account, finance_user
):
    """The earlier export printed a placeholder; the later one the real serial number."""
    earlier = [
        "2026-11-03,,,500.00,货款,甲公司,6222001,0000000",
        "2026-11-03,,,650.00,货款,乙公司,6222002,0000000",
    ]
    later = [
        "2026-11-03,,,500.00,货款,甲公司,6222001,SN-77",
        "2026-11-03,,,650.00,货款,乙公司,6222002,SN-78",
    ]
    bank_statement_import(
        actor=finance_user, account=account, file_name="1.csv", content=csv_text(earlier)
    )

    result = bank_statement_import(
        actor=finance_user, account=account, file_name="2.csv", content=csv_text(later)
    )

    assert (result.new_lines, result.duplicate_lines) == (0, 2)


@pytest.mark.parametrize(
    ("row", "line", "field", "text"),
    [
        ("2026-13-45,,,500.00,货款,甲公司,6222001,R1", 5, "交易日期", "'2026-13-45' is not a date"),
        ("2026-11-03,,,5O0.00,货款,甲公司,6222001,R1", 5, "贷方金额", "'5O0.00' is not an amount"),
        ("2026-11-03,25:61:00,,500.00,货款,甲公司,6222001,R1", 5, "交易时间", "not a time"),
        ("2026-11-03,,,,货款,甲公司,6222001,R1", 5, "贷方金额", "no amount"),
        ("2026-11-03,,12.00,500.00,货款,甲公司,6222001,R1", 5, "贷方金额", "both a credit"),
    ],
)
def test_a_broken_line_rejects_the_whole_file(account, finance_user, row, line, field, text):
    good = "2026-11-02,,,100.00,货款,甲公司,6222001,R0"

    with pytest.raises(ApplicationError) as error:
        bank_statement_import(
            actor=finance_user, account=account, file_name="x.csv", content=csv_text([good, row])
        )

    assert error.value.field == "file"
    assert error.value.row == line
    assert f"Line {line}, {field}: " in error.value.message
    assert text in error.value.message
    assert nothing_written()


def test_a_file_without_a_header_row_is_rejected(account, finance_user):
    content = "客户,说明\n甲公司,这不是银行流水\n".encode()

    with pytest.raises(ApplicationError, match="no header row found") as error:
        bank_statement_import(
            actor=finance_user, account=account, file_name="x.csv", content=content
        )

    assert error.value.field == "file"
    assert nothing_written()


def test_a_binary_file_of_no_known_format_is_rejected(account, finance_user):
    with pytest.raises(ApplicationError, match="not a bank statement in a known format"):
        bank_statement_import(
            actor=finance_user, account=account, file_name="x.bin", content=b"\x00\x01\x02" * 50
        )

    assert nothing_written()


def test_an_unknown_format_name_is_refused(account, finance_user):
    with pytest.raises(ApplicationError) as error:
        bank_statement_import(
            actor=finance_user,
            account=account,
            file_name="cmb.csv",
            content=sample("cmb_utf8.csv"),
            format="qif",
        )

    assert error.value.field == "format"
    assert nothing_written()


def test_a_statement_of_another_account_is_refused(account, finance_user):
    content = csv_text(["2026-11-03,,,500.00,货款,甲公司,6222001,R1"]).replace(
        b"755912345610801", b"755900000000002"
    )

    with pytest.raises(ApplicationError) as error:
        bank_statement_import(
            actor=finance_user, account=account, file_name="x.csv", content=content
        )

    assert (error.value.field, error.value.code) == ("account", "wrong_account")
    assert "755900000000002" in error.value.message
    assert nothing_written()


def test_a_statement_in_another_currency_is_refused(account, finance_user):
    content = "币种：美元\n".encode() + csv_text(["2026-11-03,,,500.00,货款,甲公司,6222001,R1"])

    with pytest.raises(ApplicationError) as error:
        bank_statement_import(
            actor=finance_user, account=account, file_name="x.csv", content=content
        )

    assert error.value.code == "wrong_currency"
    assert nothing_written()


def test_a_file_over_the_size_limit_is_refused(account, finance_user, settings):
    settings.RECONCILIATION_MAX_FILE_BYTES = 100

    with pytest.raises(ApplicationError) as error:
        bank_statement_import(
            actor=finance_user, account=account, file_name="x.csv", content=sample("cmb_utf8.csv")
        )

    assert error.value.code == "file_too_large"
    assert nothing_written()


def test_a_file_with_no_transactions_is_refused(account, finance_user):
    with pytest.raises(ApplicationError) as error:
        bank_statement_import(
            actor=finance_user, account=account, file_name="x.csv", content=csv_text([])
        )

    assert error.value.code == "no_transactions"
    assert nothing_written()


def test_only_reconcilers_import(account, auditor_user):
    with pytest.raises(PermissionDeniedError):
        bank_statement_import(
            actor=auditor_user, account=account, file_name="x.csv", content=sample("cmb_utf8.csv")
        )

    assert nothing_written()


def test_the_account_column_mapping_names_the_columns(account, finance_user):
    account.column_mapping = ColumnMapping.objects.create(
        name="某农商行",
        booked_on_column="记账日",
        date_format="%d.%m.%Y",
        amount_column="发生金额",
        direction_column="收付",
        credit_marker="收",
        debit_marker="付",
        counterparty_name_column="客户名称",
        remittance_columns="用途,备注",
        reference_column="顺序号",
    )
    account.save()
    content = "\n".join(
        [
            "记账日,收付,发生金额,客户名称,备注,用途,顺序号",
            "03.11.2026,收,880.00,甲公司,第二笔,货款,A1",
            "04.11.2026,付,20.00,乙公司,,运费,A2",
        ]
    ).encode()

    bank_statement_import(actor=finance_user, account=account, file_name="x.csv", content=content)

    lines = BankLine.objects.order_by("file_line")
    assert [
        (line.booked_on, line.direction, line.amount, line.counterparty_name, line.remittance)
        for line in lines
    ] == [
        (date(2026, 11, 3), "credit", Decimal("880.00"), "甲公司", "货款 第二笔"),
        (date(2026, 11, 4), "debit", Decimal("20.00"), "乙公司", "运费"),
    ]


# --- the command -------------------------------------------------------------------------------


def test_command_imports_a_file_and_prints_the_counts(account, capsys):
    call_command("import_bank_statement", str(SAMPLES / "cmb_utf8.csv"), account="CMB-BASIC")
    call_command("import_bank_statement", str(SAMPLES / "cmb_utf8.csv"), account="CMB-BASIC")

    output = capsys.readouterr().out
    assert "4 new lines, 0 already imported" in output
    assert "already imported" in output.splitlines()[-1]
    assert BankLine.objects.count() == 4
    assert BankStatementImport.objects.get().imported_by is None


def test_command_reports_a_broken_file_as_an_error(account, tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_bytes(csv_text(["2026-11-03,,,abc,货款,甲公司,6222001,R1"]))

    with pytest.raises(CommandError, match=r"Line 4, 贷方金额: 'abc' is not an amount"):
        call_command("import_bank_statement", str(broken), account="CMB-BASIC", format="csv")

    assert nothing_written()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"account": "NO-SUCH"}, "No bank account with code NO-SUCH"),
        ({"account": "CMB-BASIC", "format": "mt940"}, "not an MT940 statement"),
    ],
)
def test_command_refuses_bad_arguments(account, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_bank_statement", str(SAMPLES / "cmb_utf8.csv"), **arguments)

    assert nothing_written()


def test_command_refuses_a_missing_file(account, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_bank_statement", str(tmp_path / "nope.csv"), account="CMB-BASIC")
