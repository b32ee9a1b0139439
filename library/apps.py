from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    """The library of practices: contest entries whose teams agreed, as public searchable cards."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "library"
    verbose_name = _("Library of practices")
