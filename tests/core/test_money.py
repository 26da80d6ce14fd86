from decimal import Decimal

import pytest

from core.money import UnknownCurrency, quantize, split_by_percentages


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.675", "CNY", "2.68"),  # half-even would give 2.67
        ("2.665", "CNY", "2.67"),
        ("-2.675", "CNY", "-2.68"),
        ("1234.5", "JPY", "1235.00"),
        ("0.004", "USD", "0.00"),
    ],
)
def test_quantize_rounds_half_up_to_the_minor_unit(amount, currency, expected):
    assert quantize(Decimal(amount), currency) == Decimal(expected)


def test_unknown_currency_is_refused():
    with pytest.raises(UnknownCurrency):
        quantize(Decimal("1"), "XXX")


@pytest.mark.parametrize(
    ("total", "percentages", "expected"),
    [
        ("100.00", ["30", "30", "40"], ["30.00", "30.00", "40.00"]),
        ("100.01", ["33.33", "33.33", "33.34"], ["33.33", "33.34", "33.34"]),
        ("0.02", ["25", "25", "25", "25"], ["0.01", "0.00", "0.01", "0.00"]),
        ("0.01", ["60", "40"], ["0.01", "0.00"]),
    ],
)
def test_split_parts_add_up_and_are_never_negative(total, percentages, expected):
    parts = split_by_percentages(Decimal(total), [Decimal(p) for p in percentages], "CNY")
    assert parts == [Decimal(e) for e in expected]
    assert sum(parts) == Decimal(total)
