from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArCollectionsConfig(AppConfig):
    # Lives in the top-level collections/ folder (see config/__init__.py for why it is not
    # importable as `collections`).
    name = "arcollections"
    label = "arcollections"
    verbose_name = _("Collections")
