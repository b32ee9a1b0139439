from typing import Any

from rest_framework.routers import SimpleRouter

from contests import api
from ideas.api.params import ID_PATTERN


class IdRouter(SimpleRouter):
    """ASCII ids only (as `forums.api_urls.IdRouter`), without a second API root."""

    def get_lookup_regex(self, viewset: Any, lookup_prefix: str = "") -> str:
        return f"(?P<{lookup_prefix}pk>{ID_PATTERN})"


router = IdRouter(trailing_slash=True)
router.register("contests", api.ContestViewSet, basename="contest")

urlpatterns = router.urls
