from django.urls import include, path, register_converter
from rest_framework.routers import SimpleRouter

from archive import api
from ideas.api.params import IdConverter

# ASCII ids within 64 bits, as the routers take them: Django's `int` takes any length.
register_converter(IdConverter, "id")

router = SimpleRouter(trailing_slash=True)
router.register("", api.ArchiveViewSet, basename="archive")


def _download(method: str) -> object:
    return api.ArchiveViewSet.as_view({"get": method})


# The downloads keep their file names in the URL (`…/42/ideas.csv`, no trailing slash),
# as the Polis open-data folders name theirs.
urlpatterns = [
    path("search/", api.ArchiveSearchView.as_view(), name="archive-search"),
    path("<id:pk>/snapshot.json", _download("snapshot_json"), name="archive-snapshot-json"),
    path("<id:pk>/ideas.csv", _download("ideas_csv"), name="archive-ideas-csv"),
    path("<id:pk>/ideas-table.csv", _download("ideas_table_csv"), name="archive-ideas-table-csv"),
    path("<id:pk>/comments.csv", _download("comments_csv"), name="archive-comments-csv"),
    path("<id:pk>/votes.csv", _download("votes_csv"), name="archive-votes-csv"),
    path("", include(router.urls)),
]
