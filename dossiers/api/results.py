"""Kiểm tra kết quả điện tử: POST /api/v1/results/verify/ (api.md "Identity and signed results").

Anyone, without logging in, sends a file (multipart `file`) and learns whether it is an e-result motcua signed
and nobody changed since: `{valid, dossier, agency, signer, signed_at, reason}` (portal/signing verify_pdf). Any
file gets an answer (200, `valid` false with the reason for garbage, an unsigned PDF, a changed byte); a request
without a file, or a file over SIGNING_VERIFY_MAX_BYTES, is a 400 (a body over it a 413 before it is read).
Throttled per client address like the other anonymous endpoints (scope "verify", VERIFY_RATE)."""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from portal import signing
from portal.counters import DatabaseFallback


def _human(size):
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


class VerifyRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=gettext_lazy("tệp kết quả điện tử cần kiểm tra (PDF)"))

    def validate_file(self, upload):
        limit = settings.SIGNING_VERIFY_MAX_BYTES
        if upload.size > limit:
            raise serializers.ValidationError(
                _("Tệp quá lớn (%(size)s); tối đa %(limit)s.") % {"size": _human(upload.size), "limit": _human(limit)}
            )
        return upload


class VerificationSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    dossier = serializers.CharField(allow_null=True, help_text=gettext_lazy("mã hồ sơ ghi trong chữ ký"))
    agency = serializers.CharField(allow_null=True, help_text=gettext_lazy("cơ quan có chứng thư số đã ký"))
    signer = serializers.CharField(allow_null=True, help_text=gettext_lazy("người ký"))
    signed_at = serializers.DateTimeField(allow_null=True, help_text=gettext_lazy("thời điểm ký"))
    reason = serializers.CharField(allow_blank=True, help_text=gettext_lazy("lý do không hợp lệ (rỗng khi hợp lệ)"))


class VerifyThrottle(DatabaseFallback, AnonRateThrottle):
    """Verifications per client address; kept in the database while the cache is down (issue 12.7)."""

    scope = "verify"


def read_upload(upload):
    upload.seek(0)
    return upload.read()


class VerifyResultView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = [VerifyThrottle]
    parser_classes = [MultiPartParser, FormParser]
    max_body_bytes_setting = "SIGNING_VERIFY_MAX_BYTES"  # portal/body_limits.py: 413 before the body is read

    @extend_schema(request={"multipart/form-data": VerifyRequestSerializer}, responses={200: VerificationSerializer})
    def post(self, request):
        data = VerifyRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = signing.verify_pdf(read_upload(data.validated_data["file"]))
        return Response(VerificationSerializer(result.as_dict()).data)
