"""`make bench` runs end to end: here at the tiny size, on a database of its own in the test
cluster (the benchmarks' figures are never asserted: speed is measured, not tested)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the benchmarks need PostgreSQL")
def test_bench_runs_at_the_tiny_size_and_writes_its_results(tmp_path):
    database_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/huikuan_bench_tiny"
    output = tmp_path / "latest.json"

    finished = subprocess.run(
        [sys.executable, "-m", "bench", "--size", "tiny", "--output", str(output)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert finished.returncode == 0, finished.stderr[-3000:]
    results = json.loads(output.read_text(encoding="utf-8"))
    assert results["size"] == "tiny" and results["machine"]["cpus"]
    metrics = {row["metric"]: row for row in results["results"]}
    assert metrics["import 300 invoice rows: import"]["unit"] == "s"
    ratio = metrics["import: peak memory, 10x the rows / 1x"]
    assert ratio["value"] == pytest.approx(ratio["numerator"] / ratio["denominator"])
    assert "import: rows per second (check + import)" in finished.stdout
