"""Thống kê pages (included at "" by portal/urls.py). Paths are Vietnamese, names English."""

from django.urls import path

from . import views, views_exports, views_steps

app_name = "reports"

urlpatterns = [
    path("thong-ke/", views.public_index, name="public_index"),
    path("thong-ke/tinh/<str:code>/", views.public_province, name="public_province"),
    path("thong-ke/bang-dieu-khien/", views.dashboard, name="dashboard"),
    path("thong-ke/bao-cao-dinh-ky/", views.periodic_report, name="periodic_report"),
    path("thong-ke/buoc-xu-ly/", views_steps.step_report, name="steps"),
    path("thong-ke/tai-bang/", views.download, name="download"),
    path("thong-ke/xuat/", views_exports.export_list, name="export_list"),
    path("thong-ke/xuat/tao/", views_exports.export_create, name="export_create"),
    path("thong-ke/xuat/<int:pk>/", views_exports.export_detail, name="export_detail"),
    path("thong-ke/xuat/<int:pk>/trang-thai/", views_exports.export_status, name="export_status"),
    path("thong-ke/xuat/<int:pk>/tai/", views_exports.export_file, name="export_file"),
]
