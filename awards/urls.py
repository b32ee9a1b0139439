from django.urls import re_path

from awards import views

app_name = "awards"

NUMBER = r"(?P<number>[0-9A-Za-z-]{1,32})"
C = r"^c/(?P<contest_id>[0-9]{1,18})/"  # ids that fit in 64 bits (ideas.api.params.ID_PATTERN)
E = r"entries/(?P<entry_id>[0-9]{1,18})/"

urlpatterns = [
    re_path(rf"{C}ceremony/$", views.ceremony_phone, name="ceremony_phone"),
    re_path(rf"{C}ceremony/screen/$", views.ceremony_screen, name="ceremony_screen"),
    re_path(rf"{C}ceremony/control/$", views.ceremony_control, name="ceremony_control"),
    re_path(rf"{C}ceremony/live/$", views.ceremony_live, name="ceremony_live"),
    re_path(rf"{C}papers/$", views.documents_page, name="documents"),
    re_path(rf"{C}papers/protocol\.pdf$", views.protocol_pdf, name="protocol_pdf"),
    re_path(rf"{C}papers/all\.pdf$", views.papers_pdf, name="papers_pdf"),
    re_path(rf"{C}{E}diploma\.pdf$", views.entry_paper_pdf, {"kind": "diploma"},
         name="entry_diploma_pdf"),
    re_path(rf"{C}{E}certificate\.pdf$", views.entry_paper_pdf,
         {"kind": "certificate"}, name="entry_certificate_pdf"),
    re_path(rf"^d/{NUMBER}/$", views.verify_page, name="verify"),
    re_path(rf"^d/{NUMBER}/paper\.pdf$", views.paper_pdf, name="paper_pdf"),
]
