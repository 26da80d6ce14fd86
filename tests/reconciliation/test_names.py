"""Payer names and account numbers compare equal however the bank printed them."""

import pytest

from reconciliation.matching.names import account_key, name_key


@pytest.mark.parametrize(
    ("printed", "key"),
    [
        ("上海华润（中国）有限公司", "上海华润"),
        ("上海华润(中国)有限公司", "上海华润"),
        ("上海华润股份有限公司", "上海华润"),
        ("华润机械（上海）有限公司", "华润机械上海"),
        ("ＡＣＭＥ Trading Co., Ltd.", "acmetrading"),
        ("Acme Trading Company Limited", "acmetrading"),
        ("公司", "公司"),
        ("", ""),
    ],
)
def test_name_key(printed, key):
    assert name_key(printed) == key


def test_account_key_drops_spaces_dashes_and_full_width_digits():
    assert account_key("6222 0210-0112 ３４５６") == "6222021001123456"
