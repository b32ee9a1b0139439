from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from backend import health, logins

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/archive/", include("archive.api_urls")),
    path("api/v1/", include("forums.api_urls")),
    path("api/v1/", include("contests.api_urls")),
    path("api/v1/", include("awards.api_urls")),
    path("api/v1/", include("library.api_urls")),
    path("api/v1/", include("ideas.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script from a URL: no inline script, so the strict
    # Content-Security-Policy holds on the docs page too.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The admin's sign-in, rate limited (backend/logins.py); everything else is the stock admin.
    path("admin/login/", logins.admin_login),
    path("admin/", admin.site.urls),
    path("archive/", include("archive.urls")),
    # Accounts, invitations, organiser pages and the public forum page (forums/urls.py).
    path("", include("forums.urls")),
    path("", include("contests.urls")),
    path("", include("awards.urls")),
    path("", include("library.urls")),
    path("", include("pages.urls")),
]
