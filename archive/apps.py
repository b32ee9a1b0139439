from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _freeze_on_archiving(sender: Any, *, session: Any, actor: Any, **kwargs: Any) -> None:
    from archive.services import archive_freeze

    archive_freeze(session=session, actor=actor)


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = _("Archive")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ideas import events

        # The session's outcome is frozen inside the transaction that archives it.
        events.session_archiving.connect(_freeze_on_archiving, dispatch_uid="archive.freeze")
