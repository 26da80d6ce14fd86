"""Pytest plugin: run the suite against a real PostgreSQL that the test run starts itself.

Loaded with `-p tests.pg_plugin` (see pyproject.toml) so that it runs before pytest-django
reads the settings: unless DATABASE_URL is already set, it creates a throw-away cluster
(bench/postgres.py) and points DATABASE_URL at it. The cluster is stopped and deleted when the
run ends.
"""

import os

from bench.postgres import EphemeralPostgres

_cluster = None
if not os.environ.get("DATABASE_URL"):
    _cluster = EphemeralPostgres()
    os.environ["DATABASE_URL"] = _cluster.start()


def pytest_unconfigure(config):
    if _cluster is not None:
        _cluster.stop()
