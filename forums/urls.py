from django.urls import path

from forums import accounts, public, views

app_name = "forums"

urlpatterns = [
    *accounts.urlpatterns,
    path("invite/<str:token>", accounts.accept_invitation, name="invitation"),
    path("f/<int:forum_id>/", public.forum_public, name="forum_public"),
    path("organise/", views.desk, name="desk"),
    path("organise/forums/new", views.forum_edit, name="forum_new"),
    path("organise/forums/<int:forum_id>/", views.forum_page, name="forum"),
    path("organise/forums/<int:forum_id>/edit", views.forum_edit, name="forum_edit"),
    path("organise/forums/<int:forum_id>/halls", views.hall_add, name="hall_add"),
    path("organise/halls/<int:hall_id>/delete", views.hall_delete, name="hall_delete"),
    path("organise/forums/<int:forum_id>/events/new", views.event_edit, name="event_new"),
    path("organise/forums/<int:forum_id>/events/<int:event_id>", views.event_edit, name="event_edit"),
    path("organise/events/<int:event_id>/delete", views.event_delete, name="event_delete"),
    path("organise/forums/<int:forum_id>/invitations", views.forum_invite, name="forum_invite"),
    path("organise/forums/<int:forum_id>/sessions/new", views.session_new, name="session_new"),
    path("organise/sessions/<int:session_id>/", views.session_page, name="session"),
    path("organise/sessions/<int:session_id>/edit", views.session_edit, name="session_edit"),
    path("organise/sessions/<int:session_id>/invitations", views.session_invite, name="session_invite"),
    path("organise/sessions/<int:session_id>/poster.pdf", views.session_poster, name="session_poster"),
    path("organise/sessions/<int:session_id>/cards.pdf", views.session_cards, name="session_cards"),
]
