"""The background path: a file above DATA_IMPORT_SYNC_ROWS is checked and imported by Celery
tasks (run eagerly here), in chunks, with progress visible to another connection while the
import's transaction is still open, and a final report."""

import io
import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.roles import Role
from config.celery import app
from customers.models import Customer
from dataimport.models import ImportJob
from dataimport.services import import_job_create, import_job_run
from dataimport.tasks import run_import_job
from tests.factories import CustomerFactory, UserFactory, valid_uscc

ROWS = 300


@pytest.fixture
def background(settings):
    settings.DATA_IMPORT_SYNC_ROWS = 10
    settings.DATA_IMPORT_CHUNK_ROWS = 50
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


def customers_file(rows=ROWS) -> SimpleUploadedFile:
    buffer = io.StringIO()
    buffer.write("客户编码,客户名称,币种,统一社会信用代码\n")
    for n in range(rows):
        buffer.write(f"B{n:04d},背景公司{n},CNY,{valid_uscc(7000 + n)}\n")
    return SimpleUploadedFile("many.csv", buffer.getvalue().encode("gb18030"))


class ProgressWatcher(threading.Thread):
    """Polls the job row on its own connection, as the progress page does."""

    def __init__(self, job_id):
        super().__init__(daemon=True)
        self.job_id = job_id
        self.seen: set[int] = set()
        self.stop = threading.Event()

    def run(self):
        try:
            while not self.stop.is_set():
                self.seen.update(
                    ImportJob.objects.filter(pk=self.job_id).values_list(
                        "processed_rows", flat=True
                    )
                )
                time.sleep(0.005)
        finally:
            connection.close()


@pytest.mark.django_db(transaction=True)
def test_large_file_is_checked_and_imported_in_the_background_with_progress(background):
    finance = UserFactory(username="finance_bg", role=Role.FINANCE)

    job = import_job_create(actor=finance, kind="customers", upload=customers_file())

    # The eager task checked the file after the upload committed.
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED
    assert (job.total_rows, job.processed_rows, job.new_rows, job.error_rows) == (
        ROWS,
        ROWS,
        ROWS,
        0,
    )
    assert Customer.objects.count() == 0

    watcher = ProgressWatcher(job.pk)
    watcher.start()
    job = import_job_run(actor=finance, job=job)
    watcher.stop.set()
    watcher.join()

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.processed_rows, job.new_rows, job.updated_rows) == (ROWS, ROWS, 0)
    assert job.finished_at is not None
    assert Customer.objects.count() == ROWS
    # Progress moved in chunks while the rows' transaction was still open (no customer yet).
    assert watcher.seen & {50, 100, 150, 200, 250}


@pytest.mark.django_db(transaction=True)
def test_a_row_failing_during_the_import_rolls_everything_back(background):
    finance = UserFactory(username="finance_bg", role=Role.FINANCE)
    job = import_job_create(actor=finance, kind="customers", upload=customers_file())
    job.refresh_from_db()
    # Between the check and the import another customer gets the USCC of the file's row 252.
    CustomerFactory(code="OTHER", uscc=valid_uscc(7250))

    job = import_job_run(actor=finance, job=job)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.error_rows == 1
    assert [(e["row"], e["column"]) for e in job.errors] == [(252, "统一社会信用代码")]
    assert list(Customer.objects.values_list("code", flat=True)) == ["OTHER"]


@pytest.mark.django_db(transaction=True)
def test_the_import_task_does_not_run_a_job_twice(background):
    finance = UserFactory(username="finance_bg", role=Role.FINANCE)
    job = import_job_create(actor=finance, kind="customers", upload=customers_file(rows=20))
    import_job_run(actor=finance, job=job)
    assert Customer.objects.count() == 20

    assert run_import_job(job.pk) == ImportJob.Status.DONE
    assert Customer.objects.count() == 20
    with pytest.raises(Exception, match="only once"):
        import_job_run(actor=finance, job=job)
