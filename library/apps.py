from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    """The library of practices: contest entries whose teams agreed, as public searchable cards."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "library"
    verbose_name = _("Library of practices")

    def ready(self) -> None:
        # Results finalised → the prizes appear on the cards (contests know nothing of the library).
        from contests import events
        from library.operations import contest_event

        events.register_sink(contest_event)
