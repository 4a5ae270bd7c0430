"""Helpers of the dossier page tests."""

from zoneinfo import ZoneInfo

from django.urls import reverse

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def html(response):
    return response.content.decode()


def logged_in(client, user):
    client.force_login(user)
    return client


def draft_payload(officer, **extra):
    data = {
        "desk": officer.desk_id,
        "full_name": "Trần Thị Bình",
        "phone": "0987654321",
        "email": "binh@example.test",
        "national_id": "",
        "content": "Cấp 02 bản sao",
        "intake_channel": "online",
        "return_channel": "desk",
        "address": "",
        "address_zone": "default",
    }
    data.update(extra)
    return data


def upload(client, code, document_code, file):
    return client.post(
        reverse("dossiers:documents", args=[code]),
        {"document": document_code, f"{document_code}-document_code": document_code, f"{document_code}-file": file},
    )
