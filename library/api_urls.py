from rest_framework.routers import SimpleRouter

from library import api

router = SimpleRouter(trailing_slash=True)
router.register("library", api.PracticeViewSet, basename="library")

urlpatterns = router.urls
