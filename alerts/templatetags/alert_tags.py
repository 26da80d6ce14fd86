"""`{{ value|measure:rule.kind }}`: a rule's threshold or an alert's measured value with its
unit (days, base-currency amount, percent, grades), in the active language."""

from decimal import Decimal

from django import template
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from alerts.models import AlertRule
from core.templatetags.huikuan import money

register = template.Library()


def _number(value: Decimal) -> str:
    # Whole numbers without decimals (30 days, not 30.00 days).
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


@register.filter
def measure(value, kind: str) -> str:
    if value is None or value == "":
        return ""
    value = Decimal(value)
    if kind == AlertRule.Kind.OVERDUE_AMOUNT:
        return money(value, settings.BASE_CURRENCY)
    if kind == AlertRule.Kind.CREDIT_UTILISATION:
        return _("%(percent)s%%") % {"percent": _number(value)}
    # A fraction of a day (a worsening of 12.5 days) takes the plural.
    count = int(value) if value == value.to_integral_value() else 2
    if kind == AlertRule.Kind.RATING_DOWNGRADE:
        return ngettext("%(count)s grade", "%(count)s grades", count) % {"count": _number(value)}
    return ngettext("%(count)s day", "%(count)s days", count) % {"count": _number(value)}


_RULE_SENTENCES = {
    AlertRule.Kind.OVERDUE_DAYS: _lazy("Oldest open item more than %(threshold)s past due"),
    AlertRule.Kind.OVERDUE_AMOUNT: _lazy("Overdue amount above %(threshold)s"),
    AlertRule.Kind.CREDIT_UTILISATION: _lazy("Credit utilisation above %(threshold)s"),
    AlertRule.Kind.RATING_DOWNGRADE: _lazy("Credit rating down by more than %(threshold)s"),
    AlertRule.Kind.PAYMENT_WORSENING: _lazy("Days late up by more than %(threshold)s"),
    AlertRule.Kind.LIMITATION_NEAR: _lazy(
        "An open item's limitation period ends within %(threshold)s"
    ),
    AlertRule.Kind.PROMISE_BROKEN: _lazy("A promise to pay broken within the last %(threshold)s"),
}

# What an alert's `message` holds, per kind (overdue amounts need no more than the value).
_DETAIL_LABELS = {
    AlertRule.Kind.OVERDUE_DAYS: _lazy("oldest due date"),
    AlertRule.Kind.CREDIT_UTILISATION: _lazy("open / credit limit"),
    AlertRule.Kind.RATING_DOWNGRADE: _lazy("previous → current rating"),
    AlertRule.Kind.PAYMENT_WORSENING: _lazy("average days late, earlier → recent 90 days"),
    AlertRule.Kind.LIMITATION_NEAR: _lazy("earliest limitation date"),
    AlertRule.Kind.PROMISE_BROKEN: _lazy("promise found broken on"),
}


@register.filter
def rule_sentence(rule: AlertRule) -> str:
    """`{{ rule|rule_sentence }}` → "Oldest open item more than 30 days past due"."""
    return _RULE_SENTENCES[rule.kind] % {"threshold": measure(rule.threshold, rule.kind)}


@register.filter
def alert_details(alert) -> str:
    """`{{ alert|alert_details }}` → "oldest due date: 2026-01-31" ("" without details)."""
    if not alert.message:
        return ""
    return _("%(label)s: %(details)s") % {
        "label": _DETAIL_LABELS.get(alert.rule.kind, ""),
        "details": alert.message,
    }
