"""`manage.py match_bank_lines [--import ID]`: run the matching engine now, over one import's
lines or every line still unmatched or suggested."""

from django.core.management.base import BaseCommand, CommandError

from reconciliation.models import BankStatementImport
from reconciliation.services.matching import bank_lines_match


class Command(BaseCommand):
    help = "Match open bank credits to customers and installments (all, or one import's)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--import", dest="statement_import", type=int, default=None, help="import id"
        )

    def handle(self, *args, statement_import, **options):
        if (
            statement_import is not None
            and not BankStatementImport.objects.filter(pk=statement_import).exists()
        ):
            raise CommandError(f"No bank statement import {statement_import}.")
        summary = bank_lines_match(statement_import_id=statement_import)
        self.stdout.write(
            f"Evaluated {summary.evaluated} lines: {summary.auto_applied} applied "
            f"automatically, {summary.suggested} suggested, {summary.unmatched} unmatched."
        )
