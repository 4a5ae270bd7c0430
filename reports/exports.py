"""Xuất dữ liệu: every statistics table as CSV (UTF-8 with BOM, so Excel opens Vietnamese text) or XLSX.

Two tables:

* ``index``: the service index of a `ReportQuery`, one row per group (or one row for the whole scope), every
  counter and rate of `Totals.row()`; small (at most a few hundred groups), downloaded at once from the pages;
* ``dossiers``: the dossiers behind the numbers (received in the window, or open at its start), one row each,
  without any personal data (no applicant name, phone, address); long, so built by the Celery task
  `reports.tasks.build_export`, which records its progress on the `Export` row.

`run_export(export_id)` re-checks the requester's scope (`params.resolve`) before it reads anything."""

from __future__ import annotations

import csv
import io
import logging
from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dossiers.models import Dossier

from . import engine
from .indicators import day_start, withdrawn_before
from .models import Export
from .params import ReportQuery, resolve

log = logging.getLogger("motcua.reports")

RATE_FIELDS = {"on_time_rate", "late_rate", "online_rate", "online_payment_rate", "postal_share", "done_on_time_share"}
INDEX_COLUMNS = [
    ("received_online", gettext_lazy("Tiếp nhận trực tuyến")),
    ("received_postal", gettext_lazy("Tiếp nhận qua bưu chính công ích")),
    ("received_walk_in", gettext_lazy("Tiếp nhận trực tiếp")),
    ("received_total", gettext_lazy("Tổng tiếp nhận mới")),
    ("carried_over", gettext_lazy("Kỳ trước chuyển qua")),
    ("done_early", gettext_lazy("Giải quyết trước hạn")),
    ("done_on_time", gettext_lazy("Giải quyết đúng hạn")),
    ("done_late", gettext_lazy("Giải quyết quá hạn")),
    ("done_total", gettext_lazy("Tổng đã giải quyết")),
    ("in_progress_within", gettext_lazy("Đang giải quyết trong hạn")),
    ("in_progress_overdue", gettext_lazy("Đang giải quyết quá hạn")),
    ("paused", gettext_lazy("Đang tạm dừng")),
    ("withdrawn", gettext_lazy("Rút hồ sơ")),
    ("refused", gettext_lazy("Từ chối tiếp nhận")),
    ("on_time_rate", gettext_lazy("Tỷ lệ đúng hạn")),
    ("late_rate", gettext_lazy("Tỷ lệ trễ hạn")),
    ("done_on_time_share", gettext_lazy("Tỷ lệ giải quyết đúng và trước hạn")),
    ("online_rate", gettext_lazy("Tỷ lệ nộp trực tuyến")),
    ("online_payment_rate", gettext_lazy("Tỷ lệ thanh toán trực tuyến")),
    ("postal_eligible", gettext_lazy("Hồ sơ của TTHC qua bưu chính")),
    ("postal_used", gettext_lazy("Trong đó dùng bưu chính")),
    ("postal_share", gettext_lazy("Tỷ lệ qua bưu chính công ích")),
    ("door_to_door", gettext_lazy("Trọn gói tại địa chỉ")),
    ("avg_processing_working_days", gettext_lazy("Thời gian giải quyết trung bình (ngày làm việc)")),
    ("satisfaction_avg", gettext_lazy("Mức độ hài lòng trung bình")),
    ("rated_1", gettext_lazy("Đánh giá 1 điểm")),
    ("rated_2", gettext_lazy("Đánh giá 2 điểm")),
    ("rated_3", gettext_lazy("Đánh giá 3 điểm")),
    ("rated_4", gettext_lazy("Đánh giá 4 điểm")),
    ("rated_5", gettext_lazy("Đánh giá 5 điểm")),
]
DOSSIER_COLUMNS = [
    ("code", gettext_lazy("Mã hồ sơ")),
    ("procedure__code", gettext_lazy("Mã thủ tục")),
    ("procedure__name", gettext_lazy("Tên thủ tục")),
    ("agency__name", gettext_lazy("Cơ quan")),
    ("desk__name", gettext_lazy("Bộ phận Một cửa")),
    ("intake_channel", gettext_lazy("Kênh nộp")),
    ("return_channel", gettext_lazy("Kênh nhận kết quả")),
    ("received_at", gettext_lazy("Ngày tiếp nhận")),
    ("due_at", gettext_lazy("Hạn trả kết quả")),
    ("completed_at", gettext_lazy("Ngày có kết quả")),
    ("returned_at", gettext_lazy("Ngày trả kết quả")),
    ("status", gettext_lazy("Trạng thái")),
    ("timeliness", gettext_lazy("Tiến độ")),
    ("rating", gettext_lazy("Đánh giá")),
]
CHUNK = 2000


def index_table(query: ReportQuery, now=None):
    """(header, rows) of the service index: a label column, then INDEX_COLUMNS."""
    now = now or timezone.now()
    header = [_("Nhóm"), *[str(label) for _key, label in INDEX_COLUMNS]]
    rows = []
    if query.group_by:
        items = engine.groups(query.scope, query.start, query.end, query.group_by, now)
        for item in items:
            values = item.totals.row()
            rows.append([item.label, *[values[key] for key, _label in INDEX_COLUMNS]])
    values = engine.totals(query.scope, query.start, query.end, now).row()
    rows.append([_("Tổng cộng"), *[values[key] for key, _label in INDEX_COLUMNS]])
    return header, rows


def dossier_queryset(query: ReportQuery):
    """The dossiers behind the numbers: received in the window, or received before it and open at its start."""
    start, end = day_start(query.start), day_start(query.end)
    open_at_start = Q(received_at__lt=start) & (Q(completed_at__isnull=True) | Q(completed_at__gte=start))
    return (
        Dossier.objects.filter(query.scope.q(), received_at__isnull=False)
        .exclude(withdrawn_before(start))
        .filter(Q(received_at__gte=start, received_at__lt=end) | open_at_start)
        .order_by("received_at", "pk")
    )


def _cell(value):
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else value


def dossier_rows(query: ReportQuery, progress=None):
    """Yield the dossier rows in chunks; `progress(done, total)` after each chunk."""
    queryset = dossier_queryset(query)
    total = queryset.count()
    fields = [key for key, _label in DOSSIER_COLUMNS]
    done = 0
    last = None
    while True:
        chunk = queryset
        if last is not None:
            chunk = chunk.filter(Q(received_at__gt=last[0]) | Q(received_at=last[0], pk__gt=last[1]))
        batch = list(chunk.values_list(*fields, "pk")[:CHUNK])
        if not batch:
            break
        for row in batch:
            yield [_cell(value) for value in row[:-1]]
        last = (batch[-1][7], batch[-1][-1])
        done += len(batch)
        if progress:
            progress(done, total)


def to_csv(header, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def to_xlsx(header, rows, title="") -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(title or _("Thống kê"))[:31])
    rate_labels = {str(label) for key, label in INDEX_COLUMNS if key in RATE_FIELDS}
    rate_columns = {i for i, name in enumerate(header) if name in rate_labels}
    bold = Font(bold=True)

    head = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            cell = WriteOnlyCell(sheet, value=value)
            if i in rate_columns and isinstance(value, float):
                cell.number_format = "0.00%"
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def render(header, rows, fmt, title=""):
    """(bytes, content type, extension)."""
    if fmt == Export.Format.XLSX:
        return (
            to_xlsx(header, rows, title),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    return to_csv(header, rows), "text/csv; charset=utf-8", "csv"


def filename(query: ReportQuery, kind, extension):
    scope = query.procedure or query.desk or query.agency or query.province
    code = getattr(scope, "code", None) or (str(scope.pk) if scope else "all")
    return f"thong-ke-{kind}-{code}-{query.start:%Y%m%d}-{query.end:%Y%m%d}.{extension}".replace("/", "-")


def run_export(export_id):
    """Build the file of one Export row (the Celery task's body); idempotent: a finished export is left alone."""
    with transaction.atomic():
        export = Export.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status in (Export.Status.DONE, Export.Status.RUNNING):
            return None
        export.status = Export.Status.RUNNING
        export.progress = 0
        export.save(update_fields=["status", "progress"])
    try:
        query = resolve(export.requested_by, export.params)

        def progress(done, total):
            percent = min(99, int(done * 100 / total)) if total else 99
            Export.objects.filter(pk=export.pk).update(progress=percent, rows=done)

        if export.kind == Export.Kind.DOSSIERS:
            header = [str(label) for _key, label in DOSSIER_COLUMNS]
            rows = list(dossier_rows(query, progress))
        else:
            header, rows = index_table(query)
        content, _type, extension = render(header, rows, export.format, export.title)
        export.file.save(filename(query, export.kind, extension), ContentFile(content), save=False)
        export.status = Export.Status.DONE
        export.progress = 100
        export.rows = len(rows)
    except Exception as error:  # recorded on the row for the requester; the worker goes on
        log.exception("export %s failed", export_id)
        export.status = Export.Status.FAILED
        export.error = str(error)[:2000]
    export.finished_at = timezone.now()
    export.save(update_fields=["file", "status", "progress", "rows", "error", "finished_at"])
    return export.status
