"""Template helpers for every page: money, query-string links, sortable column headers."""

from decimal import Decimal

from django import template

from core.money import CURRENCY_MINOR_UNITS, quantize

register = template.Library()

CURRENCY_SYMBOLS = {
    "CNY": "¥",
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "JP¥",
    "HKD": "HK$",
}


@register.filter
def money(amount, currency: str = "") -> str:
    """`{{ amount|money:"CNY" }}` → ¥1,234.50: grouped, to the currency's minor unit, half up."""
    if amount is None or amount == "":
        return ""
    places = CURRENCY_MINOR_UNITS.get(currency, 2)
    value = quantize(Decimal(amount), currency) if currency in CURRENCY_MINOR_UNITS else amount
    # Grouped by thousands with "," in both languages, as Chinese finance documents write it.
    formatted = f"{abs(Decimal(value)):,.{places}f}"
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} " if currency else "")
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{formatted}"


@register.filter
def money_by_currency(amounts: dict) -> str:
    """A per-currency dict ({"CNY": Decimal(...), "USD": ...}) as "¥1,000.00 · $20.00"."""
    if not amounts:
        return money(Decimal(0), "")
    return " · ".join(money(amount, currency) for currency, amount in sorted(amounts.items()))


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (None removes one), for
    pagination and sort links that keep the filters: `?{% query_with page=3 %}`."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.inclusion_tag("includes/sort_link.html", takes_context=True)
def sort_link(context, column: str, label: str, current: str = ""):
    """A column header that sorts by `column`, toggling direction when it is the current sort."""
    ascending_now = current == column
    descending_now = current == f"-{column}"
    query = context["request"].GET.copy()
    query["sort"] = f"-{column}" if ascending_now else column
    query.pop("page", None)
    return {
        "label": label,
        "query": query.urlencode(),
        "direction": "asc" if ascending_now else "desc" if descending_now else "",
    }
