"""Reads of import jobs. Importing is Finance's and Admin's: others see no jobs."""

from django.db.models import QuerySet

from accounts.roles import Capability, has_capability
from dataimport.models import ImportJob


def import_jobs_visible_to(user) -> QuerySet[ImportJob]:
    """Every job for those who may import, none for anyone else."""
    if not has_capability(user, Capability.IMPORT_DATA):
        return ImportJob.objects.none()
    return ImportJob.objects.select_related("created_by", "imported_by")
