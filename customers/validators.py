"""Identifier checks for the customer archive."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc as stdnum_uscc

# GB 32100-2015 alphabet: digits and capital letters except I, O, Z, S, V.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def normalize_uscc(value: str) -> str:
    return stdnum_uscc.compact(value or "")


def validate_uscc(value: str) -> None:
    """Check a Unified Social Credit Code: 18 characters, region code digits, GB 32100 check digit.

    python-stdnum insists on digits in the first eight positions, but the national standard
    lets the registration-authority and entity-type positions (1 and 2) be letters (e.g. "N"
    for rural collectives, "Y" for other authorities), so the format is checked here and only
    the check-digit arithmetic is delegated to stdnum.
    """
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _("A USCC has 18 characters; this one has %(length)d."),
            code="uscc_length",
            params={"length": len(code)},
        )
    bad = [c for c in code if c not in USCC_ALPHABET]
    if bad:
        raise ValidationError(
            _("A USCC may not contain %(chars)s."),
            code="uscc_format",
            params={"chars": ", ".join(sorted(set(bad)))},
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("Positions 3 to 8 of a USCC are the region code and must be digits."),
            code="uscc_format",
        )
    expected = stdnum_uscc.calc_check_digit(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("USCC check digit is wrong: expected %(expected)s, got %(got)s."),
            code="uscc_check_digit",
            params={"expected": expected, "got": code[17]},
        )


def normalize_phone(value: str, *, country: str = "CN") -> str:
    """Return the number in E.164 form, or raise ValidationError naming what is wrong."""
    try:
        parsed = phonenumbers.parse(value, country or "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("“%(value)s” is not a phone number."), code="phone_format", params={"value": value}
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _("“%(value)s” is not a valid phone number."),
            code="phone_invalid",
            params={"value": value},
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
