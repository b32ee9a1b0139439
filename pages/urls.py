from django.urls import path
from django.views.i18n import JavaScriptCatalog

from pages import console, views

app_name = "pages"

urlpatterns = [
    path("", views.landing, name="landing"),
    # Plural rules and the pages' translations for the live scripts (ngettext in JavaScript).
    path("jsi18n/", JavaScriptCatalog.as_view(domain="django", packages=["pages"]), name="jsi18n"),
    path("join/", views.join_by_code, name="join_by_code"),
    path("join/<str:code>", views.join, name="join"),
    path("s/<int:session_id>/", views.phone, name="phone"),
    path("s/<int:session_id>/live", views.phone_live, name="phone_live"),
    path("s/<int:session_id>/ideas", views.post_idea, name="post_idea"),
    path("s/<int:session_id>/ideas/<int:idea_id>/vote", views.vote, name="vote"),
    path("s/<int:session_id>/leave", views.leave, name="leave"),
    path("s/<int:session_id>/screen", views.screen, name="screen"),
    path("s/<int:session_id>/screen/live", views.screen_live, name="screen_live"),
    path("s/<int:session_id>/moderate", console.console, name="moderate"),
    path("s/<int:session_id>/moderate/live", console.console_live, name="moderate_live"),
    path("s/<int:session_id>/moderate/<str:action>", console.act, name="moderate_act"),
]
