"""Normalising payer names and account numbers so that the same payer compares equal however
the bank printed it."""

import re
import unicodedata

# Company-form suffixes and region tags that banks keep or drop at will; longest first so that
# 股份有限公司 goes before 有限公司.
_COMPANY_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "分公司",
    "公司",
    "co ltd",
    "co limited",
    "company limited",
    "limited",
    "ltd",
    "inc",
    "llc",
    "gmbh",
    "corp",
    "corporation",
    "co",
)
# Single English words that only say "a company": stripped from the end word by word.
_ENGLISH_FORMS = frozenset(
    {"co", "ltd", "limited", "company", "inc", "llc", "gmbh", "corp", "corporation"}
)
_REGION_TAGS = re.compile(r"\((中国|中國|china|prc|hk|香港)\)")
_NOT_WORD = re.compile(r"[^0-9a-z\u3400-\u9fff]+")


def _fold(text: str) -> str:
    # NFKC turns full-width letters, digits and brackets （） into their ASCII forms.
    return unicodedata.normalize("NFKC", text or "").casefold()


def name_key(name: str) -> str:
    """A payer or customer name reduced to what identifies it: full-width folded, lower case,
    region tags such as (中国) and company-form suffixes such as 有限公司 removed, no spaces or
    punctuation. "上海华润（中国）有限公司" and "上海华润有限公司" give the same key."""
    text = _REGION_TAGS.sub("", _fold(name))
    words = _NOT_WORD.sub(" ", text).split()
    # Strip trailing English company forms word by word ("acme trading co ltd" → "acme trading").
    while len(words) > 1 and words[-1] in _ENGLISH_FORMS:
        words.pop()
    key = "".join(words)
    for form in _COMPANY_FORMS:
        if not form.isascii() and key.endswith(form) and len(key) > len(form):
            key = key[: -len(form)]
            break
    return key


def account_key(account_number: str) -> str:
    """An account number with spaces, dashes and full-width digits folded away."""
    return re.sub(r"[^0-9a-z]", "", _fold(account_number))
