"""The campaign API (province admins of the campaign's province; others 403, another
province's campaign 404) and the walk-in queue-ticket API of a desk (api.md)."""

from datetime import UTC, datetime

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api import get_procedure_by_code
from portal.errors import Forbidden
from portal.models import OneStopDesk, Procedure, Province

from . import serializers as s
from . import services, tickets
from .models import Session
from .policy import effective_policy, postal_fee
from .services import waived_amount
from .throttles import booking_throttles


def _local(value):
    """Moments as ISO 8601 with the local offset (api.md), inside any dicts and lists."""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, dict):
        return {key: _local(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_local(item) for item in value]
    return value


class IsCampaignManager(permissions.IsAuthenticated):
    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        services.require_manager(request.user)
        return True


class CampaignViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IsCampaignManager]
    serializer_class = s.CampaignSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        queryset = services.manageable(self.request.user).select_related("province", "created_by")
        province = self.request.query_params.get("province")
        state = self.request.query_params.get("status")
        if province:
            queryset = queryset.filter(province__code=province)
        if state:
            queryset = queryset.filter(status=state)
        return queryset

    def _province(self, code):
        user = self.request.user
        if user.is_superuser:
            if not code:
                raise ValidationError({"province": [_("Vui lòng chọn tỉnh.")]})
            province = Province.objects.filter(code=code).first()
            if province is None:
                raise ValidationError({"province": [_("Không có tỉnh mã %(code)s.") % {"code": code}]})
            return province
        if code and code != user.province.code:
            raise Forbidden(_("Chỉ được tạo đợt áp dụng cho tỉnh của mình."))
        return user.province

    def _out(self, campaign, code=status.HTTP_200_OK):
        campaign = self.get_queryset().get(pk=campaign.pk)
        return Response(s.CampaignSerializer(campaign).data, status=code)

    @extend_schema(request=s.CampaignWriteSerializer, responses={201: s.CampaignSerializer})
    def create(self, request):
        data = s.CampaignWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        province = self._province(values.pop("province", None))
        campaign = services.create_campaign(request.user, province, **values)
        return self._out(campaign, status.HTTP_201_CREATED)

    @extend_schema(request=s.CampaignWriteSerializer, responses=s.CampaignSerializer)
    def partial_update(self, request, pk=None):
        campaign = self.get_object()
        data = s.CampaignWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        code = values.pop("province", None)
        if code and code != campaign.province.code:
            raise ValidationError({"province": [_("Không thể chuyển đợt sang tỉnh khác.")]})
        campaign = services.update_campaign(campaign, request.user, **values)
        return self._out(campaign)

    @extend_schema(request=None, responses=s.CampaignSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        return self._out(services.activate(self.get_object(), request.user))

    @extend_schema(request=s.EndSerializer, responses=s.CampaignSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        data = s.EndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._out(services.end(self.get_object(), request.user, data.validated_data["note"]))

    @extend_schema(
        parameters=[OpenApiParameter("at", str, description=_("thời điểm xem trước (ISO 8601)"))],
        responses={200: dict},
    )
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        at = _moment(request.query_params["at"]) if request.query_params.get("at") else None
        result = services.preview(self.get_object(), at, limit=settings.CAMPAIGN_PREVIEW_LIMIT)
        return Response(_local(result))

    @extend_schema(responses=s.CampaignEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        events = self.get_object().events.select_related("actor")
        return Response(s.CampaignEventSerializer(events, many=True).data)


# --- the effective policy of a procedure ---------------------------------------------------


def _moment(value):
    """`at` as an aware moment (naive = local time); None for now; 400 when unreadable."""
    if value in (None, ""):
        return timezone.now()
    at = None
    # An unencoded "+07:00" arrives as " 07:00".
    for text in (value.strip(), value.strip().replace(" ", "+")):
        try:
            at = at or parse_datetime(text)
        except ValueError:
            continue
    if at is None:
        raise ValidationError({"at": [_("Thời điểm không hợp lệ; dùng ISO 8601, ví dụ 2020-04-01T09:00:00+07:00.")]})
    try:  # year 1 at +14:00 (or 9999-12-31 at -10:00) has no UTC moment: it would overflow later
        at = timezone.make_aware(at) if timezone.is_naive(at) else at
        at.astimezone(UTC)
    except OverflowError:
        raise ValidationError({"at": [_("Thời điểm nằm ngoài khoảng cho phép.")]}) from None
    return at


def _sla(hours):
    return int(hours) if float(hours).is_integer() else hours


class ProcedurePolicyView(APIView):
    """GET /api/v1/procedures/{code}/policy/?desk=&at=&province=&zone=: what applies to a
    dossier of this procedure at that desk and moment (public: kiosks, the post's software,
    mobile apps). Without `at`, now; without `desk`, campaigns limited to some desks do not
    count. `postal_fee` is the post's tariff per leg before the waiver (null where the leg
    is closed or no tariff is known); `clock_paused_until` the last day of a clock stop.

    The waiver (issue 13, seed 001). `postal_fee_waived_percent` keeps its promise: the largest waiver
    of a campaign in force, whoever it covers. Beside it, never instead of it:
    - `postal_fee_waived_scope`: `all` (every leg of every dossier) or `switched` (only the return of a
      dossier filed before the campaign and switched to postal return during it: a new applicant does not
      get it);
    - `postal_fee_waived_percent_every_leg`: the waiver a dossier filed now gets on every leg (equal to
      `postal_fee_waived_percent` when the scope is `all`);
    - `postal_fee_charged {pickup, return}`: what a dossier filed now pays per leg, the tariff less that
      waiver (null where `postal_fee` is null).
    A client that shows "miễn 100%" reads the scope first."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("desk", int, description=_("mã số Bộ phận Một cửa")),
            OpenApiParameter("at", str, description=_("thời điểm (ISO 8601), mặc định bây giờ")),
            OpenApiParameter("province", str, description=_("mã tỉnh, khi mã thủ tục trùng giữa các tỉnh")),
            OpenApiParameter("zone", str, description=_("vùng cước bưu chính, mặc định default")),
        ],
        responses=s.ProcedurePolicySerializer,
    )
    def get(self, request, code):
        params = request.query_params
        errors, desk = {}, None
        try:
            at = _moment(params.get("at"))
        except ValidationError as exc:
            errors.update(exc.detail)
        try:
            procedure = get_procedure_by_code(
                code, params.get("province"), Procedure.objects.select_related("province", "agency")
            )
        except ValidationError as exc:  # the code is in several provinces: ?province= is needed
            raise ValidationError({**errors, **exc.detail})
        if params.get("desk") not in (None, ""):
            value = params["desk"].strip()
            known = value.isdigit() and len(value) <= 18  # beyond a bigint: no such desk, not a 500
            desk = OneStopDesk.objects.filter(pk=int(value)).first() if known else None
            if desk is None:
                errors["desk"] = [_("Không có Bộ phận Một cửa số %(id)s.") % {"id": value}]
            elif desk.province_id != procedure.province_id:
                errors["desk"] = [_("Bộ phận Một cửa này không thuộc tỉnh của thủ tục.")]
        if errors:
            raise ValidationError(errors)
        policy = effective_policy(procedure, desk, at)
        zone = (params.get("zone") or "default").strip() or "default"
        data = policy.as_dict()
        fees = postal_fee(procedure, desk, at, zone=zone, policy=policy)
        every_leg = policy.postal_fee_waived_percent_every_leg
        data.update(
            procedure=procedure.code,
            province=procedure.province.code,
            desk=desk.pk if desk else None,
            at=timezone.localtime(at).isoformat(),
            zone=zone,
            postal_fee=fees,
            postal_fee_charged={
                leg: None if tariff is None else tariff - waived_amount(tariff, every_leg)
                for leg, tariff in fees.items()
            },
            pickup_sla_hours=_sla(policy.pickup_sla_hours),
            return_sla_hours=_sla(policy.return_sla_hours),
        )
        return Response(data)


# --- walk-in queue tickets -----------------------------------------------------------------


def _procedure(desk, value):
    if value in (None, ""):
        return None
    value = str(value).strip()
    queryset = Procedure.objects.filter(province_id=desk.province_id, active=True).select_related("agency")
    procedure = queryset.filter(code=value).first()
    if procedure is None and value.isdigit():
        procedure = queryset.filter(pk=int(value)).first()
    if procedure is None:
        raise ValidationError({"procedure": [_("Không tìm thấy thủ tục “%(code)s”.") % {"code": value}]})
    return procedure


class DeskTicketsView(APIView):
    """POST: anyone (a kiosk, a citizen) books a number; GET: the desk's officers list them."""

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_throttles(self):
        return booking_throttles() if self.request.method == "POST" else []  # every caller, page and API alike

    def _desk(self, pk):
        return get_object_or_404(OneStopDesk.objects.select_related("province"), pk=pk)

    @extend_schema(request=s.TicketRequestSerializer, responses={201: s.TicketSerializer})
    def post(self, request, pk):
        desk = self._desk(pk)
        data = s.TicketRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        ticket = tickets.book(
            desk,
            day=values["date"],
            session=values["session"],
            full_name=values["full_name"],
            phone=values["phone"],
            procedure=_procedure(desk, values.get("procedure")),
            user=request.user,
        )
        return Response(s.TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, description=_("ngày (YYYY-MM-DD), mặc định hôm nay")),
            OpenApiParameter("session", str, enum=list(Session.values), description="morning | afternoon"),
        ],
        responses={200: dict},
    )
    def get(self, request, pk):
        desk = self._desk(pk)
        if not tickets.can_serve(request.user, desk):
            raise Forbidden(_("Chỉ cán bộ của Bộ phận Một cửa này xem được danh sách số thứ tự."))
        day, session = tickets.current_session(desk)
        if request.query_params.get("date"):
            data = s.CallNextSerializer(data=request.query_params)
            data.is_valid(raise_exception=True)
            day = data.validated_data.get("date", day)
        session = request.query_params.get("session") or session
        if session not in Session.values:
            raise ValidationError({"session": [_("Chọn morning hoặc afternoon.")]})
        found = tickets.queue(desk, day, session)
        return Response(
            {
                "date": day.isoformat(),
                "session": session,
                "issued": found["issued"],
                "called": found["called"],
                "capacity": found["capacity"],
                "results": s.TicketDetailSerializer(found["tickets"], many=True).data,
            }
        )


class CallNextView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=s.CallNextSerializer, responses=s.TicketDetailSerializer)
    def post(self, request, pk):
        desk = get_object_or_404(OneStopDesk, pk=pk)
        if not tickets.can_serve(request.user, desk):
            raise Forbidden(_("Chỉ cán bộ của Bộ phận Một cửa này được gọi số."))
        data = s.CallNextSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = tickets.call_next(
            desk, request.user, data.validated_data.get("date"), data.validated_data.get("session")
        )
        return Response(s.TicketDetailSerializer(ticket).data)
