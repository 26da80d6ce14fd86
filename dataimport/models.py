"""An import of a spreadsheet (customers, contracts, invoices, payments, opening balances): the
uploaded file, its dry run (preview) and its import, with progress for the background path.

An import is all or nothing: the file is written in one transaction after a preview with no
error, or not at all. Re-importing the same file updates by natural key and creates nothing
twice (customer code, contract number, invoice number, payment number)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers and contacts")
        CONTRACTS = "contracts", _("Contracts")
        INVOICES = "invoices", _("Invoices")
        PAYMENTS = "payments", _("Payments and allocations")
        OPENING_BALANCES = "opening_balances", _("Opening balances")

    class Status(models.TextChoices):
        # Uploaded; the dry run is queued or running (large files) or about to run.
        VALIDATING = "validating", _("Checking")
        # Dry run finished: the preview is ready; with errors nothing can be imported.
        PREVIEWED = "previewed", _("Preview ready")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        # The import (or its dry run) stopped on an error: nothing was written.
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(max_length=64)
    # csv or xlsx; for CSV the encoding found (utf-8, gb18030).
    file_format = models.CharField(_("format"), max_length=10)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    # Opening balances only: the day the open items are as of (上线日期).
    go_live_on = models.DateField(_("go-live date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.VALIDATING
    )
    # Progress of the current step (dry run or import), for the progress bar.
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    new_rows = models.PositiveIntegerField(_("new"), default=0)
    updated_rows = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_rows = models.PositiveIntegerField(_("unchanged"), default=0)
    error_rows = models.PositiveIntegerField(_("with errors"), default=0)
    # [{"row": 7, "column": "统一社会信用代码 / USCC", "message": "..."}], the first few hundred.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # A sample of the dry run's rows for the preview: [{"row": 2, "action": "new", "key": ...}].
    preview = models.JSONField(_("preview"), default=list, blank=True)
    failure = models.TextField(_("failure"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    validated_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("import started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("import finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(processed_rows__lte=models.F("total_rows")),
                name="import_job_progress_within_total",
            ),
            models.CheckConstraint(
                condition=~Q(kind="opening_balances") | Q(go_live_on__isnull=False),
                name="import_job_opening_balances_have_go_live",
                violation_error_message=_("Opening balances need the go-live date."),
            ),
            # Only a clean preview is imported.
            models.CheckConstraint(
                condition=~Q(status__in=["importing", "done"]) | Q(error_rows=0),
                name="import_job_imports_only_without_errors",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.file_name}"

    @property
    def percent_done(self) -> int:
        return 100 if not self.total_rows else self.processed_rows * 100 // self.total_rows

    def can_import(self) -> bool:
        return self.status == self.Status.PREVIEWED and self.error_rows == 0 and self.total_rows > 0
