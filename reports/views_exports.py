"""Background exports: the page asks (POST), a Celery task builds the file (`reports.tasks.build_export`), the
page polls a small JSON endpoint for the progress and then shows the download link. Only the person who asked
sees the export's page, its status and its file (anyone else: 404)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .models import Export
from .params import may_see_statistics, resolve

QUERY_KEYS = ("province", "agency", "desk", "procedure", "from", "to", "period", "date", "group_by")


def _mine(request, pk):
    return get_object_or_404(Export, pk=pk, requested_by=request.user)


@login_required
@require_POST
def export_create(request):
    if not may_see_statistics(request.user):
        raise PermissionDenied(_("Bạn không có quyền xem thống kê."))
    kind, fmt = request.POST.get("kind"), request.POST.get("format")
    if kind not in Export.Kind.values or fmt not in Export.Format.values:
        return HttpResponseBadRequest(_("Loại hoặc định dạng tệp không hợp lệ."))
    data = {key: request.POST[key] for key in QUERY_KEYS if request.POST.get(key)}
    try:
        query = resolve(request.user, data)
    except ValidationError as error:
        return HttpResponseBadRequest("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items()))
    params = query.params()
    if kind == Export.Kind.DOSSIERS:
        params.pop("group_by", None)
    title = f"{Export.Kind(kind).label} – {query.scope_label} – {query.window_label}"
    with transaction.atomic():
        export = Export.objects.create(
            kind=kind,
            format=fmt,
            params=params,
            title=title[:300],
            requested_by=request.user,
            created_at=timezone.now(),
        )
        from .tasks import build_export

        transaction.on_commit(lambda: build_export.delay(export.pk))
    return redirect("reports:export_detail", pk=export.pk)


@login_required
def export_list(request):
    exports = Export.objects.filter(requested_by=request.user)[:50]
    return render(request, "reports/export_list.html", {"exports": exports})


@login_required
def export_detail(request, pk):
    return render(request, "reports/export_detail.html", {"export": _mine(request, pk)})


@login_required
def export_status(request, pk):
    export = _mine(request, pk)
    done = export.status == Export.Status.DONE and bool(export.file)
    return JsonResponse(
        {
            "status": export.status,
            "status_label": str(export.get_status_display()),
            "progress": export.progress,
            "rows": export.rows,
            "download_url": reverse("reports:export_file", args=[export.pk]) if done else None,
            "error": _("Không tạo được tệp, vui lòng thử lại.") if export.status == Export.Status.FAILED else "",
        }
    )


@login_required
def export_file(request, pk):
    export = _mine(request, pk)
    if export.status != Export.Status.DONE or not export.file:
        raise Http404
    name = export.file.name.rsplit("/", 1)[-1].split("-", 1)[-1]
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=name)
