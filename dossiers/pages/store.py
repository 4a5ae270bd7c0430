"""The citizen's document store on the pages (issue 16): "Giấy tờ của tôi" (every stored document by kind, newest
first, the dossiers using it, "Xoá khỏi kho"), its files (the owner's only: anyone else gets a 404), and "Dùng lại
từ kho" on a draft's documents page. The rules are dossiers/services/store.py's and uploads.reuse_document's."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..services import store
from ..serving import file_response
from .common import call_service, citizen_required


def group_by_kind(entries):
    """[{"label", "entries"}]: the entries (newest first) by their kind as the citizen reads it, the kind with
    the newest document first."""
    groups = {}
    for entry in entries:
        groups.setdefault(entry.label, []).append(entry)
    return [{"label": label, "entries": items} for label, items in groups.items()]


@citizen_required
def my_documents(request):
    """Giấy tờ của tôi: what the citizen uploaded and the e-results they received, by kind, newest first."""
    entries = store.with_uses(store.store_of(request.user))
    return render(request, "dossiers/citizen/store.html", {"groups": group_by_kind(entries), "count": len(entries)})


def _entry(user, pk):
    entry = store.store_of(user).filter(pk=pk).first()
    if entry is None:
        raise Http404
    return entry


@require_GET
@citizen_required
def stored_file(request, pk):
    """A file of the citizen's own store (another citizen's, or one removed, is a 404), served as every dossier
    file is (dossiers/serving.py: an image inline for the preview, anything else an attachment)."""
    entry = _entry(request.user, pk)
    return file_response(
        entry.file, entry.original_name, content_type=entry.content_type, download=request.GET.get("download") == "1"
    )


@require_POST
@citizen_required
def remove_stored(request, pk):
    """ "Xoá khỏi kho": the first post asks again (what, and that the dossiers keep their copy); the confirmed post
    removes it through store.remove_from_store, which refuses while an open dossier uses it."""
    entry = store.with_uses([_entry(request.user, pk)])[0]
    back = reverse("dossiers:my_documents")
    if not entry.removable:
        codes = ", ".join(d.code for d in entry.open_dossiers)
        messages.error(
            request,
            _("Giấy tờ “%(name)s” đang được dùng trong hồ sơ chưa giải quyết xong (%(codes)s) nên chưa xoá được.")
            % {"name": entry.original_name, "codes": codes},
        )
        return redirect(back)
    if request.POST.get("confirm") != "1":
        return render(request, "dossiers/citizen/store_confirm_remove.html", {"entry": entry, "back_url": back})
    _result, status = call_service(request, None, lambda: store.remove_from_store(request.user, entry.pk))
    if status == 200:
        messages.success(request, _("Đã xoá “%(name)s” khỏi kho giấy tờ.") % {"name": entry.original_name})
    return redirect(back)


def attach_offers(rows, dossier, user, reuse_error=None):
    """Each row of the documents page gets `offers` (the store's entries that count as its document) and
    `reuse_error` (a refused reuse of it, shown beside it). False when the refusal names no row of the page."""
    found = store.offers(dossier, user)
    shown = False
    for row in rows:
        row["offers"] = found.get(row["code"], [])
        row["reuse_error"] = reuse_error[1] if reuse_error and reuse_error[0] == row["code"] else ""
        shown = shown or bool(row["reuse_error"])
    return shown or not reuse_error
