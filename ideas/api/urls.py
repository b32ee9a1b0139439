from django.urls import include, path

from ideas.api import views
from ideas.api.params import IdRouter

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
