"""`make bench [SIZE=tiny|small|default]`: the benchmarks, on a real PostgreSQL.

Unless DATABASE_URL names one, a throw-away cluster is started (bench/postgres.py), migrated,
and deleted at the end. Each benchmark prints its rows and the run writes them all to
bench/results/latest.json (metric, value, unit, and for a ratio its numerator and denominator
measured in the same run), with the machine they ran on. Never part of `make test`: the suite
only checks that this command runs at the tiny size (tests/bench/test_bench_runs.py).
"""

import argparse
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SIZES = ("tiny", "small", "default")


def _database_url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from bench.postgres import EphemeralPostgres

    url = EphemeralPostgres().start()
    os.environ["DATABASE_URL"] = url
    return url


def _machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--size", choices=SIZES, default="default")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)

    _database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from bench.database import ensure_database
    from bench.imports import import_invoices_benchmark

    ensure_database()
    call_command("migrate", verbosity=0)
    results = []
    for benchmark in (import_invoices_benchmark,):
        rows = benchmark(size=args.size)
        for row in rows:
            print(f"{row['metric']:<48} {row['value']:>14,.2f} {row['unit']}")
        results.extend(rows)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "size": args.size,
                "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": _machine(),
                "results": results,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
