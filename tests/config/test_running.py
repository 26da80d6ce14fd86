"""The app's processes as they really run: deploy checks, and a Celery worker plus beat
exchanging messages through the broker (no Redis: the filesystem transport; and Redis)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from core.models import WorkerHeartbeat

ROOT = Path(__file__).resolve().parents[2]


def _env(**overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DEBUG", "SECRET_KEY"}}
    env.update(overrides)
    return env


def test_production_settings_pass_deploy_checks():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_env(
            DEBUG="false",
            SECRET_KEY="x" * 20 + "-a-long-random-production-secret-0123456789",
            ALLOWED_HOSTS="huikuan.example.com",
        ),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=_env(DEBUG="false", ALLOWED_HOSTS="huikuan.example.com"),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def _database_url():
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _start(args, env, log_path):
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args],
        cwd=ROOT,
        env=env,
        stdout=open(log_path, "w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker", ["filesystem", "redis"])
def test_beat_schedules_and_worker_runs_the_heartbeat(broker, tmp_path, request):
    overrides = {
        "DATABASE_URL": _database_url(),
        "WORKER_HEARTBEAT_SECONDS": "1",
        "CELERY_FILESYSTEM_BROKER_DIR": str(tmp_path / "broker"),
    }
    if broker == "redis":
        overrides["REDIS_URL"] = request.getfixturevalue("redis_url")
    env = _env(**overrides)
    worker = _start(
        ["worker", "--pool", "solo", "-l", "info", "-n", f"test-{broker}@%h"],
        env,
        tmp_path / "worker.log",
    )
    beat = _start(
        ["beat", "-l", "info", "--pidfile", "", "-s", str(tmp_path / "beat-schedule")],
        env,
        tmp_path / "beat.log",
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not WorkerHeartbeat.objects.exists():
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            assert beat.poll() is None, (tmp_path / "beat.log").read_text()
            time.sleep(0.5)
        logs = (tmp_path / "worker.log").read_text() + (tmp_path / "beat.log").read_text()
        heartbeat = WorkerHeartbeat.objects.get()
        assert heartbeat.hostname.startswith(f"test-{broker}@"), logs
        assert "Sending due task worker-heartbeat" in (tmp_path / "beat.log").read_text()
    finally:
        _stop(beat)
        _stop(worker)
    assert worker.returncode == 0
