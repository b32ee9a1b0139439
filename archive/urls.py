from django.urls import path

from archive import views

app_name = "archive"

urlpatterns = [
    path("", views.archive_list, name="list"),
    path("search/", views.archive_search_page, name="search"),
    path("<int:pk>/", views.archive_detail, name="detail"),
]
