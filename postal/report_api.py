"""GET /api/v1/reports/postal/?province=&agency=&from=&to=&format=json|csv|xlsx (docs/api.md):
the Finance confirmation list (postal/reports.py) as JSON, CSV or XLSX.

- JSON: the rows (ISO dates, keyset pages of `page_size`, default 500, with `next`), the totals
  per agency and per budget and the grand totals (always for the whole window).
- CSV: UTF-8 with a BOM (Excel opens the Vietnamese), comma-separated, dates dd/mm/yyyy, money in
  whole đồng; the rows, a blank line, then the totals per agency and the grand total. Streamed.
- XLSX (openpyxl, write-only): the heading (authority, national motto, title, scope, window),
  the rows, the totals and the signature lines of the signed list.

`format` is ours, not DRF's content negotiation: an unknown one is a 400 like any bad input."""

import csv
import io
from datetime import date

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .reports import (
    COLUMNS,
    TOTAL_COLUMNS,
    TOTAL_KEYS,
    PostalReport,
    PostalReportForm,
    agency_line,
    cell_value,
    form_errors,
    local,
    may_report,
    page_size,
)

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FormatIsOurs(DefaultContentNegotiation):
    """Always JSON for DRF's own answers (errors, the JSON list): `?format=` picks the
    export in the view, not a renderer."""

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type


# --- JSON -----------------------------------------------------------------------------------------------


def _iso(moment):
    return local(moment).isoformat() if moment else None


def json_row(row):
    return {
        "id": row["id"],
        "tracking_code": row["tracking_code"],
        "kind": row["kind"],
        "status": row["status"],
        "dossier": row["dossier_code"],
        "procedure": {"code": row["procedure_code"], "name": row["procedure_name"]},
        "agency": {"code": row["agency_code"], "name": row["agency_name"]},
        "recipient_name": row["recipient_name"],
        "address": row["address"],
        "date": local(row["triggered_at"]).date().isoformat(),
        "triggered_at": _iso(row["triggered_at"]),
        "picked_up_at": _iso(row["picked_up_at"]),
        "delivered_at": _iso(row["delivered_at"]),
        "fee": row["fee"],
        "fee_waived": row["fee_waived"],
        "fee_charged": row["fee_charged"],
        "waived_percent": row["waived_percent"],
        "budget": row["budget"],
    }


def json_body(report, request):
    rows, cursor = report.page(request.query_params.get("cursor"), page_size(request.query_params.get("page_size")))
    next_url = None
    if cursor:
        params = request.query_params.copy()
        params["cursor"] = cursor
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    named = lambda o: {"code": o.code, "name": o.name} if o is not None else None  # noqa: E731
    return {
        "title": str(report.title),
        "province": named(report.province),
        "agency": named(report.agency),
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "date_basis": report.date_basis,
        "generated_at": timezone.localtime().isoformat(),
        "rows": [json_row(row) for row in rows],
        "next": next_url,
        "totals_by_agency": [
            {"agency": {"code": line["agency__code"], "name": line["agency__name"]}, **{k: line[k] for k in TOTAL_KEYS}}
            for line in report.agency_totals()
        ],
        "totals_by_budget": [
            {"budget": line["subsidy_budget"], "orders": line["orders"], "fee_waived": line["waived"]}
            for line in report.budget_totals()
        ],
        "totals": report.totals(),
    }


# --- CSV ------------------------------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


def _text(value):
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def numbered(report):
    """(number, row) for every row, read in chunks from the database."""
    for number, row in enumerate(report.rows().iterator(chunk_size=2000), start=1):
        row["no"] = number
        yield row


def csv_lines(report):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([str(label) for _key, label, _kind in COLUMNS])
    for row in numbered(report):
        yield writer.writerow([_text(cell_value(row, key, kind)) for key, _label, kind in COLUMNS])
    yield writer.writerow([])
    yield writer.writerow([_("Tổng theo cơ quan")])
    yield writer.writerow([str(label) for _key, label, _kind in TOTAL_COLUMNS])
    for line in report.agency_totals():
        line = agency_line(line)
        yield writer.writerow([_text(line[key]) for key, _label, _kind in TOTAL_COLUMNS])
    totals = report.totals()
    yield writer.writerow([_("Tổng cộng"), "", *(_text(totals[key]) for key, _l, _k in TOTAL_COLUMNS[2:])])


# --- XLSX -----------------------------------------------------------------------------------------------

BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=13)
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
NUMBER_FORMATS = {"money": "#,##0", "int": "0", "date": "DD/MM/YYYY"}
WIDTHS = {"text": 18, "kind": 18, "status": 16, "date": 12, "money": 16, "int": 8}
WIDE = {"procedure_name": 40, "agency_name": 28, "address": 34, "recipient_name": 24, "dossier_code": 26}


def _cell(sheet, value, font=None, border=None, number_format=None, alignment=None):
    cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    if border is not None:
        cell.border = border
    if number_format:
        cell.number_format = number_format
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _line(sheet, values, **style):
    return [_cell(sheet, value, **style) for value in values]


def xlsx_bytes(report):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Danh sách")[:31])
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    for index, (key, _label, kind) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDE.get(key, WIDTHS[kind])

    half = len(COLUMNS) // 2
    pad = [None] * (half - 1)
    sheet.append(_line(sheet, [report.authority.upper(), *pad, _("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")], font=BOLD))
    sheet.append(_line(sheet, [None, *pad, _("Độc lập – Tự do – Hạnh phúc")], font=BOLD))
    sheet.append([])
    sheet.append([_cell(sheet, str(report.title).upper(), font=TITLE_FONT)])
    sheet.append([_cell(sheet, report.window_label)])
    sheet.append([_cell(sheet, _("Phạm vi: %(scope)s") % {"scope": report.scope_label})])
    sheet.append([_cell(sheet, _("Theo ngày phát sinh yêu cầu (tiếp nhận hồ sơ hoặc có kết quả), giờ Việt Nam."))])
    sheet.append([])
    sheet.append(_line(sheet, [str(label) for _k, label, _kind in COLUMNS], font=BOLD, border=BOX, alignment=CENTER))
    for row in numbered(report):
        sheet.append(
            [
                _cell(
                    sheet,
                    cell_value(row, key, kind),
                    border=BOX,
                    number_format=NUMBER_FORMATS.get(kind),
                    alignment=WRAP if kind == "text" else None,
                )
                for key, _label, kind in COLUMNS
            ]
        )
    sheet.append([])
    sheet.append([_cell(sheet, _("Tổng theo cơ quan"), font=BOLD)])
    sheet.append(
        _line(sheet, [str(label) for _k, label, _kind in TOTAL_COLUMNS], font=BOLD, border=BOX, alignment=CENTER)
    )
    for line in report.agency_totals():
        line = agency_line(line)
        sheet.append(
            [
                _cell(sheet, line[key], border=BOX, number_format=NUMBER_FORMATS.get(kind))
                for key, _label, kind in TOTAL_COLUMNS
            ]
        )
    totals = report.totals()
    sheet.append(
        [
            _cell(sheet, _("Tổng cộng"), font=BOLD, border=BOX),
            _cell(sheet, None, border=BOX),
            *(
                _cell(sheet, totals[key], font=BOLD, border=BOX, number_format=NUMBER_FORMATS.get(kind))
                for key, _label, kind in TOTAL_COLUMNS[2:]
            ),
        ]
    )
    sheet.append([])
    place = report.province.name if report.province is not None else ""
    today = timezone.localdate()
    sheet.append(
        [None] * (half + 2)
        + [
            _cell(
                sheet,
                _("%(place)s, ngày %(d)s tháng %(m)s năm %(y)s")
                % {"place": place, "d": f"{today.day:02d}", "m": f"{today.month:02d}", "y": today.year},
            )
        ]
    )
    signers = [_("NGƯỜI LẬP BIỂU"), _("ĐẠI DIỆN BƯU ĐIỆN"), _("THỦ TRƯỞNG CƠ QUAN"), _("XÁC NHẬN CỦA SỞ TÀI CHÍNH")]
    notes = [_("(Ký, ghi rõ họ tên)"), _("(Ký, ghi rõ họ tên, đóng dấu)")]
    step = max(1, len(COLUMNS) // len(signers))
    sheet.append(_spread(sheet, signers, step, font=BOLD))
    sheet.append(_spread(sheet, [notes[0], notes[1], notes[1], notes[1]], step))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _spread(sheet, values, step, **style):
    cells = []
    for value in values:
        cells.append(_cell(sheet, value, **style))
        cells.extend([None] * (step - 1))
    return cells


# --- the view -------------------------------------------------------------------------------------------


def filename(report, extension):
    where = (report.agency or report.province).code if (report.agency or report.province) else "all"
    return f"danh-sach-buu-chinh-{where}-{report.start:%Y%m%d}-{report.end:%Y%m%d}.{extension}"


@extend_schema(
    parameters=[
        OpenApiParameter("province", str, description="Mã tỉnh"),
        OpenApiParameter("agency", str, description="Mã cơ quan"),
        OpenApiParameter("from", OpenApiTypes.DATE, description="Từ ngày (tính cả ngày này)"),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Đến ngày (tính cả ngày này)"),
        OpenApiParameter("format", str, enum=["json", "csv", "xlsx"]),
        OpenApiParameter("cursor", str, description="JSON: trang tiếp theo (giá trị `next`)"),
        OpenApiParameter("page_size", int, description="JSON: số dòng mỗi trang (mặc định 500, tối đa 5000)"),
    ],
    responses={200: OpenApiTypes.OBJECT},
)
class PostalReportView(APIView):
    """Danh sách xác nhận hồ sơ tiếp nhận và trả kết quả qua dịch vụ bưu chính công ích."""

    permission_classes = [IsAuthenticated]
    content_negotiation_class = FormatIsOurs

    def get(self, request):
        if not may_report(request.user):
            return Response({"detail": _("Bạn không có quyền xem báo cáo bưu chính công ích.")}, status=403)
        form = PostalReportForm(request.query_params)
        if not form.is_valid():
            return Response(form_errors(form), status=400)
        report = PostalReport.for_request(request.user, form.cleaned_data)
        kind = form.cleaned_data["format"]
        if kind == "csv":
            response = StreamingHttpResponse(csv_lines(report), content_type=CSV_TYPE)
        elif kind == "xlsx":
            response = HttpResponse(xlsx_bytes(report), content_type=XLSX_TYPE)
        else:
            return Response(json_body(report, request))
        response["Content-Disposition"] = f'attachment; filename="{filename(report, kind)}"'
        return response
