"""How people are named on pages: their full name in the order their language writes it."""

import re

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def person_name(user) -> str:
    """刘洋 for a Chinese name (family name first, no space), "Ada Lovelace" otherwise; the
    username when no name is recorded."""
    first, last = user.first_name.strip(), user.last_name.strip()
    if not (first or last):
        return user.get_username()
    if _CJK.search(first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()
