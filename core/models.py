from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class WorkerHeartbeat(models.Model):
    """When a Celery worker last ran the scheduled heartbeat: proof that broker, scheduler and
    worker are alive, shown to operators."""

    hostname = models.CharField(max_length=255, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self):
        return f"{self.hostname} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class CompanyProfile(models.Model):
    """The company's own letterhead on every PDF and e-mail: who is owed, and where to pay.

    One row, edited in the admin; until it exists the values come from settings (COMPANY_*),
    see core.selectors.company_profile."""

    name = models.CharField(_("company name"), max_length=200)
    name_en = models.CharField(_("company name (English)"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    address_en = models.CharField(_("address (English)"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    bank_name = models.CharField(_("bank"), max_length=200, blank=True)
    bank_account_name = models.CharField(_("account name"), max_length=200, blank=True)
    bank_account_number = models.CharField(_("account number"), max_length=64, blank=True)
    swift_code = models.CharField(_("SWIFT code"), max_length=11, blank=True)
    logo = models.ImageField(_("logo"), upload_to="company/", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("company profile")
        verbose_name_plural = _("company profile")

    def __str__(self):
        return self.name

    def name_in(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name

    def address_in(self, language: str) -> str:
        return self.address_en if language == "en" and self.address_en else self.address
