"""`manage.py seed_demo`: load the demo data set into an empty database (see
receivables.demo_data). Safe to run on every start: with customers present it does nothing."""

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from receivables.demo_data import DEMO_PASSWORD, DEMO_USERS, TERRITORIES, seed_demo


class Command(BaseCommand):
    help = (
        "Load deterministic demo data (users, customers, 18 months of invoices, payments, "
        "credit notes, write-off requests) into a database that has no customers yet."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=200, help="how many customers")
        parser.add_argument("--seed", type=int, default=42, help="random seed")
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=None,
            help="last day of the 18 months of history, YYYY-MM-DD (default: today)",
        )
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="run even with DEBUG off (the demo users have a published password)",
        )

    def handle(self, *args, customers, seed, as_of, allow_without_debug, **options):
        if customers < 0:
            raise CommandError("--customers cannot be negative.")
        if not settings.DEBUG and not allow_without_debug:
            # The demo users, a superuser among them, share a published password.
            raise CommandError(
                "DEBUG is off: refusing to create demo users with a published password. "
                "Pass --allow-without-debug if this really is a demo installation."
            )
        as_of = as_of or timezone.localdate()
        summary = seed_demo(customers=customers, seed=seed, as_of=as_of)
        if summary.skipped:
            self.stdout.write(
                f"Demo data not loaded: the database already has {summary.existing_customers:,} "
                "customers."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded in {summary.seconds:.1f} s (seed {seed}, as of {as_of}):"
            )
        )
        for label, count in (
            ("customers", summary.customers),
            ("contacts", summary.contacts),
            ("contracts", summary.contracts),
            ("invoices", summary.invoices),
            ("installments", summary.installments),
            ("payments", summary.payments),
            ("allocations", summary.allocations),
            ("credit notes", summary.credit_notes),
            ("refunds", summary.refunds),
            ("write-off requests", summary.write_offs),
            ("exchange rates", summary.exchange_rates),
        ):
            self.stdout.write(f"  {label:<20}{count:>12,}")
        if not summary.with_history:
            self.stdout.write("  (no history records for seeded rows: too many customers)")
        territories = {}
        for region, username in TERRITORIES.items():
            territories.setdefault(username, []).append(region)
        self.stdout.write(f'Demo logins, password "{DEMO_PASSWORD}":')
        for user in DEMO_USERS:
            note = user.role.value
            if user.is_superuser:
                note += ", superuser"
            if user.username in territories:
                note += ": " + "、".join(territories[user.username])
            self.stdout.write(f"  {user.username:<10}{note}")
