import pytest
from django.core.exceptions import ValidationError

from customers.validators import validate_uscc
from tests.factories import valid_uscc


@pytest.mark.parametrize(
    "code",
    [
        "91110000600037341L",  # a real registration (stdnum's doctest)
        "91 1100 0060 0037 341L",  # spaces are tolerated
        "911100006000373 41l",  # lower case is tolerated
        valid_uscc(12345),
    ],
)
def test_valid_codes_pass(code):
    validate_uscc(code)


def test_letter_registration_authority_codes_are_accepted():
    # GB 32100 allows letters in positions 1-2 (e.g. N for rural collectives, Y for other
    # authorities); python-stdnum alone rejects them.
    from stdnum.cn import uscc as stdnum_uscc

    body = "N2110000MA0000001"
    code = body + stdnum_uscc.calc_check_digit(body)
    assert not stdnum_uscc.is_valid(code)
    validate_uscc(code)


@pytest.mark.parametrize(
    ("code", "error_code", "fragment"),
    [
        ("91110000600037341X", "uscc_check_digit", "expected L, got X"),
        ("9111000060003734", "uscc_length", "18"),
        ("91110000600037341LL", "uscc_length", "18"),
        ("9111000060003734IL", "uscc_format", "I"),
        ("91A10000600037341L", "uscc_format", "region"),
    ],
)
def test_invalid_codes_name_the_problem(code, error_code, fragment):
    with pytest.raises(ValidationError) as exc:
        validate_uscc(code)
    assert exc.value.code == error_code
    assert fragment in exc.value.messages[0]
