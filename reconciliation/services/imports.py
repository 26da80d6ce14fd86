"""Bank files → bank lines.

An import is all or nothing: the file is parsed completely before anything is written, and
the lines are written in one transaction. Importing is idempotent: the same file into the same
account is the same import, and a line whose dedupe key the account already has (an
overlapping period, a re-export) is counted as a duplicate, never created twice.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from accounts.roles import Capability, has_capability
from core.exceptions import ApplicationError, PermissionDeniedError
from reconciliation.matching.names import account_key
from reconciliation.models import BankAccount, BankLine, BankStatementImport, StatementFormat
from reconciliation.parsers import parse_statement
from reconciliation.parsers.base import ParsedStatement, StatementParseError, dedupe_keys
from reconciliation.tasks import match_statement_import


@dataclass
class ImportResult:
    statement_import: BankStatementImport
    already_imported: bool
    new_lines: int
    duplicate_lines: int


def _account_matches(file_number: str, account: BankAccount) -> bool:
    """Banks print the account with a bank-code prefix (MT940 :25:CMBCCNBS/7559…), spaces or
    dashes, or as an IBAN containing it: the file's number must end with the account's."""
    ours = account_key(account.account_number)
    theirs = account_key(file_number)
    return bool(ours) and (theirs == ours or theirs.endswith(ours))


def _check_statement(parsed: ParsedStatement, account: BankAccount) -> None:
    if parsed.account_number and not _account_matches(parsed.account_number, account):
        raise ApplicationError(
            _("The file is a statement of account %(file)s, not of %(account)s (%(number)s).")
            % {
                "file": parsed.account_number,
                "account": account.code,
                "number": account.account_number,
            },
            field="account",
            code="wrong_account",
        )
    if parsed.currency and parsed.currency != account.currency:
        raise ApplicationError(
            _("The file is in %(file)s; account %(account)s is in %(currency)s.")
            % {"file": parsed.currency, "account": account.code, "currency": account.currency},
            field="account",
            code="wrong_currency",
        )
    if not parsed.lines:
        raise ApplicationError(
            _("The file has no transactions."), field="file", code="no_transactions"
        )


def _parse(*, account, file_name, content, format) -> ParsedStatement:
    if format != "auto" and format not in StatementFormat.values:
        raise ApplicationError(_("Unknown format %(format)s.") % {"format": format}, field="format")
    if len(content) > settings.RECONCILIATION_MAX_FILE_BYTES:
        raise ApplicationError(
            _("The file is larger than %(limit)d MB.")
            % {"limit": settings.RECONCILIATION_MAX_FILE_BYTES // (1024 * 1024)},
            field="file",
            code="file_too_large",
        )
    try:
        return parse_statement(
            content, file_name=file_name, format=format, mapping=account.column_mapping
        )
    except StatementParseError as exc:
        raise ApplicationError(
            str(exc), field="file", code="unreadable_file", row=exc.line
        ) from exc


def bank_statement_import(
    *, actor, account: BankAccount, file_name: str, content: bytes, format: str = "auto"
) -> ImportResult:
    """Import a bank file into an account: all its lines or none; the same file twice, or a
    line already imported from another file, adds nothing. `actor` None is the command line.
    Matching is queued once the lines are committed."""
    if actor is not None and not has_capability(actor, Capability.RECONCILE):
        raise PermissionDeniedError(_("You may not import bank statements."), field="file")
    if not account.is_active:
        raise ApplicationError(
            _("Account %(code)s is closed.") % {"code": account.code},
            field="account",
            code="account_inactive",
        )
    file_sha256 = hashlib.sha256(content).hexdigest()
    existing = BankStatementImport.objects.filter(account=account, file_sha256=file_sha256).first()
    if existing is not None:
        return ImportResult(existing, True, 0, existing.line_count)
    # Parse before the transaction: a large file should not hold the account's lock.
    parsed = _parse(account=account, file_name=file_name, content=content, format=format)
    _check_statement(parsed, account)
    return _write_import(
        actor=actor, account=account, file_name=file_name, file_sha256=file_sha256, parsed=parsed
    )


def _line_currency(line, parsed, account) -> str:
    return line.currency or parsed.currency or account.currency


@transaction.atomic
def _write_import(*, actor, account, file_name, file_sha256, parsed) -> ImportResult:
    # Imports into one account run one at a time, so two uploads of overlapping files cannot
    # both find a line new and then collide on the unique dedupe key.
    account = BankAccount.objects.select_for_update().get(pk=account.pk)
    existing = BankStatementImport.objects.filter(account=account, file_sha256=file_sha256).first()
    if existing is not None:
        return ImportResult(existing, True, 0, existing.line_count)

    keys = dedupe_keys(parsed.lines, lambda line: _line_currency(line, parsed, account))
    known = set(
        BankLine.objects.filter(
            account=account,
            dedupe_key__in={key.primary for key in keys} | {key.content for key in keys},
        ).values_list("dedupe_key", flat=True)
    )
    statement_import = BankStatementImport.objects.create(
        account=account,
        file_name=file_name[:255],
        file_sha256=file_sha256,
        format=parsed.format,
        period_start=parsed.period_start,
        period_end=parsed.period_end,
        opening_balance=parsed.opening_balance,
        closing_balance=parsed.closing_balance,
        line_count=len(parsed.lines),
        imported_by=actor,
    )
    new_lines = []
    for line, key in zip(parsed.lines, keys, strict=True):
        if key.primary in known or key.content in known:
            continue
        new_line = BankLine(
            account=account,
            statement_import=statement_import,
            booked_on=line.booked_on,
            booked_at=line.booked_at,
            value_date=line.value_date,
            direction=line.direction,
            amount=line.amount,
            currency=_line_currency(line, parsed, account),
            counterparty_name=line.counterparty_name[:200],
            counterparty_account=line.counterparty_account[:64],
            counterparty_bank=line.counterparty_bank[:200],
            remittance=line.remittance,
            bank_reference=line.bank_reference[:100],
            dedupe_key=key.primary,
            file_line=line.file_line,
        )
        new_lines.append(new_line)
    # The lines' first history rows say who imported them.
    bulk_create_with_history(new_lines, BankLine, default_user=actor)
    statement_import.new_line_count = len(new_lines)
    statement_import.duplicate_line_count = len(parsed.lines) - len(new_lines)
    statement_import.save(update_fields=["new_line_count", "duplicate_line_count"])
    if new_lines:
        transaction.on_commit(lambda: match_statement_import.delay(statement_import.pk))
    else:
        # Nothing new to match: the file's lines were matched when first imported.
        statement_import.match_status = BankStatementImport.MatchStatus.DONE
        statement_import.matched_at = timezone.now()
        statement_import.save(update_fields=["match_status", "matched_at"])
    return ImportResult(
        statement_import, False, len(new_lines), statement_import.duplicate_line_count
    )
