import pytest
from rest_framework.test import APIClient

from accounts.roles import Role
from tests.factories import CustomerFactory, UserFactory


@pytest.fixture
def finance_user(db):
    return UserFactory(username="finance_t", role=Role.FINANCE)


@pytest.fixture
def manager_user(db):
    return UserFactory(username="manager_t", role=Role.MANAGER)


@pytest.fixture
def second_manager(db):
    return UserFactory(username="manager_t2", role=Role.MANAGER)


@pytest.fixture
def sales_user(db):
    return UserFactory(username="sales_t", role=Role.SALES)


@pytest.fixture
def other_sales_user(db):
    return UserFactory(username="sales_t2", role=Role.SALES)


@pytest.fixture
def auditor_user(db):
    return UserFactory(username="auditor_t", role=Role.AUDITOR)


@pytest.fixture
def admin_user_(db):
    return UserFactory(username="admin_t", role=Role.ADMIN)


@pytest.fixture
def customer(db, sales_user):
    return CustomerFactory(owner=sales_user)


def api_client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    # Real hashing costs ~0.3 s per user; tests create many users and check no hashes.
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real Redis server started from the OS binary for this test session."""
    import shutil
    import socket
    import subprocess
    import time

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (.ci/run installs it)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("redis-server did not start")
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(autouse=True)
def english_outside_requests():
    """Services called directly speak the default language (zh-hans); tests compare English.
    Requests still switch language from Accept-Language, and the locale middleware leaves its
    choice active afterwards, so every test starts again from English."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def uploads_in_a_temporary_folder(settings, tmp_path_factory):
    """Generated PDFs and uploaded files go to the test run's own folder, never var/media; tests
    that need an empty or broken media folder set MEDIA_ROOT themselves."""
    settings.MEDIA_ROOT = tmp_path_factory.getbasetemp() / "media"


class SmtpInbox:
    """What a real SMTP server received: aiosmtpd envelopes (mail_from, rcpt_tos, content)."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_inbox(settings):
    """An SMTP server (aiosmtpd) on loopback that Django's SMTP backend sends to."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()
