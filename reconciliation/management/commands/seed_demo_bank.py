"""`manage.py seed_demo_bank`: a demo bank account with one imported, matched statement drawn
from the demo ledger (run after seed_demo). Safe on every start: once the demo account has a
statement it does nothing."""

from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from reconciliation.demo_data import DEMO_ACCOUNT_CODE, load_reconciliation_demo
from reconciliation.models import BankStatementImport


class Command(BaseCommand):
    help = "Import a demo bank statement against the demo ledger, so the review queue has work."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42, help="random seed")
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=None,
            help="statement end date, YYYY-MM-DD (default: today)",
        )

    def handle(self, *args, seed, as_of, **options):
        if BankStatementImport.objects.filter(account__code=DEMO_ACCOUNT_CODE).exists():
            self.stdout.write("Demo bank statement already imported.")
            return
        statement_import = load_reconciliation_demo(seed=seed, as_of=as_of or timezone.localdate())
        if statement_import is None:
            self.stdout.write("No open items to pay: no demo bank statement imported.")
            return
        statement_import.refresh_from_db()
        lines = statement_import.lines.values_list("status", flat=True)
        counts = {status: list(lines).count(status) for status in set(lines)}
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo bank statement imported: {statement_import.new_line_count} lines "
                + ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
            )
        )
