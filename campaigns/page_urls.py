"""Pages of campaigns (included at "" by portal/urls.py). Paths are Vietnamese, names English."""

from django.urls import path

from . import dashboard, notice_pages, views

urlpatterns = [
    path("quan-tri/", dashboard.admin_dashboard, name="admin_dashboard"),
    path("thong-bao/chon-tinh/", notice_pages.choose_province, name="notice_province"),
    path("dot-ap-dung/", views.campaign_list, name="campaign_list"),
    path("dot-ap-dung/tao/", views.campaign_create, name="campaign_create"),
    path("dot-ap-dung/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("dot-ap-dung/<int:pk>/sua/", views.campaign_edit, name="campaign_edit"),
    path("dot-ap-dung/<int:pk>/xem-truoc/", views.campaign_preview, name="campaign_preview"),
    path("dot-ap-dung/<int:pk>/lich-su/", views.campaign_history, name="campaign_history"),
    path("dot-ap-dung/<int:pk>/truong-hop-khan-cap/", views.campaign_exceptions, name="campaign_exceptions"),
    path("dot-ap-dung/<int:pk>/kich-hoat/", views.campaign_activate, name="campaign_activate"),
    path("dot-ap-dung/<int:pk>/ket-thuc/", views.campaign_end, name="campaign_end"),
    path("lay-so/", views.ticket_desks, name="ticket_desks"),
    path("lay-so/<int:desk_pk>/", views.ticket_book, name="ticket_book"),
    path("quay/<int:desk_pk>/goi-so/", views.desk_queue, name="desk_queue"),
]
