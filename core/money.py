"""Money arithmetic: every amount is a Decimal in a currency, quantized here and only here.

Rounding is ROUND_HALF_UP to the currency's minor unit (Python's round() on Decimal is
half-even, which finance staff would read as a wrong cent).
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

MAX_DIGITS = 20
DECIMAL_PLACES = 2
ZERO = Decimal("0.00")
# Below the smallest stored difference: comparisons in SQL use it where SQLite's float
# arithmetic would otherwise see 0.30000000000000004 for 0.30.
HALF_CENT = Decimal("0.005")

# ISO 4217 codes the ledger accepts, with their minor units. Amounts are stored with two decimal
# places; currencies with no minor unit simply keep ".00".
CURRENCY_MINOR_UNITS = {
    "CNY": 2,
    "HKD": 2,
    "TWD": 2,
    "MOP": 2,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "JPY": 0,
    "KRW": 0,
    "SGD": 2,
    "AUD": 2,
    "CAD": 2,
    "CHF": 2,
    "THB": 2,
    "MYR": 2,
    "VND": 0,
    "IDR": 2,
    "PHP": 2,
    "INR": 2,
    "RUB": 2,
    "AED": 2,
    "SAR": 2,
    "NZD": 2,
}
CURRENCY_CHOICES = [(code, code) for code in sorted(CURRENCY_MINOR_UNITS)]


class UnknownCurrency(ValueError):
    pass


def minor_unit(currency: str) -> int:
    try:
        return CURRENCY_MINOR_UNITS[currency]
    except KeyError:
        raise UnknownCurrency(_("Unknown currency: %(code)s") % {"code": currency}) from None


def quantize(amount, currency: str) -> Decimal:
    """Round an amount to the currency's minor unit, half up; returns a two-place Decimal."""
    step = Decimal(1).scaleb(-minor_unit(currency))
    try:
        rounded = Decimal(amount).quantize(step, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc
    return rounded.quantize(Decimal("0.01"))


def split_by_percentages(
    total: Decimal, percentages: list[Decimal], currency: str
) -> list[Decimal]:
    """Split total by percentages summing to 100 so that the parts add up to the total exactly.

    Each part is the difference of the rounded running totals, so no part is negative and the
    last one absorbs the rounding (rounding each part on its own can overshoot the total).
    """
    parts = []
    cumulative_percent = Decimal(0)
    previous = ZERO
    for index, percent in enumerate(percentages):
        cumulative_percent += percent
        if index == len(percentages) - 1:
            running = Decimal(total)
        else:
            running = quantize(total * cumulative_percent / Decimal(100), currency)
        parts.append(running - previous)
        previous = running
    return parts
