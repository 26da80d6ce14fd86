"""`manage.py reconciliation_benchmark --seed S --lines N [--customers C] [--keep]`: measure the
matching engine on a generated bank file against the current database's open installments (see
reconciliation.benchmark). Changes nothing unless --keep."""

from django.core.management.base import BaseCommand, CommandError

from reconciliation.benchmark import run_benchmark


class Command(BaseCommand):
    help = (
        "Generate a realistic bank statement against the open installments, import it, run the "
        "matching engine and print how often it found the customer, the precision and recall "
        "of automatic applications and the coverage of suggestions. Rolled back afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="random seed")
        parser.add_argument("--lines", type=int, default=500, help="lines in the bank file")
        parser.add_argument(
            "--customers",
            type=int,
            default=None,
            help="pay the invoices of this many customers (default: every customer with open "
            "CNY items)",
        )
        parser.add_argument(
            "--keep", action="store_true", help="keep the import, payments and suggestions"
        )

    def handle(self, *args, seed, lines, customers, keep, **options):
        if lines < 1:
            raise CommandError("--lines must be at least 1.")
        if customers is not None and customers < 1:
            raise CommandError("--customers must be at least 1.")
        result = run_benchmark(seed=seed, lines=lines, customers=customers, keep=keep)
        if not result.customers:
            raise CommandError(
                "No customer has open CNY installments: load demo data first (manage.py seed_demo)."
            )
        self.stdout.write(result.report())
        if keep:
            self.stdout.write("Kept: the import and its outcome stay in the database.")
