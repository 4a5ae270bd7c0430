"""The statistics pages, the table downloads and the background exports."""

import csv
import io
import re

import pytest
from django.test import Client, override_settings
from openpyxl import load_workbook

from reports.models import Export
from tests.factories import OfficerFactory
from tests.reports_world import build_world

pytestmark = pytest.mark.django_db
MARCH = "from=2024-03-01&to=2024-04-01"


@pytest.fixture
def world():
    return build_world()


def client_for(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_public_page_shows_province_numbers_and_no_personal_data(world):
    page = client_for().get(f"/thong-ke/tinh/{world.province.code}/?period=month&date=2024-03-15")
    assert page.status_code == 200
    html = page.content.decode()
    scripts = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
    assert any(src.endswith("chart.umd.min.js") for src in scripts)
    assert all(src.startswith("/static/") for src in scripts), scripts  # vendored, never a CDN
    assert "83,3 %" in html  # on-time rate 10/12
    for dossier in world.dossiers.values():
        assert dossier.code not in html
        assert dossier.applicant_name not in html
        assert dossier.applicant_phone not in html
    assert world.citizen.full_name not in html and world.officer.get_full_name() not in html
    assert world.desk.name not in html  # desks are staff detail; agencies are public
    assert client_for().get("/thong-ke/").status_code == 200


def test_dashboards_per_role_with_drill_down(world):
    admin = client_for(world.admin).get(f"/thong-ke/bang-dieu-khien/?{MARCH}")
    assert admin.status_code == 200
    assert f"agency={world.desk.agency.code}" in admin.content.decode()  # drill to the agency
    agency = client_for(world.admin).get(f"/thong-ke/bang-dieu-khien/?{MARCH}&agency={world.desk.agency.code}")
    assert f"desk={world.desk.pk}" in agency.content.decode()  # drill to the desk
    desk = client_for(world.admin).get(f"/thong-ke/bang-dieu-khien/?{MARCH}&desk={world.desk.pk}")
    assert "procedure=1.000002" in desk.content.decode()
    assert client_for(world.head).get(f"/thong-ke/bang-dieu-khien/?{MARCH}").status_code == 200
    officer = client_for(world.officer).get("/thong-ke/bang-dieu-khien/")
    assert officer.status_code == 200 and "Hôm nay" in officer.content.decode()
    assert client_for(world.officer2).get(f"/thong-ke/bang-dieu-khien/?desk={world.desk.pk}").status_code == 404
    assert client_for(world.citizen).get("/thong-ke/bang-dieu-khien/").status_code == 403
    assert client_for(world.admin).get("/thong-ke/bang-dieu-khien/?from=x").status_code == 400


def test_periodic_report_is_printable(world):
    page = client_for(world.admin).get("/thong-ke/bao-cao-dinh-ky/?ky=half&dot=1&nam=2024")
    assert page.status_code == 200
    html = page.content.decode()
    assert "1106/KH-UBND" in html and "01/01/2024 – 30/06/2024" in html
    assert "css/reports.css" in html
    # The postal share against the 30 % target (REPORTS_POSTAL_SHARE_TARGET): 1 of 2 eligible = 50 %.
    assert postal_verdicts(html) == {
        world.desk.agency.name: ("50,0 %", "Đạt"),
        world.p3.agency.name: ("—", "—"),  # no postal-eligible procedure
        "Tổng cộng": ("50,0 %", "Đạt"),
    }
    with override_settings(REPORTS_POSTAL_SHARE_TARGET=0.6):
        html = client_for(world.admin).get("/thong-ke/bao-cao-dinh-ky/?ky=half&dot=1&nam=2024").content.decode()
    assert postal_verdicts(html)["Tổng cộng"] == ("50,0 %", "Chưa đạt")
    assert postal_verdicts(html)[world.desk.agency.name] == ("50,0 %", "Chưa đạt")


def postal_verdicts(html):
    """{row label: (postal share, verdict)} of the periodic report's postal table (its last two cells)."""
    rows = re.findall(
        r'<tr><th scope="row">([^<]+)</th>(?:<td class="num">[^<]*</td>)*?<td class="num">([^<]*)</td>'
        r"<td>([^<]*)</td></tr>",
        html,
    )
    return {label.strip(): (share, verdict) for label, share, verdict in rows}


def test_csv_and_xlsx_downloads_parse_back(world):
    client = client_for(world.admin)
    response = client.get(f"/thong-ke/tai-bang/?{MARCH}&group_by=desk&format=csv")
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    total = dict(zip(header, rows[-1], strict=True))
    assert rows[-1][0] == "Tổng cộng" and len(rows) == 4  # header, two desks, total
    assert total["Tổng tiếp nhận mới"] == "12" and total["Tỷ lệ trễ hạn"] == "0.1667"
    response = client.get(f"/thong-ke/tai-bang/?{MARCH}&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    values = dict(zip(cells[0], cells[-1], strict=True))
    assert values["Tiếp nhận trực tuyến"] == 10 and values["Giải quyết quá hạn"] == 1
    assert values["Tỷ lệ qua bưu chính công ích"] == 0.5
    # A public caller may download the public table, not a desk's.
    assert client_for().get(f"/thong-ke/tai-bang/?{MARCH}&province={world.province.code}&format=csv").status_code == 200
    assert client_for().get(f"/thong-ke/tai-bang/?{MARCH}&desk={world.desk.pk}&format=csv").status_code == 403


def test_background_export_progress_and_download_only_for_its_requester(world, django_capture_on_commit_callbacks):
    client = client_for(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/thong-ke/xuat/tao/", {"kind": "dossiers", "format": "csv", "from": "2024-04-01", "to": "2024-05-01"}
        )
    export = Export.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/thong-ke/xuat/{export.pk}/")
    status = client.get(f"/thong-ke/xuat/{export.pk}/trang-thai/").json()  # the task ran eagerly on commit
    assert status["status"] == "done" and status["progress"] == 100 and status["download_url"]
    # April: carried over E F D I, received M → five dossiers, no personal data.
    content = b"".join(client.get(status["download_url"]).streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert len(rows) == 6 and status["rows"] == 5
    codes = {row[0] for row in rows[1:]}
    assert codes == {world.dossiers[n].code for n in "EFDIM"}
    assert world.dossiers["E"].applicant_name not in content
    other = client_for(OfficerFactory(desk=world.desk))
    assert other.get(f"/thong-ke/xuat/{export.pk}/tai/").status_code == 404
    assert other.get(f"/thong-ke/xuat/{export.pk}/trang-thai/").status_code == 404
    assert client_for().get(f"/thong-ke/xuat/{export.pk}/tai/").status_code == 302  # to the login page
    assert client.get(f"/thong-ke/xuat/{export.pk}/").status_code == 200


def test_export_progress_is_recorded(world, monkeypatch):
    from reports import exports
    from reports.params import resolve

    monkeypatch.setattr(exports, "CHUNK", 5)
    query = resolve(world.admin, {"from": "2024-03-01", "to": "2024-04-01"})
    seen = []
    rows = list(exports.dossier_rows(query, progress=lambda done, total: seen.append((done, total))))
    assert len(rows) == 12 and seen == [(5, 12), (10, 12), (12, 12)]
    export = Export.objects.create(
        kind="dossiers",
        format="xlsx",
        params={"from": "2024-03-01", "to": "2024-04-01"},
        requested_by=world.admin,
        created_at=world.dossiers["A"].received_at,
    )
    exports.run_export(export.pk)
    export.refresh_from_db()
    assert export.status == "done" and export.progress == 100 and export.rows == 12
    sheet = load_workbook(export.file.open("rb")).active
    assert sheet.max_row == 13 and sheet.cell(1, 1).value == "Mã hồ sơ"
    assert exports.run_export(export.pk) is None  # idempotent: a finished export is left alone
