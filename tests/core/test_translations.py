"""The Simplified-Chinese catalogue: complete, in step with the code, compiled, and used by the API.

The .po and .mo files are read with the standard library, so only the extraction test needs GNU
gettext (makemessages runs xgettext); CI installs it.
"""

import ast
import os
import re
import shutil
import struct
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation
from rest_framework.test import APIClient

from accounts.roles import Role
from receivables.models import Allocation, Payment
from tests.factories import CustomerFactory, UserFactory, issued_invoice, recorded_payment

LOCALE = "zh_Hans"
# What `manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=tests
# --ignore=scripts` leaves out.
MAKEMESSAGES_IGNORE = (".venv", "var", "tests", "scripts")
GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge", "msgattrib")

PYTHON_FORMAT_DIRECTIVE = re.compile(
    r"%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]"
)


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def is_translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())


def read_po(path: Path) -> list[Entry]:
    """Entries of a .po file, obsolete (#~) ones marked; enough of the format for Django's
    catalogues (contexts, plurals, flags), not a general parser."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple | None = None  # (attribute, plural index) the next continuation line extends

    def finish():
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for raw_line in path.read_text(encoding="utf-8").splitlines():
        line = raw_line.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            if line.startswith("|"):
                continue
        if not line:
            finish()
            continue
        if line.startswith("#,"):
            if target is not None and target[0] == "msgstr":
                finish()  # flags start the next entry when no blank line separates them
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            if target is not None and target[0] == "msgstr":
                finish()
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            text = ast.literal_eval(line)
        else:
            text = ast.literal_eval(rest)
            if keyword in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
                finish()  # Django writes the first entry right after the header, no blank line
            entry.obsolete = entry.obsolete or obsolete
            if keyword.startswith("msgstr["):
                target = ("msgstr", int(keyword[7:-1]))
            elif keyword == "msgstr":
                target = ("msgstr", 0)
            else:
                target = (keyword, None)
            if target[0] == "msgstr":
                entry.msgstr[target[1]] = ""
            else:
                setattr(entry, target[0], "")
        if target[0] == "msgstr":
            entry.msgstr[target[1]] += text
        else:
            setattr(entry, target[0], getattr(entry, target[0]) + text)
    finish()
    return entries


def read_mo(path: Path) -> dict[str, str]:
    """Every original -> translation pair of a compiled catalogue, as the .mo stores them
    (context and plural parts joined with \\x04 and \\x00)."""
    data = path.read_bytes()
    order = "<" if struct.unpack("<I", data[:4])[0] == 0x950412DE else ">"
    _magic, _revision, count, originals, translations = struct.unpack(order + "5I", data[:20])

    def strings(table: int):
        for index in range(count):
            length, offset = struct.unpack_from(order + "2I", data, table + 8 * index)
            yield data[offset : offset + length].decode("utf-8")

    return dict(zip(strings(originals), strings(translations), strict=True))


def as_compiled(entry: Entry) -> tuple[str, str]:
    """The .mo key and value msgfmt makes of a .po entry."""
    original = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
    if entry.msgid_plural is not None:
        original += f"\x00{entry.msgid_plural}"
    return original, "\x00".join(entry.msgstr[index] for index in sorted(entry.msgstr))


def header_fields(header: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in header.splitlines() if ": " in line)


def catalogue_dir() -> Path:
    return Path(settings.LOCALE_PATHS[0]) / LOCALE / "LC_MESSAGES"


@pytest.fixture(scope="module")
def committed() -> list[Entry]:
    return read_po(catalogue_dir() / "django.po")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> list[Entry]:
    """What `makemessages` finds in the code today, extracted into a scratch catalogue.

    makemessages writes next to the first `locale` directory it meets under the working
    directory, so it runs in a tree of symlinks to the project that has its own empty `locale`:
    the committed catalogue is never touched."""
    missing = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"GNU gettext is not installed (no {', '.join(missing)}); makemessages needs it. "
            "Install the `gettext` package (.ci/run does)."
        )
    project = tmp_path_factory.mktemp("makemessages")
    for entry in Path(settings.BASE_DIR).iterdir():
        if entry.name not in {*MAKEMESSAGES_IGNORE, "locale"} and not entry.name.startswith("."):
            (project / entry.name).symlink_to(entry)
    scratch_locale = project / "locale"
    scratch_locale.mkdir()
    previous_cwd = os.getcwd()
    os.chdir(project)
    try:
        with override_settings(LOCALE_PATHS=[str(scratch_locale)]):
            call_command(
                "makemessages",
                locale=[LOCALE],
                ignore_patterns=list(MAKEMESSAGES_IGNORE),  # makemessages appends to it
                symlinks=True,
                verbosity=0,
            )
    finally:
        os.chdir(previous_cwd)
    return read_po(scratch_locale / LOCALE / "LC_MESSAGES" / "django.po")


def active_keys(entries: list[Entry]) -> set[tuple[str | None, str]]:
    return {entry.key for entry in entries if not entry.obsolete and not entry.is_header}


def test_zh_hans_catalogue_translates_every_message(committed):
    messages = [entry for entry in committed if not entry.is_header]
    assert len(messages) > 200  # the parser found the catalogue's entries
    untranslated = [entry.msgid for entry in messages if not entry.is_translated]
    fuzzy = [entry.msgid for entry in committed if "fuzzy" in entry.flags]
    obsolete = [entry.msgid for entry in messages if entry.obsolete]
    assert (untranslated, fuzzy, obsolete) == ([], [], [])


def test_zh_hans_translations_keep_the_placeholders_of_the_source(committed):
    mismatched = [
        (entry.msgid, text)
        for entry in committed
        if "python-format" in entry.flags
        for text in entry.msgstr.values()
        if Counter(PYTHON_FORMAT_DIRECTIVE.findall(text))
        != Counter(PYTHON_FORMAT_DIRECTIVE.findall(entry.msgid))
    ]
    assert mismatched == []


def test_zh_hans_catalogue_holds_every_string_marked_in_the_code(committed, extracted):
    """Fails when a developer marks a new string and does not run makemessages and translate it."""
    not_in_catalogue = active_keys(extracted) - active_keys(committed)
    assert not_in_catalogue == set(), (
        "run `manage.py makemessages -l zh_Hans "
        + " ".join(f"--ignore={name}" for name in MAKEMESSAGES_IGNORE)
        + "`, translate the new entries, then `manage.py compilemessages`"
    )


def test_zh_hans_catalogue_holds_no_string_the_code_dropped(committed, extracted):
    assert active_keys(committed) - active_keys(extracted) == set(), "run makemessages"


def test_compiled_catalogue_matches_the_po_file(committed):
    compiled = read_mo(catalogue_dir() / "django.mo")
    expected = dict(
        as_compiled(entry)
        for entry in committed
        if not entry.obsolete and entry.is_translated and "fuzzy" not in entry.flags
    )
    # The header's dates change on every makemessages run; only its plural rule matters here.
    compiled_header, expected_header = compiled.pop(""), expected.pop("")
    assert compiled == expected, "run `manage.py compilemessages` and commit the .mo"
    assert (
        header_fields(compiled_header)["Plural-Forms"]
        == header_fields(expected_header)["Plural-Forms"]
    )


# --- the API answers in the client's language ---------------------------------------------------


@pytest.fixture(autouse=True)
def language_left_as_found():
    """LocaleMiddleware activates the client's language in the test's thread and nothing
    switches it back: restore it, or later tests would run in whatever language was asked last."""
    with translation.override(translation.get_language()):
        yield


@pytest.fixture
def finance(db):
    return UserFactory(username="finance_i18n", role=Role.FINANCE)


def client_asking_for(accept_language: str, user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=accept_language)
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept_language", "message"),
    [
        ("en", "The amount must be positive."),
        ("zh-hans", "金额必须大于零。"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "金额必须大于零。"),  # what a browser in China sends
    ],
)
def test_serializer_error_comes_in_the_language_the_client_asks_for(
    finance, accept_language, message
):
    customer = CustomerFactory()
    response = client_asking_for(accept_language, finance).post(
        "/api/v1/payments/",
        {"customer": customer.pk, "received_on": "2026-01-20", "amount": "0"},
        format="json",
    )
    assert (response.status_code, response.json()) == (400, {"amount": [message]})
    assert not Payment.objects.filter(customer=customer).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept_language", "message"),
    [
        ("en", "The payment has only 100.00 unapplied."),
        ("zh-hans", "该笔收款的未核销金额仅为 100.00。"),
    ],
)
def test_service_error_comes_in_the_language_the_client_asks_for(finance, accept_language, message):
    customer = CustomerFactory()
    installment = issued_invoice(customer, actor=finance).installments.get()
    payment = recorded_payment(customer, actor=finance, amount=Decimal("100.00"))
    response = client_asking_for(accept_language, finance).post(
        f"/api/v1/payments/{payment.pk}/allocate/",
        {
            "allocations": [{"installment": installment.pk, "amount": "150.00"}],
            "applied_on": date(2026, 2, 1).isoformat(),
        },
        format="json",
    )
    assert (response.status_code, response.json()) == (400, {"allocations": [message]})
    payment.refresh_from_db()
    installment.refresh_from_db()
    assert (payment.unapplied_amount, installment.open_amount) == (
        Decimal("100.00"),
        Decimal("1000.00"),
    )
    assert not Allocation.objects.filter(payment=payment).exists()
