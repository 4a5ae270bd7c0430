"""The payment API (thanh toán trực tuyến):

    POST /api/v1/dossiers/{code}/pay/                 the owner starts (or resumes) a payment → {redirect_url}
    GET  /api/v1/dossiers/{code}/receipt/             the e-receipt (biên lai điện tử), to whoever sees the dossier
    POST /api/v1/payments/callback/{provider}/        the provider's callback: no login, its signature is the proof

Dossiers are found through `access.visible_dossiers` (anything else is 404); every change
goes through `dossiers.payments`."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.client_address import client_address
from portal.jsonsafe import JSONParser  # bounded depth, finite numbers, no lone surrogates

from ..access import visible_dossiers
from . import service as payments


class PayRequestSerializer(serializers.Serializer):
    return_url = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text=_("Nơi cổng thanh toán đưa người dân quay về (mặc định: trang hồ sơ); chỉ địa chỉ của cổng này."),
    )


class PayResponseSerializer(serializers.Serializer):
    redirect_url = serializers.CharField()
    reference = serializers.CharField()
    amount = serializers.IntegerField()
    provider = serializers.CharField()
    status = serializers.CharField()


class ReceiptSerializer(serializers.Serializer):
    receipt_number = serializers.CharField()
    dossier = serializers.CharField()
    procedure = serializers.CharField()
    procedure_name = serializers.CharField()
    agency = serializers.CharField()
    desk = serializers.CharField()
    payer_name = serializers.CharField()
    payer_address = serializers.CharField()
    content = serializers.CharField()
    fee_group = serializers.CharField(help_text=_("mã đối tượng nộp phí (api.md fees)"))
    fee_group_label = serializers.CharField(help_text=_("tên đối tượng; rỗng khi thủ tục chỉ có mức thu chung"))
    amount = serializers.IntegerField()
    amount_in_words = serializers.CharField()
    currency = serializers.CharField()
    provider = serializers.CharField()
    provider_label = serializers.CharField()
    reference = serializers.CharField()
    transaction_id = serializers.CharField()
    paid_at = serializers.DateTimeField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    refunded_at = serializers.DateTimeField(allow_null=True)
    url = serializers.CharField()


class CallbackAckSerializer(serializers.Serializer):
    result = serializers.CharField()
    detail = serializers.CharField()


def _site(path):
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def dossier_page_path(dossier, user=None):
    """The dossier's page for this user (the citizen's or the officer's), if the pages are wired."""
    from django.urls import NoReverseMatch

    name = "dossiers:detail" if user is None or getattr(user, "is_citizen", True) else "dossiers:officer_detail"
    try:
        return reverse(name, args=[dossier.code])
    except NoReverseMatch:
        return reverse("payments:pay", args=[dossier.code])


def return_url_for(request, dossier, wanted=""):
    """Where the gateway sends the citizen back: `wanted` if it is on this site, else the dossier page."""
    site_host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0]
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host(), site_host}, require_https=request.is_secure()
    ):
        return wanted if "://" in wanted else request.build_absolute_uri(wanted)
    return request.build_absolute_uri(dossier_page_path(dossier, request.user))


class PayView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="dossiers_pay",
        tags=["payments"],
        request=PayRequestSerializer,
        responses={
            200: PayResponseSerializer,
            400: OpenApiResponse(description=_("Hồ sơ không thanh toán trực tuyến")),
            403: OpenApiResponse(description=_("Không phải chủ hồ sơ")),
            409: OpenApiResponse(description=_("Đã thanh toán, hoặc trạng thái hồ sơ không cho phép")),
            502: OpenApiResponse(description=_("Cổng thanh toán không phản hồi")),
        },
    )
    def post(self, request, code):
        dossier = get_object_or_404(visible_dossiers(request.user), code=code)
        data = PayRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return_url = return_url_for(request, dossier, data.validated_data.get("return_url", ""))
        try:
            payment = payments.start_payment(dossier, request.user, return_url=return_url)
        except payments.PaymentUnavailable as exc:
            return Response({"detail": exc.message}, status=status.HTTP_502_BAD_GATEWAY)
        return Response(
            PayResponseSerializer(
                {
                    "redirect_url": payment.redirect_url,
                    "reference": payment.reference,
                    "amount": payment.amount,
                    "provider": payment.provider,
                    "status": payment.status,
                }
            ).data
        )


class ReceiptView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="dossiers_receipt", tags=["payments"], responses={200: ReceiptSerializer})
    def get(self, request, code):
        queryset = visible_dossiers(request.user).select_related("procedure", "agency", "desk")
        dossier = get_object_or_404(queryset, code=code)
        payment = payments.receipt_payment(dossier)
        if payment is None:
            raise NotFound(_("Hồ sơ chưa có biên lai thanh toán điện tử."))
        data = payments.receipt_data(payment)
        data["url"] = request.build_absolute_uri(reverse("payments:receipt", args=[dossier.code]))
        return Response(ReceiptSerializer(data).data)


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


class CallbackView(APIView):
    """A provider's server calls this; nothing but its signature is trusted. A body over
    PAYMENT_CALLBACK_MAX_BYTES is a 413 unread (portal/body_limits.py); a provider switched off
    (the demo one in production) is a 404; a verified call is logged in full, a refused one as a
    bounded summary, rate-limited per client address (dossiers.payments.service.handle_callback)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    parser_classes = [JSONParser, FormParser]
    max_body_bytes_setting = "PAYMENT_CALLBACK_MAX_BYTES"

    @extend_schema(
        operation_id="payments_callback",
        tags=["payments"],
        request={"application/json": {"type": "object", "additionalProperties": True}},
        responses={
            200: CallbackAckSerializer,
            400: CallbackAckSerializer,
            404: OpenApiResponse(description=_("Không có đơn vị thanh toán này trên hệ thống")),
            413: OpenApiResponse(description=_("Dữ liệu gửi lên quá lớn")),
            429: CallbackAckSerializer,
        },
    )
    def post(self, request, provider):
        try:
            chosen = payments.get_provider(provider)
        except payments.UnknownProvider:
            raise Http404
        if not chosen.enabled():
            raise Http404
        raw = request.body
        try:
            data = request.data
            data = data.dict() if hasattr(data, "dict") else data
        except ParseError:
            data = {"unparsed": raw[:10000].decode("utf-8", "replace")}
        if not isinstance(data, dict):  # `null`, a list, a number: logged as text (the payload column is NOT NULL)
            data = {"unparsed": raw[:10000].decode("utf-8", "replace")}
        data = _without_nul(data)  # PostgreSQL cannot store U+0000 in JSON: logged without it (the signature fails)
        callback = payments.handle_callback(chosen, data, remote_addr=client_address(request), raw=raw)
        code, body = chosen.acknowledge(callback)
        return Response(CallbackAckSerializer(body).data, status=code)
