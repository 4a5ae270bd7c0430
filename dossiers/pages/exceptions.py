"""The head's queue of urgent-exception requests (seed 003, Quảng Bình 1318/UBND-KSTT): what officers of
the agency's desks asked, approved or declined here through `services.approve_exception` /
`services.decline_exception` (only a head of the dossier's agency; others see the list and get 403 on a
decision)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.models import Role

from .. import services
from ..access import visible_dossiers
from ..models import ExceptionRequest
from .common import call_service, staff_required
from .forms import NoteForm


def _requests(user):
    visible = visible_dossiers(user).values("pk")
    return ExceptionRequest.objects.filter(dossier_id__in=visible).select_related(
        "dossier__procedure", "requested_by", "decided_by"
    )


@staff_required
def exception_queue(request):
    requests = _requests(request.user)
    pending = list(requests.filter(state=ExceptionRequest.State.PENDING).order_by("requested_at", "id"))
    decided = Paginator(requests.exclude(state=ExceptionRequest.State.PENDING).order_by("-decided_at", "-id"), 25)
    context = {
        "pending": pending,
        "decided": decided.get_page(request.GET.get("page")),
        "is_head": request.user.role == Role.HEAD,
        "forms": {item.pk: NoteForm(prefix=f"r{item.pk}") for item in pending},
    }
    return render(request, "dossiers/officer/exceptions.html", context)


@require_POST
@staff_required
def exception_decide(request, pk, decision):
    if decision not in ("approve", "decline"):
        raise Http404
    asked = get_object_or_404(_requests(request.user), pk=pk)
    form = NoteForm(request.POST, prefix=f"r{pk}")
    note = form.data.get(f"r{pk}-note", "")
    call = services.approve_exception if decision == "approve" else services.decline_exception
    result, status = call_service(request, None, lambda: call(asked, request.user, note))
    if result is not None:
        text = _("Đã phê duyệt trường hợp khẩn cấp của hồ sơ %(code)s.")
        if decision == "decline":
            text = _("Đã không phê duyệt đề nghị của hồ sơ %(code)s.")
        messages.success(request, text % {"code": asked.dossier.code})
    return redirect("dossiers:exception_queue")
