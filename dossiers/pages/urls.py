"""The dossier pages (included at "" by portal/urls.py, before portal's pages). Paths are
Vietnamese, names English, in the "dossiers" namespace."""

from django.urls import path

from . import citizen, common, exceptions, officer, prints, public, steps, store, verify

app_name = "dossiers"

urlpatterns = [
    # Citizen
    path("ho-so/", citizen.my_dossiers, name="my_dossiers"),
    path("ho-so/nop/<int:procedure_pk>/", citizen.start, name="start"),
    path("ho-so/<str:code>/", citizen.detail, name="detail"),
    path("ho-so/<str:code>/sua/", citizen.edit, name="edit"),
    path("ho-so/<str:code>/giay-to/", citizen.documents, name="documents"),
    path("ho-so/<str:code>/giay-to/<int:document_id>/xoa/", citizen.remove_document, name="remove_document"),
    path("ho-so/<str:code>/nop-ho-so/", citizen.submit, name="submit"),
    path("ho-so/<str:code>/da-nop/", citizen.submitted, name="submitted"),
    path("ho-so/<str:code>/da-bo-sung/", citizen.supplement_done, name="supplement_done"),
    path("ho-so/<str:code>/thao-tac/<str:action>/", citizen.act, name="citizen_action"),
    # The citizen's document store (kho dữ liệu): Giấy tờ của tôi, and "Dùng lại từ kho" on a draft
    path("giay-to-cua-toi/", store.my_documents, name="my_documents"),
    path("giay-to-cua-toi/<int:pk>/tep/", store.stored_file, name="stored_file"),
    path("giay-to-cua-toi/<int:pk>/xoa/", store.remove_stored, name="remove_stored"),
    path("ho-so/<str:code>/giay-to/dung-lai/", citizen.reuse, name="reuse_document"),
    # Files and printables, for whoever may see the dossier
    path("ho-so/<str:code>/tep/<int:document_id>/", common.document_file, name="document_file"),
    path("ho-so/<str:code>/ket-qua/", common.result_file, name="result_file"),
    path("ho-so/<str:code>/in/<str:slug>/", prints.printable, name="print"),
    path("ho-so/<str:code>/in/<str:slug>/pdf/", prints.printable_pdf, name="print_pdf"),
    # Public tracking
    path("tra-cuu/", public.tracking, name="tracking"),
    path("kiem-tra-ket-qua/", verify.verify_result, name="verify_result"),  # signed e-results (portal/signing)
    # Officer, head and specialist
    path("can-bo/", officer.queue, name="queue"),
    path("can-bo/viec-cho-toi/", steps.waiting, name="waiting"),
    path("can-bo/tiep-nhan-truc-tiep/", officer.walk_in, name="walk_in"),
    path("can-bo/thong-bao/", officer.notifications, name="notifications"),
    path("can-bo/khan-cap/", exceptions.exception_queue, name="exception_queue"),
    path("can-bo/khan-cap/<int:pk>/<str:decision>/", exceptions.exception_decide, name="exception_decide"),
    path("can-bo/thong-bao/da-doc/", officer.mark_read, name="mark_all_read"),
    path("can-bo/thong-bao/<int:pk>/da-doc/", officer.mark_read, name="mark_read"),
    path("can-bo/ho-so/<str:code>/", officer.detail, name="officer_detail"),
    path("can-bo/ho-so/<str:code>/nhan-xu-ly/", officer.claim, name="claim"),
    path("can-bo/ho-so/<str:code>/giay-to/", officer.officer_documents, name="officer_documents"),
    path(
        "can-bo/ho-so/<str:code>/giay-to/<int:document_id>/xoa/",
        officer.officer_remove_document,
        name="officer_remove_document",
    ),
    path("can-bo/ho-so/<str:code>/thao-tac/<str:action>/", officer.act, name="officer_action"),
]
