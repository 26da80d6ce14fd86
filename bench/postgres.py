"""A throw-away PostgreSQL cluster started from the OS's initdb/pg_ctl in a temporary folder,
listening on a free loopback port: the test suite's database (tests/pg_plugin.py) and the
benchmarks' (bench/). Durability is switched off; it is deleted when stopped."""

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _pg_bin(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    found = shutil.which(name) or (candidates[0] if candidates else None)
    if not found:
        raise RuntimeError(
            f"PostgreSQL's {name} was not found: install the postgresql package "
            "(.ci/run does) or set DATABASE_URL to a running server."
        )
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_cluster_owner(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; CI runs as root, so use the postgres OS user.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class EphemeralPostgres:
    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="huikuan-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.log = self.root / "postgres.log"

    def start(self) -> str:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        subprocess.run(
            _as_cluster_owner(
                [
                    _pg_bin("initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        # Durability is pointless for a throw-away test cluster; speed matters.
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            _as_cluster_owner(
                [
                    _pg_bin("pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        atexit.register(self.stop)
        return f"postgres://postgres@127.0.0.1:{self.port}/huikuan"

    def stop(self):
        if self.data.exists():
            subprocess.run(
                _as_cluster_owner(
                    [_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
                ),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        shutil.rmtree(self.root, ignore_errors=True)
