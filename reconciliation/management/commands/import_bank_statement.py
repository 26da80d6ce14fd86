"""Import a bank statement file into one of the company's bank accounts.

python manage.py import_bank_statement PATH --account CODE [--format auto|csv|xlsx|...]
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ApplicationError
from reconciliation.models import BankAccount, StatementFormat
from reconciliation.services.imports import bank_statement_import


class Command(BaseCommand):
    help = "Import a bank statement (CSV, XLSX/XLS, MT940, CAMT.053, OFX) into a bank account."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The statement file.")
        parser.add_argument("--account", required=True, help="The bank account's code.")
        parser.add_argument(
            "--format",
            default="auto",
            choices=["auto", *StatementFormat.values],
            help="The file's format; auto (default) recognises it from its content.",
        )

    def handle(self, *args, path, account, format, **options):
        try:
            bank_account = BankAccount.objects.get(code=account)
        except BankAccount.DoesNotExist:
            raise CommandError(f"No bank account with code {account}.") from None
        file_path = Path(path)
        try:
            content = file_path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        try:
            result = bank_statement_import(
                actor=None,
                account=bank_account,
                file_name=file_path.name,
                content=content,
                format=format,
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        statement_import = result.statement_import
        if result.already_imported:
            self.stdout.write(
                f"{file_path.name} was already imported into {bank_account.code} "
                f"(import {statement_import.pk}): nothing added, "
                f"{result.duplicate_lines} lines already imported."
            )
            return
        self.stdout.write(
            f"Import {statement_import.pk} ({statement_import.get_format_display()}, "
            f"{statement_import.period_start} – {statement_import.period_end}) into "
            f"{bank_account.code}: {result.new_lines} new lines, "
            f"{result.duplicate_lines} already imported."
        )
