from typing import Any

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from ideas.api import views
from ideas.api.params import ID_PATTERN


class IdRouter(DefaultRouter):
    """Detail routes take ASCII ids that fit in 64 bits (`ideas.api.params.ID_PATTERN`).

    DRF's default (`[^/.]+`) let `/ideas/abc/` and `/ideas/²/vote/` reach the views, where
    `int()` or the database failed with a 500; now such paths are a plain 404.
    """

    def get_lookup_regex(self, viewset: Any, lookup_prefix: str = "") -> str:
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or getattr(
            viewset, "lookup_field", "pk"
        )
        value = getattr(viewset, "lookup_value_regex", ID_PATTERN)
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{value})"


router = IdRouter(trailing_slash=True)
router.register("forums", views.ForumViewSet, basename="forum")
router.register("sessions", views.SessionViewSet, basename="session")
router.register("ideas", views.IdeaViewSet, basename="idea")
router.register("groups", views.GroupViewSet, basename="group")

urlpatterns = [
    path("auth/token/", views.AuthTokenView.as_view(), name="auth-token"),
    path("join/", views.JoinView.as_view(), name="join"),
    path("", include(router.urls)),
]
