"""Kiểm tra kết quả điện tử (public, no login): upload a file and learn whether it is an e-result motcua signed
and nobody changed since (portal/signing verify_pdf, as POST /api/v1/results/verify/ answers).

The QR code of a signature block opens `/kiem-tra-ket-qua/?ho_so=<code>`: the page then says what a valid result
of that dossier names (the agency, the signer, the time: the block's own facts, nothing about the applicant) and
invites to upload the file to check it, since only the file itself proves it is unaltered. Checks and look-ups
are counted per client (VERIFY_PAGE_CHECKS per VERIFY_PAGE_WINDOW seconds): past them a friendly 429."""

from django import forms
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal import signing
from portal.counters import count_in_window
from portal.widgets import FilePicker

from ..models import SignedResult
from .public import client_ident


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp kết quả điện tử (PDF)"),
        help_text=_("Tệp PDF bạn đã tải về hoặc nhận được; tệp không được lưu lại."),
        error_messages={"required": _("Vui lòng chọn tệp kết quả cần kiểm tra.")},
        widget=FilePicker(attrs={"accept": "application/pdf"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.SIGNING_VERIFY_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("Tệp quá lớn; tối đa %(limit)s MB.") % {"limit": f"{limit / 1024 / 1024:.0f}"}, code="too_large"
            )
        return upload


def _over_limit(request):
    window = settings.VERIFY_PAGE_WINDOW
    used = count_in_window(f"motcua:verify-page:{client_ident(request)}", window)
    return used > settings.VERIFY_PAGE_CHECKS, window


def _expected(code):
    """What a valid result of dossier `code` names (None: no signed result under that code)."""
    code = (code or "").strip()[:80]
    if not code:
        return None
    return SignedResult.objects.select_related("dossier", "certificate__agency").filter(dossier__code=code).first()


@never_cache
@require_http_methods(["GET", "POST"])
def verify_result(request):
    code = request.GET.get("ho_so", "")
    if request.method == "POST" or code:
        limited, window = _over_limit(request)
        if limited:
            context = {"minutes": window // 60}
            return render(request, "dossiers/public/tracking_limited.html", context, status=429)
    form = VerifyForm(request.POST, request.FILES) if request.method == "POST" else VerifyForm()
    result, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            upload.seek(0)
            result = signing.verify_pdf(upload.read())
        else:
            status = 400
    context = {"form": form, "result": result, "code": code.strip()[:80], "expected": _expected(code)}
    return render(request, "dossiers/public/verify_result.html", context, status=status)


verify_result.max_body_bytes_setting = "SIGNING_VERIFY_MAX_BYTES"  # portal/body_limits.py: 413 before reading
