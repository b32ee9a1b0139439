from typing import Any

from rest_framework.routers import SimpleRouter

from forums import api
from ideas.api.params import ID_PATTERN


class IdRouter(SimpleRouter):
    """As `ideas.api.urls.IdRouter` (ASCII ids only), without a second API root."""

    def get_lookup_regex(self, viewset: Any, lookup_prefix: str = "") -> str:
        return f"(?P<{lookup_prefix}pk>{ID_PATTERN})"


router = IdRouter(trailing_slash=True)
router.register("organise/forums", api.OrganisedForumViewSet, basename="organised-forum")
router.register("halls", api.HallViewSet, basename="hall")
router.register("programme", api.ProgrammeEventViewSet, basename="programme-event")
router.register("invitations", api.InvitationViewSet, basename="invitation")
router.register("session-templates", api.SessionTemplateViewSet, basename="session-template")

urlpatterns = router.urls
