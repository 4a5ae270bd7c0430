"""The Finance confirmation list (danh sách xác nhận hồ sơ tiếp nhận và trả kết quả qua dịch vụ
bưu chính công ích): numbers against hand-counted fixtures, the window in Vietnam time with both
ends included, cancelled orders left out, CSV and XLSX reading back to the same rows, 400s for
bad input, who may ask about what, and the page with the same table."""

import base64
import csv
import io
import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from portal.calendar import vn
from postal.models import PostalOrder
from postal.reports import COLUMNS
from tests.clients import api_client as api
from tests.dossier_helpers import make_dossier
from tests.factories import (
    AgencyFactory,
    CitizenFactory,
    HeadFactory,
    OfficerFactory,
    OneStopDeskFactory,
    PostalClerkFactory,
    ProvinceAdminFactory,
    ProvinceFactory,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
URL = "/api/v1/reports/postal/"
BUDGET = "Kinh phí cải cách hành chính tỉnh"
pytestmark = pytest.mark.django_db
_codes = itertools.count(1)


def make_order(dossier, kind="pickup", *, at, fee=22000, waived_percent=0, status="created", budget="", **extra):
    """A postal order written directly (the services are another helper's): the fee snapshot
    and the waiver as the services would leave them."""
    waived = fee * waived_percent // 100
    values = {
        "dossier": dossier,
        "province": dossier.province,
        "agency": dossier.agency,
        "desk": dossier.desk,
        "kind": kind,
        "status": status,
        "tracking_code": f"BC{next(_codes):08d}VN",
        "recipient_name": dossier.applicant_name,
        "recipient_phone": dossier.applicant_phone,
        "address": "12 Đường 30/4, phường Thanh Bình, TP Biên Hòa",
        "fee": fee,
        "fee_waived": waived,
        "waived_percent": waived_percent,
        "subsidy_budget": budget if waived else "",
        "triggered_at": at,
        "sla_hours": 4,
        "due_at": at + timedelta(hours=4),
        "sla_timer_at": at + timedelta(hours=4) if status in ("created", "assigned") else None,
    }
    values.update(extra)
    return PostalOrder.objects.create(**values)


@pytest.fixture
def world():
    """Đồng Nai, 30/3–29/4/2020: two agencies; three orders count, four do not."""
    province = ProvinceFactory(code="75", name="Đồng Nai")
    justice = AgencyFactory(code="000.00.01.H19", province=province, name="Sở Tư pháp")
    district = AgencyFactory(code="000.00.20.H19", province=province, name="UBND huyện Trảng Bom", level="district")
    officer_1 = OfficerFactory(desk=OneStopDeskFactory(province=province, agency=justice))
    officer_2 = OfficerFactory(desk=OneStopDeskFactory(province=province, agency=district))
    other = OfficerFactory()  # another province

    def dossier(officer):
        return make_dossier(officer=officer)

    orders = {
        # Counted: first day 08:00, waived 100 %.
        "full": make_order(
            dossier(officer_1), at=vn(2020, 3, 30, 8, 0), waived_percent=100, budget=BUDGET, status="delivered"
        ),
        # Counted: a return, 30 000 đ waived 50 %.
        "half": make_order(
            dossier(officer_1), "return", at=vn(2020, 4, 15, 9), fee=30000, waived_percent=50, budget=BUDGET
        ),
        # Counted: the last day at 23:30 Vietnam time (16:30 UTC), no waiver, failed (the post went out).
        "last": make_order(dossier(officer_2), at=vn(2020, 4, 29, 23, 30), status="failed", failure_reason="Vắng nhà"),
        # Not counted: cancelled.
        "cancelled": make_order(dossier(officer_2), "return", at=vn(2020, 4, 20, 10), status="cancelled"),
        # Not counted: 30/4 00:10 in Vietnam is still 29/4 in UTC.
        "after": make_order(dossier(officer_1), at=vn(2020, 4, 30, 0, 10)),
        # Not counted: the evening before the window.
        "before": make_order(dossier(officer_1), at=vn(2020, 3, 29, 23, 59)),
        # Not counted: another province.
        "elsewhere": make_order(dossier(other), at=vn(2020, 4, 10, 9)),
    }
    return {
        "province": province,
        "justice": justice,
        "district": district,
        "orders": orders,
        "other_province": other.desk.province,
    }


WINDOW = {"from": "2020-03-30", "to": "2020-04-29"}
EXPECTED_AGENCIES = {
    "000.00.01.H19": {
        "orders": 2,
        "pickups": 1,
        "returns": 1,
        "waived_orders": 2,
        "fee": 52000,
        "fee_waived": 37000,
        "fee_charged": 15000,
    },
    "000.00.20.H19": {
        "orders": 1,
        "pickups": 1,
        "returns": 0,
        "waived_orders": 0,
        "fee": 22000,
        "fee_waived": 0,
        "fee_charged": 22000,
    },
}
EXPECTED_TOTALS = {
    "orders": 3,
    "pickups": 2,
    "returns": 1,
    "waived_orders": 2,
    "fee": 74000,
    "fee_waived": 37000,
    "fee_charged": 37000,
}


def get(user, **params):
    return api(user).get(URL, params)


# --- the numbers ----------------------------------------------------------------------------------------


def test_json_rows_and_totals_match_the_hand_count(world):
    admin = ProvinceAdminFactory(province=world["province"])
    response = get(admin, province="75", **WINDOW)
    assert response.status_code == 200, response.content
    body = response.json()
    orders = world["orders"]
    assert [row["tracking_code"] for row in body["rows"]] == [
        orders["full"].tracking_code,
        orders["half"].tracking_code,
        orders["last"].tracking_code,
    ]
    assert body["from"] == "2020-03-30" and body["to"] == "2020-04-29"
    assert body["province"] == {"code": "75", "name": "Đồng Nai"}
    assert body["agency"] is None
    assert body["date_basis"] == "triggered_at"
    assert body["next"] is None

    half = body["rows"][1]
    assert half["kind"] == "return"
    assert half["dossier"] == orders["half"].dossier.code
    assert half["procedure"] == {
        "code": orders["half"].dossier.procedure.code,
        "name": orders["half"].dossier.procedure.name,
    }
    assert half["agency"] == {"code": "000.00.01.H19", "name": "Sở Tư pháp"}
    assert (half["fee"], half["fee_waived"], half["fee_charged"], half["waived_percent"]) == (30000, 15000, 15000, 50)
    assert half["budget"] == BUDGET
    assert half["date"] == "2020-04-15"
    assert half["triggered_at"] == "2020-04-15T09:00:00+07:00"
    last = body["rows"][2]
    assert last["date"] == "2020-04-29"  # in Vietnam time, although 16:30 UTC
    assert last["status"] == "failed"

    by_agency = {line["agency"]["code"]: line for line in body["totals_by_agency"]}
    assert set(by_agency) == set(EXPECTED_AGENCIES)
    for code, expected in EXPECTED_AGENCIES.items():
        assert {key: by_agency[code][key] for key in expected} == expected
    assert by_agency["000.00.01.H19"]["agency"]["name"] == "Sở Tư pháp"
    assert body["totals"] == EXPECTED_TOTALS
    assert body["totals_by_budget"] == [{"budget": BUDGET, "orders": 2, "fee_waived": 37000}]


def test_totals_are_sql_aggregates_not_python_sums(world):
    """The totals come from two aggregate queries whatever the number of rows."""
    from postal.reports import PostalReport

    report = PostalReport(
        start=datetime(2020, 3, 30).date(), end=datetime(2020, 4, 29).date(), province=world["province"]
    )
    with CaptureQueriesContext(connection) as queries:
        assert report.totals() == EXPECTED_TOTALS
        lines = report.agency_totals()
    assert len(queries) == 2
    assert all("GROUP BY" in q["sql"].upper() or "SUM(" in q["sql"].upper() for q in queries.captured_queries)
    assert [line["agency__code"] for line in lines] == sorted(EXPECTED_AGENCIES)


def test_an_agency_filter_and_a_head_see_only_that_agency(world):
    admin = ProvinceAdminFactory(province=world["province"])
    body = get(admin, agency="000.00.20.H19", **WINDOW).json()
    assert [row["tracking_code"] for row in body["rows"]] == [world["orders"]["last"].tracking_code]
    assert body["agency"] == {"code": "000.00.20.H19", "name": "UBND huyện Trảng Bom"}
    assert body["totals"]["fee_charged"] == 22000

    head = HeadFactory(agency=world["justice"])
    body = get(head, **WINDOW).json()  # no filter: the head's agency
    assert body["totals"] == {**EXPECTED_AGENCIES["000.00.01.H19"]}
    assert {row["agency"]["code"] for row in body["rows"]} == {"000.00.01.H19"}


def test_json_pages_with_a_cursor_and_totals_stay_whole(world):
    clerk = PostalClerkFactory(province=world["province"])
    first = get(clerk, page_size=2, **WINDOW).json()
    assert len(first["rows"]) == 2 and first["next"]
    assert first["totals"] == EXPECTED_TOTALS
    second = api(clerk).get(first["next"]).json()
    assert [row["tracking_code"] for row in first["rows"] + second["rows"]] == [
        world["orders"][key].tracking_code for key in ("full", "half", "last")
    ]
    assert second["next"] is None


@pytest.mark.parametrize(
    "text",
    [
        "[" * 2000,
        '["\\udc00", "2020-03-30T08:00:00+07:00", 1]',
        '["000.00.01.H19\\u0000", "2020-03-30T08:00:00+07:00", 1]',
    ],
    ids=["deep", "lone-surrogate", "nul"],
)
def test_a_hostile_cursor_gives_the_first_page(world, text):
    clerk = PostalClerkFactory(province=world["province"])
    first = get(clerk, page_size=2, **WINDOW).json()
    cursor = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    response = get(clerk, page_size=2, cursor=cursor, **WINDOW)
    assert response.status_code == 200, response.content[:300]
    assert response.json()["rows"] == first["rows"]


# --- CSV and XLSX ----------------------------------------------------------------------------------------


def csv_sections(response):
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    blank = lines.index([])
    return lines[0], lines[1:blank], lines[blank + 1 :]


def xlsx_sections(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    start = next(i for i, row in enumerate(values) if row and row[0] == "STT")
    end = next(i for i in range(start + 1, len(values)) if not any(v is not None for v in values[i]))
    return values[:start], values[start], values[start + 1 : end], values[end + 1 :]


def normalise(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    return str(value)


def test_csv_has_a_bom_dd_mm_yyyy_dates_and_the_totals(world):
    admin = ProvinceAdminFactory(province=world["province"])
    response = get(admin, province="75", format="csv", **WINDOW)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="danh-sach-buu-chinh-75-20200330-20200429.csv"' in response["Content-Disposition"]
    header, rows, tail = csv_sections(response)
    assert header == [str(label) for _key, label, _kind in COLUMNS]
    assert header[:4] == ["STT", "Mã vận đơn", "Dịch vụ", "Mã hồ sơ"]
    assert len(rows) == 3
    column = {key: index for index, (key, _label, _kind) in enumerate(COLUMNS)}
    full = rows[0]
    assert full[column["no"]] == "1"
    assert full[column["tracking_code"]] == world["orders"]["full"].tracking_code
    assert full[column["triggered_at"]] == "30/03/2020"
    assert full[column["kind"]] == "nhận hồ sơ tại nhà"
    assert (full[column["fee"]], full[column["fee_charged"]], full[column["fee_waived"]]) == ("22000", "0", "22000")
    assert full[column["budget"]] == BUDGET
    assert rows[2][column["triggered_at"]] == "29/04/2020"
    assert rows[2][column["status"]] == "Phát/nhận không thành công"

    assert tail[0] == ["Tổng theo cơ quan"]
    totals = {line[0]: line for line in tail[2:]}
    assert totals["000.00.01.H19"][1:] == ["Sở Tư pháp", "2", "1", "1", "2", "52000", "15000", "37000"]
    assert totals["000.00.20.H19"][2:] == ["1", "1", "0", "0", "22000", "22000", "0"]
    assert totals["Tổng cộng"][2:] == ["3", "2", "1", "2", "74000", "37000", "37000"]


def test_xlsx_has_the_heading_block_the_same_rows_as_csv_and_signatures(world):
    admin = ProvinceAdminFactory(province=world["province"])
    xlsx = get(admin, province="75", format="xlsx", **WINDOW)
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    heading, header, rows, tail = xlsx_sections(xlsx)
    text = " ".join(str(v) for row in heading for v in row if v)
    assert "DANH SÁCH XÁC NHẬN HỒ SƠ TIẾP NHẬN VÀ TRẢ KẾT QUẢ QUA DỊCH VỤ BƯU CHÍNH CÔNG ÍCH" in text
    assert "UBND TỈNH ĐỒNG NAI" in text
    assert "Từ ngày 30/03/2020 đến ngày 29/04/2020" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text

    _header, csv_rows, _tail = csv_sections(get(admin, province="75", format="csv", **WINDOW))
    assert [str(h) for h in header] == _header
    assert [[normalise(v) for v in row[: len(COLUMNS)]] for row in rows] == csv_rows
    money = [key for key, _label, kind in COLUMNS].index("fee_waived")
    assert [row[money] for row in rows] == [22000, 15000, 0]  # numbers, not text, in Excel

    tail_text = [str(v) for row in tail for v in row if v is not None]
    grand = next(row for row in tail if row and row[0] == "Tổng cộng")
    assert list(grand[2:9]) == [3, 2, 1, 2, 74000, 37000, 37000]
    assert "NGƯỜI LẬP BIỂU" in tail_text and "THỦ TRƯỞNG CƠ QUAN" in tail_text
    assert "(Ký, ghi rõ họ tên)" in tail_text


def test_an_empty_window_gives_zero_totals_in_every_format(world):
    admin = ProvinceAdminFactory(province=world["province"])
    body = get(admin, **{"from": "2021-01-01", "to": "2021-01-31"}).json()
    assert body["rows"] == [] and body["totals_by_agency"] == []
    assert body["totals"] == dict.fromkeys(EXPECTED_TOTALS, 0)
    _header, rows, tail = csv_sections(get(admin, format="csv", **{"from": "2021-01-01", "to": "2021-01-31"}))
    assert rows == [] and tail[-1][0] == "Tổng cộng"
    assert get(admin, format="xlsx", **{"from": "2021-01-01", "to": "2021-01-31"}).status_code == 200


# --- bad input and access ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2020-04-29", "to": "2020-03-30"}, "to"),
        ({"from": "30-03-2020", "to": "2020-04-29"}, "from"),
        ({"from": "2020-03-30", "to": "2020-02-31"}, "to"),
        ({"from": "2020-03-30", "to": "2020-04-29", "format": "pdf"}, "format"),
        ({"from": "2018-01-01", "to": "2020-04-29"}, "to"),
    ],
)
def test_bad_params_are_400_with_a_message_per_field(world, params, field):
    admin = ProvinceAdminFactory(province=world["province"])
    response = get(admin, **params)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert response.json()[field][0]


def test_dd_mm_yyyy_dates_are_accepted_too(world):
    admin = ProvinceAdminFactory(province=world["province"])
    body = get(admin, **{"from": "30/03/2020", "to": "29/04/2020"}).json()
    assert body["totals"] == EXPECTED_TOTALS


def test_who_may_ask_about_what(world):
    province = world["province"]
    assert api(None).get(URL, WINDOW).status_code in (401, 403)
    assert get(CitizenFactory(), **WINDOW).status_code == 403
    assert get(OfficerFactory(desk=OneStopDeskFactory(province=province)), **WINDOW).status_code == 403
    admin = ProvinceAdminFactory(province=province)
    # Another province, by its code or through one of its agencies, is not theirs.
    assert get(admin, province=world["other_province"].code, **WINDOW).status_code == 404
    other_agency = AgencyFactory(province=world["other_province"])
    assert get(admin, agency=other_agency.code, **WINDOW).status_code == 404
    assert get(admin, agency="KHONG-CO", **WINDOW).status_code == 404
    # Another admin only sees their own province (no rows here).
    stranger = ProvinceAdminFactory(province=world["other_province"])
    body = get(stranger, **WINDOW).json()
    assert body["totals"]["orders"] == 1  # the order in their own province
    # A head may not look at another agency of the same province.
    head = HeadFactory(agency=world["justice"])
    assert get(head, agency="000.00.20.H19", **WINDOW).status_code == 404
    # A clerk sees the province.
    clerk = PostalClerkFactory(province=province)
    assert get(clerk, **WINDOW).json()["totals"] == EXPECTED_TOTALS


# --- the page -------------------------------------------------------------------------------------------


def test_the_page_shows_the_same_table_and_download_links(client, world):
    admin = ProvinceAdminFactory(province=world["province"])
    client.force_login(admin)
    response = client.get(reverse("postal:report"), WINDOW)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Danh sách xác nhận hồ sơ tiếp nhận và trả kết quả qua dịch vụ bưu chính công ích" in page
    for key in ("full", "half", "last"):
        assert world["orders"][key].tracking_code in page
    for key in ("cancelled", "after", "before", "elsewhere"):
        assert world["orders"][key].tracking_code not in page
    assert "74.000 đ" in page and "37.000 đ" in page  # grand totals, in đồng
    assert "30/03/2020" in page
    assert f"{URL}?" in page and "format=csv" in page and "format=xlsx" in page
    assert "Sở Tư pháp" in page and "UBND huyện Trảng Bom" in page


def test_the_page_shows_field_errors_and_refuses_other_roles(client, world):
    admin = ProvinceAdminFactory(province=world["province"])
    client.force_login(admin)
    response = client.get(reverse("postal:report"), {"from": "2020-04-29", "to": "2020-03-30"})
    assert response.status_code == 400
    assert "phải bằng hoặc sau ngày bắt đầu" in response.content.decode()
    client.force_login(OfficerFactory())
    assert client.get(reverse("postal:report")).status_code == 403
    client.logout()
    assert client.get(reverse("postal:report")).status_code == 302  # to the login page
