"""Render page 1 of a demo statement of account to docs/statement-page1.png (`make statement-png`).

Loads the demo data set into a scratch SQLite database (nothing touches var/ or your database),
picks the Chinese-speaking demo customer whose last complete month makes the fullest first page
(movements, open and overdue items), renders its statement exactly as a statement run would
(statements.documents.statement_pdf, the customer's language and confirmation kind) and converts
page 1 with `pdftoppm -png -r 80 -singlefile`.

    .venv/bin/python scripts/statement_png.py [--as-of 2026-03-15] [--output FILE.png]

The demo history is fixed by --as-of (default below), so the picture changes only when the code
or the catalogue does (and by the signed link's timestamp on the reply slip, page 3).
"""

import argparse
import os
import subprocess
import sys
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_AS_OF = date(2026, 3, 15)


def last_complete_month(on_date: date) -> tuple[date, date]:
    end = on_date.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", type=date.fromisoformat, default=DEFAULT_AS_OF)
    parser.add_argument("--customers", type=int, default=40)
    parser.add_argument("--output", type=Path, default=BASE_DIR / "docs" / "statement-page1.png")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="huikuan-statement-png-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'demo.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(scratch / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(BASE_DIR))

    import django

    django.setup()

    from django.core.management import call_command
    from django.utils import timezone

    from customers.models import Customer
    from receivables.demo_data import seed_demo
    from statements import links
    from statements.documents import statement_pdf
    from statements.models import Statement
    from statements.selectors import statement_of_account

    call_command("migrate", verbosity=0)
    seed_demo(customers=args.customers, seed=42, as_of=args.as_of)
    period_start, period_end = last_complete_month(args.as_of)

    def fullness(account) -> tuple:
        lines = sum(len(section.lines) for section in account.sections)
        overdue = sum(1 for s in account.sections for item in s.open_items if item.days_overdue)
        # About a page of movements, something overdue, one currency: a typical statement.
        return (len(account.sections) == 1, overdue > 0, -abs(lines - 7), overdue)

    candidates = Customer.objects.filter(language=Customer.Language.ZH_HANS).order_by("code")
    accounts = [
        statement_of_account(customer=customer, period_start=period_start, period_end=period_end)
        for customer in candidates
    ]
    account = max(accounts, key=fullness)
    customer = account.customer

    generated_at = timezone.make_aware(datetime.combine(period_end + timedelta(days=1), time(3, 0)))
    # A real row, so the reply slip carries a real signed link (the scratch database is thrown
    # away afterwards).
    statement = Statement.objects.create(
        customer=customer,
        period_start=period_start,
        period_end=period_end,
        source=Statement.Source.SCHEDULED,
        language=customer.language,
        confirmation_kind=customer.statement_confirmation,
    )
    pdf = statement_pdf(
        account,
        language=customer.language,
        confirmation_kind=customer.statement_confirmation,
        reply_url=links.confirmation_url(statement),
        reply_due_on=generated_at.date() + timedelta(days=15),
        generated_at=generated_at,
    )
    pdf_path = scratch / "statement.pdf"
    pdf_path.write_bytes(pdf)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-singlefile", "-f", "1", "-l", "1"]
        + [str(pdf_path), str(args.output.with_suffix(""))],
        check=True,
    )
    print(
        f"{args.output}: page 1 of the statement of {customer.code} {customer.legal_name}, "
        f"{period_start} – {period_end} (PDF kept at {pdf_path})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
