"""Uploading, checking (dry run) and importing a spreadsheet.

The check and the import run the same code: every row goes through the importer and the services
inside one transaction. The check rolls that transaction back and keeps the report (the preview);
the import commits it only when no row failed, so a file is imported whole or not at all. Because
the check sees the rows written before it, it finds what the import would find (a contact row of
a customer created three rows earlier, a duplicate number two chunks apart).

The file is read in chunks of DATA_IMPORT_CHUNK_ROWS; only a chunk's rows and a bounded report are
in memory. Progress goes to the job row on a second database connection that commits at once, so
the page polling the job sees it while the import's own transaction is still open."""

import hashlib
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Capability, has_capability
from core.exceptions import ApplicationError, PermissionDeniedError
from dataimport.files import column_has_data, detect_encoding, file_format_of, numbered_rows
from dataimport.importers.base import MAX_PREVIEW_ROWS, MAX_REPORTED_ERRORS, normalize_header
from dataimport.models import ImportJob
from dataimport.registry import resource_class

logger = logging.getLogger(__name__)

# Files up to this many rows are checked and imported during the request; larger ones in Celery.
DEFAULT_SYNC_ROWS = 2000
DEFAULT_CHUNK_ROWS = 1000
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


def _sync_rows() -> int:
    return getattr(settings, "DATA_IMPORT_SYNC_ROWS", DEFAULT_SYNC_ROWS)


def _chunk_rows() -> int:
    return getattr(settings, "DATA_IMPORT_CHUNK_ROWS", DEFAULT_CHUNK_ROWS)


def _max_bytes() -> int:
    return getattr(settings, "DATA_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def _check_may_import(actor) -> None:
    if not has_capability(actor, Capability.IMPORT_DATA):
        raise PermissionDeniedError(_("Only Finance and administrators import data."))


class _Cancelled(Exception):
    pass


class _RowsFailed(Exception):
    pass


class _Progress:
    """The job's progress, written on a second connection in autocommit: visible to the page
    at once although the rows' transaction is open for the whole file."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.table = connections[DEFAULT_DB_ALIAS].ops.quote_name(ImportJob._meta.db_table)
        self.connection = connections[DEFAULT_DB_ALIAS].copy()
        # SQLite (the development default) has one writer at a time: a second connection
        # writing would wait for the import's own transaction, so there the bar only shows
        # the end.
        self.live = self.connection.vendor == "postgresql"

    def advance(self, processed_rows: int) -> None:
        if not self.live:
            return
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {self.table} SET processed_rows = %s WHERE id = %s",
                [processed_rows, self.job_id],
            )

    def cancelled(self) -> bool:
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT status FROM {self.table} WHERE id = %s", [self.job_id])
            found = cursor.fetchone()
        return bool(found) and found[0] == ImportJob.Status.CANCELLED

    def close(self) -> None:
        self.connection.close()


@dataclass
class _Report:
    """What a pass over the file found: counts per outcome, the first errors and rows."""

    processed_rows: int = 0
    new_rows: int = 0
    updated_rows: int = 0
    unchanged_rows: int = 0
    error_rows: int = 0
    errors: list[dict] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)

    def add_errors(self, errors: list[dict]) -> None:
        room = MAX_REPORTED_ERRORS - len(self.errors)
        self.errors.extend(errors[: max(room, 0)])

    def add_outcome(self, outcome: dict) -> None:
        counter = {
            "new": "new_rows",
            "updated": "updated_rows",
            "unchanged": "unchanged_rows",
            "error": "error_rows",
        }[outcome["action"]]
        setattr(self, counter, getattr(self, counter) + 1)
        self.add_errors(outcome["errors"])
        if len(self.preview) < MAX_PREVIEW_ROWS:
            self.preview.append(
                {
                    "row": outcome["row"],
                    "action": outcome["action"],
                    "key": outcome["key"],
                    "messages": [error["message"] for error in outcome["errors"]],
                }
            )

    def counts(self) -> dict:
        return {
            "processed_rows": self.processed_rows,
            "new_rows": self.new_rows,
            "updated_rows": self.updated_rows,
            "unchanged_rows": self.unchanged_rows,
            "error_rows": self.error_rows,
            "errors": self.errors,
            "preview": self.preview,
        }


def _chunks(rows, *, key_columns: list[int], size: int):
    """Rows in chunks of about `size`, never splitting consecutive rows with the same natural
    key (an invoice's lines, a customer's contacts): they are imported together."""
    chunk, last_key = [], None
    for number, cells in rows:
        key = tuple(
            normalize_header(cells[i]) if i < len(cells) and cells[i] is not None else ""
            for i in key_columns
        )
        if len(chunk) >= size and key != last_key:
            yield chunk
            chunk = []
        chunk.append((number, cells))
        last_key = key
    if chunk:
        yield chunk


def _process(job: ImportJob, *, actor, progress: _Progress) -> _Report:
    """Run every row of the job's file through its importer in the current transaction."""
    report = _Report()
    resource_type = resource_class(job.kind)
    resource = resource_type(actor=actor, go_live_on=job.go_live_on)
    with job.file.open("rb") as binary:
        flags = column_has_data(binary, file_format=job.file_format, encoding=job.encoding)
        rows = numbered_rows(binary, file_format=job.file_format, encoding=job.encoding)
        _number, header_row = next(rows, (1, []))
        match = resource_type.match_headers(header_row, flags)
        if match.errors:
            report.error_rows = 1
            report.add_errors(match.errors)
            return report
        key_columns = [
            match.fields.index(name) for name in resource.natural_key if name in match.fields
        ]
        for chunk in _chunks(rows, key_columns=key_columns, size=_chunk_rows()):
            result = resource.import_data(
                resource.dataset(match, chunk), use_transactions=True, raise_errors=False
            )
            for outcome in resource.outcomes(result):
                report.add_outcome(outcome)
            base_errors = resource.base_errors(result)
            report.error_rows += len(base_errors)
            report.add_errors(base_errors)
            report.processed_rows = min(report.processed_rows + len(chunk), job.total_rows)
            progress.advance(report.processed_rows)
            if progress.cancelled():
                raise _Cancelled
    return report


@transaction.atomic
def _create_job(*, actor, kind, upload, go_live_on) -> ImportJob:
    file_format = file_format_of(upload.name)
    digest = hashlib.sha256()
    for piece in upload.chunks():
        digest.update(piece)
    encoding = detect_encoding(upload) if file_format == "csv" else ""
    total_rows = sum(
        1 for _row in numbered_rows(upload, file_format=file_format, encoding=encoding)
    )
    if total_rows <= 1:
        raise ApplicationError(_("The file has no data rows."), field="file")
    job = ImportJob(
        kind=kind,
        file_name=upload.name[-255:],
        file_sha256=digest.hexdigest(),
        file_format=file_format,
        encoding=encoding,
        go_live_on=go_live_on,
        total_rows=total_rows - 1,
        created_by=actor,
    )
    upload.seek(0)
    job.file.save(f"{job.file_sha256[:20]}.{file_format}", upload, save=False)
    job.save()
    return job


def import_job_create(*, actor, kind: str, upload, go_live_on=None) -> ImportJob:
    """Store an uploaded file as an import job and check it: at once when it is small, in the
    background otherwise. Only Finance and Admin import."""
    _check_may_import(actor)
    if kind not in ImportJob.Kind.values:
        raise ApplicationError(_("Choose what the file holds."), field="kind")
    if kind == ImportJob.Kind.OPENING_BALANCES and go_live_on is None:
        raise ApplicationError(_("Opening balances need the go-live date."), field="go_live_on")
    if kind != ImportJob.Kind.OPENING_BALANCES:
        go_live_on = None
    if upload.size > _max_bytes():
        raise ApplicationError(
            _("The file is larger than %(megabytes)s MB.")
            % {"megabytes": _max_bytes() // (1024 * 1024)},
            field="file",
        )
    job = _create_job(actor=actor, kind=kind, upload=upload, go_live_on=go_live_on)
    if job.total_rows <= _sync_rows():
        return import_job_validate(job_id=job.pk)
    from dataimport.tasks import validate_import_job

    transaction.on_commit(lambda: validate_import_job.delay(job.pk))
    return job


def import_job_validate(*, job_id: int) -> ImportJob:
    """The dry run: every row through the importer and the services, then rolled back; the
    counts, errors and sample rows become the preview. Runs once per job (a job no longer
    being checked is returned as it is)."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportJob.Status.VALIDATING:
        return job
    progress = _Progress(job.pk)
    try:
        with transaction.atomic():
            report = _process(job, actor=job.created_by, progress=progress)
            transaction.set_rollback(True)
    except _Cancelled:
        return ImportJob.objects.get(pk=job_id)
    except ApplicationError as error:
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATING).update(
            status=ImportJob.Status.FAILED, failure=str(error.message), validated_at=timezone.now()
        )
        return ImportJob.objects.get(pk=job_id)
    finally:
        progress.close()
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATING).update(
        status=ImportJob.Status.PREVIEWED, validated_at=timezone.now(), **report.counts()
    )
    return ImportJob.objects.get(pk=job_id)


def import_job_run(*, actor, job: ImportJob) -> ImportJob:
    """Start importing a checked file without errors: at once when it is small, in the
    background otherwise. A job is started once: the status changes from previewed to
    importing in one conditional update."""
    _check_may_import(actor)
    started = ImportJob.objects.filter(
        pk=job.pk, status=ImportJob.Status.PREVIEWED, error_rows=0, total_rows__gt=0
    ).update(
        status=ImportJob.Status.IMPORTING,
        imported_by=actor,
        started_at=timezone.now(),
        processed_rows=0,
    )
    if not started:
        raise ApplicationError(
            _("Only a checked file without errors can be imported, and only once."),
            code="import_not_ready",
        )
    if job.total_rows <= _sync_rows():
        return import_job_execute(job_id=job.pk)
    from dataimport.tasks import run_import_job

    transaction.on_commit(lambda: run_import_job.delay(job.pk))
    return ImportJob.objects.get(pk=job.pk)


def _lock_job_run(job_id: int) -> bool:
    """An advisory lock for the transaction: a second worker handed the same job returns
    instead of importing it twice (the job row itself must stay unlocked for progress)."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        # SQLite: the import's transaction holds the database's only write lock anyway.
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [8, job_id])
        return cursor.fetchone()[0]


def import_job_execute(*, job_id: int) -> ImportJob:
    """The import: every row in one transaction that commits only when no row failed; the job
    is marked done in that same transaction, so "done" means the rows are there. On any failure
    nothing is written and the job is marked failed with the errors."""
    progress = _Progress(job_id)
    try:
        with transaction.atomic():
            if not _lock_job_run(job_id):
                return ImportJob.objects.get(pk=job_id)
            job = ImportJob.objects.get(pk=job_id)
            if job.status != ImportJob.Status.IMPORTING:
                return job
            report = _process(job, actor=job.imported_by, progress=progress)
            if report.error_rows:
                raise _RowsFailed(report)
            ImportJob.objects.filter(pk=job_id).update(
                status=ImportJob.Status.DONE, finished_at=timezone.now(), **report.counts()
            )
    except _RowsFailed as failed:
        report = failed.args[0]
        _mark_failed(
            job_id,
            _("Rows failed while importing; nothing was imported."),
            errors=report.errors,
            error_rows=report.error_rows,
        )
    except ApplicationError as error:
        _mark_failed(job_id, str(error.message))
    except _Cancelled:
        pass
    except Exception as error:
        logger.exception("Import job %s failed", job_id)
        _mark_failed(
            job_id, _("The import stopped on an internal error: %(error)s") % {"error": error}
        )
    finally:
        progress.close()
    return ImportJob.objects.get(pk=job_id)


def _mark_failed(job_id: int, failure: str, *, errors=None, error_rows: int = 0) -> None:
    ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.IMPORTING).update(
        status=ImportJob.Status.FAILED,
        failure=failure,
        errors=errors or [],
        error_rows=error_rows,
        processed_rows=0,
        finished_at=timezone.now(),
    )


def import_job_cancel(*, actor, job: ImportJob) -> ImportJob:
    """Drop a job not yet importing (being checked or previewed); a running check stops at its
    next chunk. An import under way or finished cannot be cancelled."""
    _check_may_import(actor)
    cancelled = ImportJob.objects.filter(
        pk=job.pk, status__in=[ImportJob.Status.VALIDATING, ImportJob.Status.PREVIEWED]
    ).update(status=ImportJob.Status.CANCELLED, finished_at=timezone.now())
    if not cancelled:
        raise ApplicationError(
            _("Only a file not yet being imported can be cancelled."), code="import_not_cancellable"
        )
    return ImportJob.objects.get(pk=job.pk)
