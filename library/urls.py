from django.urls import path

from library import views

app_name = "library"

urlpatterns = [
    path("library/", views.library_list, name="list"),
    path("library/practices.csv", views.library_csv, name="csv"),
    path("library/practices.json", views.library_json, name="json"),
    path("library/<int:pk>/", views.library_detail, name="detail"),
    path("library/<int:pk>/photos/<int:photo_id>.jpg", views.library_photo, name="photo"),
    path("library/<int:pk>/edit/", views.library_edit, name="edit"),
    path("library/publish/<int:entry_id>/", views.library_publish, name="publish"),
]
