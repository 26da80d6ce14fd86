"""Importing invoice rows from a CSV through the real import path (check, then import, all or
nothing): time, rows per second, and peak memory at two file sizes, N/10 and N rows. Memory
"flat in the file size" means the larger file's peak is close to the smaller one's.

Each size runs in a process of its own (`python -m bench.imports --rows N`), so its peak
resident memory is its own.
"""

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROWS = {"tiny": 300, "small": 10_000, "default": 100_000}
CUSTOMERS = 200
TERMS_CODE = "BENCH-NET30"
HEADERS = (
    "Invoice number",
    "Customer code",
    "Issue date",
    "Currency",
    "Payment terms",
    "Description",
    "Quantity",
    "Unit price",
    "Tax rate",
)


def _peak_rss_mib() -> float:
    # Linux reports kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _write_invoice_rows(path: Path, *, rows: int, run: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for index in range(rows):
            day = 1 + index % 28
            writer.writerow(
                (
                    f"BENCH-{run}-{index:07d}",
                    f"BENCH-C{index % CUSTOMERS:04d}",
                    f"2026-03-{day:02d}",
                    "CNY",
                    TERMS_CODE,
                    "货物一批",
                    "1",
                    str(Decimal(1000 + index % 9000) + Decimal("0.25")),
                    "0.13",
                )
            )


def _bench_customers(actor) -> None:
    from customers.models import Customer
    from customers.services import customer_create
    from receivables.models import PaymentTerms
    from receivables.services import payment_terms_create

    if not PaymentTerms.objects.filter(code=TERMS_CODE).exists():
        payment_terms_create(actor=actor, code=TERMS_CODE, name="30 days", net_days=30)

    existing = set(
        Customer.objects.filter(code__startswith="BENCH-C").values_list("code", flat=True)
    )
    for number in range(CUSTOMERS):
        code = f"BENCH-C{number:04d}"
        if code not in existing:
            customer_create(
                actor=actor,
                code=code,
                legal_name=f"基准测试客户{number:04d}有限公司",
                currency="CNY",
                country="CN",
            )


def run_child(rows: int) -> dict:
    """In this process: import `rows` invoice rows and report times and peak memory."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # The check and the import run here, not in a worker.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.roles import Role
    from dataimport.models import ImportJob
    from dataimport.services import import_job_create, import_job_run

    actor, _created = get_user_model().objects.get_or_create(
        username="bench-finance", defaults={"is_active": True}
    )
    from django.contrib.auth.models import Group

    actor.groups.add(Group.objects.get(name=Role.FINANCE))
    _bench_customers(actor)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "invoices.csv"
        _write_invoice_rows(path, rows=rows, run=f"{int(time.time() * 1000) % 10**9}")
        upload = SimpleUploadedFile("invoices.csv", path.read_bytes(), content_type="text/csv")
        started = time.perf_counter()
        job = import_job_create(actor=actor, kind=ImportJob.Kind.INVOICES, upload=upload)
        checked = time.perf_counter()
        job.refresh_from_db()
        if job.status != ImportJob.Status.PREVIEWED or job.error_rows:
            raise SystemExit(f"check failed: {job.status} {job.failure} {job.errors[:3]}")
        job = import_job_run(actor=actor, job=job)
        job.refresh_from_db()
        finished = time.perf_counter()
        if job.status != ImportJob.Status.DONE:
            raise SystemExit(f"import failed: {job.status} {job.failure} {job.errors[:3]}")
    return {
        "rows": rows,
        "check_seconds": checked - started,
        "import_seconds": finished - checked,
        "peak_mib": _peak_rss_mib(),
    }


def _child(rows: int) -> dict:
    finished = subprocess.run(
        [sys.executable, "-m", "bench.imports", "--rows", str(rows)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"import benchmark at {rows} rows failed:\n{finished.stderr[-3000:]}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def import_invoices_benchmark(*, size: str) -> list[dict]:
    rows = ROWS[size]
    small, large = _child(max(rows // 10, 30)), _child(rows)
    total_seconds = large["check_seconds"] + large["import_seconds"]
    peak_small, peak_large = small["peak_mib"], large["peak_mib"]
    return [
        {
            "metric": f"import {rows} invoice rows: check",
            "value": large["check_seconds"],
            "unit": "s",
        },
        {
            "metric": f"import {rows} invoice rows: import",
            "value": large["import_seconds"],
            "unit": "s",
        },
        {
            "metric": "import: rows per second (check + import)",
            "value": rows / total_seconds,
            "unit": "rows/s",
            "numerator": rows,
            "denominator": total_seconds,
        },
        {
            "metric": f"import: peak memory at {small['rows']} rows",
            "value": peak_small,
            "unit": "MiB",
        },
        {"metric": f"import: peak memory at {rows} rows", "value": peak_large, "unit": "MiB"},
        {
            "metric": "import: peak memory, 10x the rows / 1x",
            "value": peak_large / peak_small,
            "unit": "ratio",
            "numerator": peak_large,
            "denominator": peak_small,
        },
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, required=True)
    print(json.dumps(run_child(parser.parse_args().rows)))
