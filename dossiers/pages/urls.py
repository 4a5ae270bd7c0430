"""The dossier pages (included at "" by portal/urls.py, before portal's pages). Paths are
Vietnamese, names English, in the "dossiers" namespace."""

from django.urls import path

from . import citizen as views_citizen
from . import common as views
from . import exceptions as views_exceptions
from . import officer as views_officer
from . import prints as views_print
from . import public as views_public

app_name = "dossiers"

urlpatterns = [
    # Citizen
    path("ho-so/", views_citizen.my_dossiers, name="my_dossiers"),
    path("ho-so/nop/<int:procedure_pk>/", views_citizen.start, name="start"),
    path("ho-so/<str:code>/", views_citizen.detail, name="detail"),
    path("ho-so/<str:code>/sua/", views_citizen.edit, name="edit"),
    path("ho-so/<str:code>/giay-to/", views_citizen.documents, name="documents"),
    path("ho-so/<str:code>/giay-to/<int:document_id>/xoa/", views_citizen.remove_document, name="remove_document"),
    path("ho-so/<str:code>/nop-ho-so/", views_citizen.submit, name="submit"),
    path("ho-so/<str:code>/da-nop/", views_citizen.submitted, name="submitted"),
    path("ho-so/<str:code>/da-bo-sung/", views_citizen.supplement_done, name="supplement_done"),
    path("ho-so/<str:code>/thao-tac/<str:action>/", views_citizen.act, name="citizen_action"),
    # Files and printables, for whoever may see the dossier
    path("ho-so/<str:code>/tep/<int:document_id>/", views.document_file, name="document_file"),
    path("ho-so/<str:code>/ket-qua/", views.result_file, name="result_file"),
    path("ho-so/<str:code>/in/<str:slug>/", views_print.printable, name="print"),
    # Public tracking
    path("tra-cuu/", views_public.tracking, name="tracking"),
    # Officer and head
    path("can-bo/", views_officer.queue, name="queue"),
    path("can-bo/tiep-nhan-truc-tiep/", views_officer.walk_in, name="walk_in"),
    path("can-bo/thong-bao/", views_officer.notifications, name="notifications"),
    path("can-bo/khan-cap/", views_exceptions.exception_queue, name="exception_queue"),
    path("can-bo/khan-cap/<int:pk>/<str:decision>/", views_exceptions.exception_decide, name="exception_decide"),
    path("can-bo/thong-bao/da-doc/", views_officer.mark_read, name="mark_all_read"),
    path("can-bo/thong-bao/<int:pk>/da-doc/", views_officer.mark_read, name="mark_read"),
    path("can-bo/ho-so/<str:code>/", views_officer.detail, name="officer_detail"),
    path("can-bo/ho-so/<str:code>/nhan-xu-ly/", views_officer.claim, name="claim"),
    path("can-bo/ho-so/<str:code>/giay-to/", views_officer.officer_documents, name="officer_documents"),
    path(
        "can-bo/ho-so/<str:code>/giay-to/<int:document_id>/xoa/",
        views_officer.officer_remove_document,
        name="officer_remove_document",
    ),
    path("can-bo/ho-so/<str:code>/thao-tac/<str:action>/", views_officer.act, name="officer_action"),
]
