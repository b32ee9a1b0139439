from django.urls import re_path

from awards import api

ID = r"(?P<contest_id>[0-9]{1,18})"

urlpatterns = [
    re_path(rf"^contests/{ID}/ceremony/$", api.CeremonyView.as_view(), name="awards-ceremony"),
    re_path(rf"^contests/{ID}/ceremony/start/$", api.CeremonyStartView.as_view(), name="awards-ceremony-start"),
    re_path(rf"^contests/{ID}/ceremony/step/$", api.CeremonyStepView.as_view(), name="awards-ceremony-step"),
    re_path(rf"^contests/{ID}/ceremony/back/$", api.CeremonyBackView.as_view(), name="awards-ceremony-back"),
    re_path(rf"^contests/{ID}/documents/$", api.DocumentsView.as_view(), name="awards-documents"),
    re_path(rf"^contests/{ID}/entries/(?P<entry_id>[0-9]{{1,18}})/documents/$", api.EntryDocumentView.as_view(),
            name="awards-entry-document"),
    re_path(r"^documents/(?P<number>[0-9A-Za-z-]{1,32})/$", api.VerifyView.as_view(), name="awards-document-verify"),
]
