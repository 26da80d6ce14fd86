import pytest
from django.db import transaction

from tests.api.ledger_world import build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The two-customer world, built once per module inside a transaction that is rolled back
    at the end of the module; each test runs in a savepoint inside it (pytest-django's `db`),
    so whatever a test writes is undone before the next one."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)
