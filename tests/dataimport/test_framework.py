"""The shared import framework: encoding detection, cell parsing, header matching, chunking."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dataimport.files import detect_encoding, numbered_rows
from dataimport.importers.base import parse_bool, parse_date, parse_decimal
from dataimport.importers.customers import CustomerResource
from dataimport.services import _chunks


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        ("编码\n甲\n".encode(), "utf-8"),
        ("编码\n甲\n".encode("utf-8-sig"), "utf-8-sig"),
        ("编码\n甲\n".encode("gbk"), "gb18030"),
    ],
)
def test_encoding_is_detected(content, encoding):
    assert detect_encoding(io.BytesIO(content)) == encoding


def test_csv_rows_keep_file_numbers_skip_blank_rows_and_honour_quotes():
    content = b'a,b\n"1,5","x ""y"""\n,\n\n3,4\n'
    rows = list(numbered_rows(io.BytesIO(content), file_format="csv", encoding="utf-8"))
    assert rows == [(1, ["a", "b"]), (2, ["1,5", 'x "y"']), (5, ["3", "4"])]


@pytest.mark.parametrize(
    "value",
    ["2025-03-31", "2025/3/31", "2025.03.31", "20250331", "2025年3月31日", datetime(2025, 3, 31)],
)
def test_dates_in_common_forms(value):
    assert parse_date(value, field_name="d") == date(2025, 3, 31)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1,234.50", Decimal("1234.50")), ("¥12", Decimal("12")), (0.1, Decimal("0.1")), (7, 7)],
)
def test_numbers_in_common_forms(value, expected):
    assert parse_decimal(value, field_name="n") == expected


@pytest.mark.parametrize(
    ("parse", "value"),
    [(parse_date, "31/13/2025"), (parse_decimal, "12a"), (parse_bool, "maybe")],
)
def test_bad_cells_name_the_field(parse, value):
    with pytest.raises(ValidationError) as raised:
        parse(value, field_name="cell")
    assert list(raised.value.message_dict) == ["cell"]


def test_blank_header_over_data_and_repeated_columns_are_errors():
    match = CustomerResource.match_headers(
        ["客户编码", "Legal name", "customer code", ""], [True, True, True, True]
    )
    assert [(e["column"], e["message"]) for e in match.errors] == [
        ("(column D, no header)", "Unknown column."),
        ("customer code", "This column appears twice."),
    ]


def test_chunks_do_not_split_rows_of_the_same_key():
    rows = [(n, [key]) for n, key in enumerate(["A", "A", "B", "B", "B", "C"], start=2)]
    sizes = [len(chunk) for chunk in _chunks(iter(rows), key_columns=[0], size=2)]
    assert sizes == [2, 3, 1]
