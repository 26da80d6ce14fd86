"""Background checks and imports of large files. Both are idempotent: a job already checked is
not checked again, and a job is imported only while it is marked importing, under an advisory
lock, so a redelivered task does nothing."""

from celery import shared_task

from dataimport.services import import_job_execute, import_job_validate


@shared_task
def validate_import_job(job_id: int) -> str:
    """Dry-run the job's file and store the preview."""
    return import_job_validate(job_id=job_id).status


@shared_task
def run_import_job(job_id: int) -> str:
    """Import the job's file, all rows or none."""
    return import_job_execute(job_id=job_id).status
