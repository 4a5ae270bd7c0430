"""Request bodies are bounded before anything reads them (HTTP 413 otherwise).

Django checks DATA_UPLOAD_MAX_MEMORY_SIZE only when `request.body` or `request.POST` is read,
and the REST framework's parsers read the stream directly, so a JSON body of any size reached
the API (anonymous endpoints included: registration, tickets, payment callbacks). This
middleware refuses, from the declared Content-Length, before the body is read:

- a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE, except multipart uploads, which may carry
  documents up to UPLOAD_MAX_DOSSIER_BYTES (their files are streamed to disk, and
  dossiers/services/uploads.py checks each against UPLOAD_MAX_FILE_BYTES);
- a body larger than the view's own limit: a view (or a REST framework view class) with
  `max_body_bytes_setting = "NAME"` is bounded by settings.NAME (the payment callback:
  PAYMENT_CALLBACK_MAX_BYTES).

A body without Content-Length is read as empty by Django's WSGI handler, so it needs no check."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

MULTIPART = "multipart/form-data"


def _declared_length(request):
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def _too_large(request, limit):
    message = _("Dữ liệu gửi lên quá lớn (tối đa %(limit)s byte).") % {"limit": f"{limit:,}".replace(",", ".")}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


def overall_limit(request):
    """The largest body any view takes for this request's content type."""
    fields = settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # None: Django's "no limit"
    if (request.content_type or "").lower() == MULTIPART:
        return settings.UPLOAD_MAX_DOSSIER_BYTES + (fields or 0)
    return fields


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = overall_limit(request)
        if limit is not None and _declared_length(request) > limit:
            return _too_large(request, limit)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        owner = getattr(view_func, "cls", view_func)  # a REST framework view carries its class
        name = getattr(owner, "max_body_bytes_setting", None)
        if name and _declared_length(request) > getattr(settings, name):
            return _too_large(request, getattr(settings, name))
        return None
