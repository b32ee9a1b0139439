"""The contest pages (contests/views.py), at the site root: /c/<id>/…"""

from django.urls import path

from contests import views

app_name = "contests"

urlpatterns = [
    path("c/<int:contest_id>/", views.contest_public, name="public"),
    path("c/<int:contest_id>/jury/", views.jury, name="jury"),
    path("c/<int:contest_id>/jury/<int:entry_id>/", views.sheet, name="sheet"),
    path("c/<int:contest_id>/jury/<int:entry_id>/conflict", views.conflict, name="conflict"),
    path("c/<int:contest_id>/organise/", views.organise, name="organise"),
    path("c/<int:contest_id>/organise/stage", views.organise_stage, name="organise_stage"),
    path("c/<int:contest_id>/organise/vote", views.organise_vote, name="organise_vote"),
    path("c/<int:contest_id>/organise/finalise", views.organise_finalise, name="organise_finalise"),
    path("c/<int:contest_id>/vote/", views.vote, name="vote"),
    path("c/<int:contest_id>/results/", views.results, name="results"),
    path("c/<int:contest_id>/screen/", views.screen, name="screen"),
    path("c/<int:contest_id>/screen/live", views.screen_live, name="screen_live"),
]
