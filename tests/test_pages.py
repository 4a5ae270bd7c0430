"""The public pages: home, catalog, procedure detail and the display filters."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from portal.forms import vi_sort_key
from portal.templatetags.motcua import fee, level_label, processing_time, vnd
from tests.factories import (
    ProcedureFactory,
    ProvinceFactory,
    RequiredDocumentFactory,
)
from tests.page_helpers import STRONG_PASSWORD, html, names  # noqa: F401

# ---------- home ----------


@pytest.mark.django_db
def test_home_renders_in_vietnamese(client, catalog):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    page = html(response)
    assert '<html lang="vi">' in page
    assert "Cổng Dịch vụ công motcua" in page
    assert "Cách nộp hồ sơ" in page
    assert "Bưu chính công ích" in page
    assert 'href="/tra-cuu/"' in page
    # Procedures per province (active only) and the most used list.
    provinces = [(p.name, p.procedure_count) for p in response.context["provinces"]]
    assert provinces == [("Đồng Nai", 1), ("Tây Ninh", 3)]  # Vietnamese order, whatever the collation
    assert "Đăng ký khai sinh" in page
    assert "Thủ tục đã bãi bỏ" not in page
    assert response.context["counts"] == {"total": 4, "online": 3, "postal": 2}


@pytest.mark.django_db
def test_home_lists_each_code_once_and_fully_online_first(client):
    for province in (ProvinceFactory(), ProvinceFactory()):
        ProcedureFactory(province=province, code="1.001193", name="Đăng ký khai sinh", level=4)
    ProcedureFactory(code="2.000001", name="Thủ tục mức độ 2", level=2)
    response = client.get(reverse("home"))
    popular = response.context["popular"]
    assert [p.code for p in popular] == ["1.001193", "2.000001"]
    assert [p.province_count for p in popular] == [2, 1]
    page = html(response)
    assert 'href="/thu-tuc/?q=1.001193"' in page  # a code of several provinces links to the search
    assert f'href="/thu-tuc/{popular[1].pk}/"' in page
    assert "2 tỉnh, thành phố" in page


# ---------- catalog ----------


@pytest.mark.django_db
def test_catalog_lists_only_active_procedures(client, catalog):
    response = client.get(reverse("procedure_list"))
    assert response.status_code == 200
    assert names(response) == {
        "Đăng ký khai sinh",
        "Cấp Phiếu lý lịch tư pháp",
        "Chứng thực bản sao từ bản chính",
        "Đăng ký thường trú",
    }


@pytest.mark.django_db
def test_catalog_search_by_code(client, catalog):
    response = client.get(reverse("procedure_list"), {"q": "1.001193"})
    assert names(response) == {"Đăng ký khai sinh"}


@pytest.mark.django_db
def test_catalog_search_by_name(client, catalog):
    assert names(client.get(reverse("procedure_list"), {"q": "khai sinh"})) == {"Đăng ký khai sinh"}
    assert names(client.get(reverse("procedure_list"), {"q": "Đăng ký"})) == {"Đăng ký khai sinh", "Đăng ký thường trú"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"level": "4"}, {"Đăng ký khai sinh"}),
        ({"level": "3"}, {"Cấp Phiếu lý lịch tư pháp", "Đăng ký thường trú"}),
        ({"sector": "Hộ tịch"}, {"Đăng ký khai sinh"}),
        ({"postal": "on"}, {"Đăng ký khai sinh", "Cấp Phiếu lý lịch tư pháp"}),
        ({"q": "Đăng ký", "level": "3"}, {"Đăng ký thường trú"}),
    ],
)
def test_catalog_filters_narrow(client, catalog, params, expected):
    assert names(client.get(reverse("procedure_list"), params)) == expected


@pytest.mark.django_db
def test_catalog_filters_by_province_and_agency(client, catalog):
    url = reverse("procedure_list")
    assert names(client.get(url, {"province": catalog["dong_nai"].pk})) == {"Đăng ký thường trú"}
    by_agency = client.get(url, {"province": catalog["tay_ninh"].pk, "agency": catalog["ward"].pk})
    assert names(by_agency) == {"Đăng ký khai sinh", "Chứng thực bản sao từ bản chính"}
    # The agency list offered follows the chosen province.
    offered = [value for value, _label in by_agency.context["form"].fields["agency"].widget.choices if value]
    assert set(offered) == {catalog["ward"].pk, catalog["justice"].pk}
    # An agency from another province is dropped, not turned into an empty page.
    mixed = client.get(url, {"province": catalog["dong_nai"].pk, "agency": catalog["ward"].pk})
    assert names(mixed) == {"Đăng ký thường trú"}


@pytest.mark.django_db
def test_catalog_ignores_an_invalid_filter_and_keeps_the_others(client, catalog):
    response = client.get(reverse("procedure_list"), {"level": "9", "sector": "Hộ tịch"})
    assert response.status_code == 200
    assert names(response) == {"Đăng ký khai sinh"}
    assert response.context["form"].errors["level"]


@pytest.mark.django_db
def test_catalog_rows_show_level_time_and_fee(client, catalog):
    page = html(client.get(reverse("procedure_list")))
    assert "Mức độ 4 – toàn trình" in page
    assert "Mức độ 3 – một phần" in page
    assert "Mức độ 2" in page
    assert "Trong ngày (nhận sau 15:00 trả ngày làm việc tiếp theo)" in page
    assert "8 giờ làm việc" in page
    assert "5 ngày làm việc" in page
    assert "200.000 đ" in page
    assert "Miễn phí" in page
    assert "Sở Tư pháp Tây Ninh" in page


@pytest.mark.django_db
def test_catalog_pagination_keeps_filters(client):
    province = ProvinceFactory()
    ProcedureFactory.create_batch(30, province=province, level=4, documents=0)
    ProcedureFactory.create_batch(3, province=province, level=3, documents=0)
    url = reverse("procedure_list")
    first = client.get(url, {"level": "4"})
    assert first.context["page"].paginator.count == 30
    assert len(first.context["page"].object_list) == 25
    assert 'href="?level=4&amp;page=2"' in html(first)
    second = client.get(url, {"level": "4", "page": "2"})
    assert len(second.context["page"].object_list) == 5
    assert all(p.level == 4 for p in second.context["page"].object_list)
    assert 'href="?level=4&amp;page=1"' in html(second)
    # A page number past the end shows the last page rather than an error.
    assert client.get(url, {"level": "4", "page": "99"}).context["page"].number == 2


# ---------- procedure detail ----------


@pytest.mark.django_db
def test_detail_shows_fee_time_documents_and_channels(client, catalog):
    record = catalog["record"]
    record.documents.all().delete()
    RequiredDocumentFactory(procedure=record, name="Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", form="original")
    RequiredDocumentFactory(procedure=record, name="Bản chụp Căn cước công dân", form="copy", copies=2, required=False)
    page = html(client.get(reverse("procedure_detail", args=[record.pk])))
    assert "Cấp Phiếu lý lịch tư pháp" in page
    assert "200.000 đ" in page
    assert "100.000 đồng đối với sinh viên" in page
    assert "5 ngày làm việc" in page
    assert "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp" in page
    assert "Bản chính" in page and "Bản sao" in page
    assert "Không bắt buộc" in page
    assert "Nhận qua bưu chính công ích tại địa chỉ" in page
    assert f'href="/ho-so/nop/{record.pk}/"' in page
    assert "Nộp hồ sơ trực tuyến" in page


@pytest.mark.django_db
def test_detail_free_same_day_and_full_online(client, catalog):
    birth = catalog["birth"]
    response = client.get(reverse("procedure_detail", args=[birth.pk]))
    page = html(response)
    assert "Miễn phí" in page
    assert "Trong ngày (nhận sau 15:00 trả ngày làm việc tiếp theo)" in page
    assert "Mức độ 4 – toàn trình" in page
    channels = response.context["channels"]
    assert all(channel["available"] for channel in channels["intake"] + channels["result"])


@pytest.mark.django_db
def test_detail_in_person_only_has_no_online_button(client, catalog):
    certify = catalog["certify"]
    response = client.get(reverse("procedure_detail", args=[certify.pk]))
    page = html(response)
    assert "Buộc phải thực hiện trực tiếp" in page
    assert "/ho-so/nop/" not in page
    intake = {c["key"]: c["available"] for c in response.context["channels"]["intake"]}
    assert intake == {"online": False, "postal": False, "desk": True}


@pytest.mark.django_db
def test_detail_level_3_in_person_only_hides_the_button(client):
    procedure = ProcedureFactory(level=3, in_person=True)
    assert "/ho-so/nop/" not in html(client.get(reverse("procedure_detail", args=[procedure.pk])))


@pytest.mark.django_db
def test_detail_field_verification_and_hours(client, catalog):
    page = html(client.get(reverse("procedure_detail", args=[catalog["residence"].pk])))
    assert "Cần xác minh thực địa" in page
    assert "8 giờ làm việc" in page


@pytest.mark.django_db
def test_detail_of_a_retired_procedure_is_shown_without_the_button(client, catalog):
    response = client.get(reverse("procedure_detail", args=[catalog["retired"].pk]))
    assert response.status_code == 200
    assert "không còn áp dụng" in html(response)
    assert "/ho-so/nop/" not in html(response)


@pytest.mark.django_db
def test_detail_unknown_pk_is_404(client):
    assert client.get(reverse("procedure_detail", args=[999999])).status_code == 404


# ---------- display filters ----------


def test_vietnamese_sort_order():
    shuffled = ["Tây Ninh", "Đồng Nai", "Gia Lai", "Bắc Giang", "Bạc Liêu", "Dak Nông", "Hậu Giang", "Hà Nội"]
    expected = ["Bạc Liêu", "Bắc Giang", "Dak Nông", "Đồng Nai", "Gia Lai", "Hà Nội", "Hậu Giang", "Tây Ninh"]
    assert sorted(shuffled, key=vi_sort_key) == expected


def test_money_and_time_filters_in_vietnamese():
    with translation.override("vi"):
        assert vnd(200000) == "200.000 đ"
        assert vnd(1500000) == "1.500.000 đ"
        assert vnd(0) == "0 đ"
        assert fee(0) == "Miễn phí"
        assert fee(8000) == "8.000 đ"
        assert processing_time(Decimal("5.00"), "working_days") == "5 ngày làm việc"
        assert processing_time(Decimal("1.50"), "working_days") == "1,5 ngày làm việc"
        assert processing_time(Decimal("8"), "working_hours") == "8 giờ làm việc"
        assert processing_time(0, "same_day") == "Trong ngày (nhận sau 15:00 trả ngày làm việc tiếp theo)"
        assert level_label(4) == "Mức độ 4 – toàn trình"
        assert level_label(3) == "Mức độ 3 – một phần"
        assert level_label(2) == "Mức độ 2"


def test_money_and_time_filters_in_english():
    with translation.override("en"):
        assert vnd(200000) == "200,000 đ"
        assert fee(0) == "Free"
        assert processing_time(Decimal("1"), "working_days") == "1 working day"
        assert processing_time(Decimal("5"), "working_days") == "5 working days"
        assert level_label(4) == "Level 4 – fully online"
