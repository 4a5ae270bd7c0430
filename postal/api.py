"""The postal API: /api/v1/postal-orders/ (api.md "Postal").

Who calls: the post office's own software (`Authorization: Bearer <token>`, an
IntegrationClient scoped to one province), postal clerks (session or `Token`), and, read
only, the other roles within `access.visible_orders`. Anything outside the caller's scope
is a 404. Every change goes through `services`; refusals map to 400 / 403 / 409.

- `GET /api/v1/postal-orders/?status=&kind=&province=&changed_since=`: without
  `changed_since`, by due time (cursor pagination). With it, the orders changed at or after
  that moment (ISO 8601) or after that cursor (the `next_changed_since` of the previous
  answer: a position on (updated_at, id)), oldest change first; rows changed in the last
  POSTAL_SYNC_LAG_SECONDS are left for the next call, so a transaction that commits late
  never slips behind a cursor.
- `POST /api/v1/postal-orders/{id}/<assign|pick-up|deliver|fail|cancel|handover>/`: with
  an `Idempotency-Key` header the first answer (status and body) is stored, and a retry
  with the same key and the same body gets it again without acting; the same key with a
  different body is 422.
"""

import hashlib
import json
from datetime import UTC, timedelta

import django_filters
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from portal.errors import Conflict, Forbidden, RuleError, api_exception_handler
from portal.models import User

from . import serializers as s
from . import services
from .access import orders_for_client, visible_orders
from .auth import IntegrationClientAuthentication, client_of
from .models import IdempotencyRecord, PostalOrder

STORED_STATUSES = {200, 201, 400, 409, 422}
PROBLEM = OpenApiResponse(
    description=_("400 dữ liệu sai; 403 không có quyền; 404 không thấy; 409 trạng thái không cho phép")
)
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=_("Gọi lại với cùng khoá (và cùng nội dung) nhận lại câu trả lời đầu tiên, không thực hiện lại."),
)


class PostalOrderFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=PostalOrder.Status.choices)
    kind = django_filters.ChoiceFilter(choices=PostalOrder.Kind.choices)
    province = django_filters.CharFilter(field_name="province__code", help_text=_("mã tỉnh"))
    dossier = django_filters.CharFilter(field_name="dossier__code", help_text=_("mã hồ sơ"))
    breached = django_filters.BooleanFilter(field_name="breached_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = PostalOrder
        fields = ["status", "kind", "province", "dossier", "breached"]


class DueCursor(CursorPagination):
    page_size = 50
    ordering = ("due_at", "id")


# --- changed_since: a cursor on (updated_at, id) --------------------------------------------------


def cursor_token(updated_at, pk):
    return f"{updated_at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}~{pk}"


def parse_cursor(value):
    """`2020-04-01T08:00:00+07:00` (changes at or after it) or a token `…Z~<id>` (after it)."""
    text, _sep, pk = (value or "").strip().partition("~")
    invalid = ValidationError({"changed_since": [_("Giá trị changed_since không hợp lệ (ISO 8601 hoặc con trỏ).")]})
    try:
        moment = parse_datetime(text.replace(" ", "+"))  # a "+" left unencoded in a query reads as a space
    except ValueError:  # well-formed but impossible, e.g. month 13 or an offset of 99 hours
        raise invalid from None
    if moment is None or (pk and not pk.isdigit()) or len(pk) > 18:
        raise invalid
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    try:
        # In UTC: PostgreSQL refuses offsets beyond ±15:59 that Python accepts.
        return moment.astimezone(UTC), int(pk or 0)
    except OverflowError:
        raise invalid from None


def changed_since(queryset, value):
    moment, pk = parse_cursor(value)
    lag = timedelta(seconds=getattr(settings, "POSTAL_SYNC_LAG_SECONDS", 5))
    queryset = queryset.filter(updated_at__lte=timezone.now() - lag)
    after = queryset.filter(updated_at__gt=moment) | queryset.filter(updated_at=moment, id__gt=pk)
    return after.order_by("updated_at", "id"), (moment, pk)


# --- idempotency ----------------------------------------------------------------------------------


def _caller(request):
    client = client_of(request)
    return f"client:{client.pk}" if client else f"user:{request.user.pk}"


def _answer(exc):
    response = api_exception_handler(exc, {})
    return response.status_code, response.data


def idempotent(request, name, order_id, perform):
    """Run `perform() -> (status, body)` once per Idempotency-Key of this caller."""
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if not key:
        return Response(*reversed(_run(perform)))
    if len(key) > 100:
        raise ValidationError({"Idempotency-Key": [_("Khoá Idempotency-Key dài tối đa 100 ký tự.")]})
    caller = _caller(request)
    fingerprint = hashlib.sha256(
        json.dumps({"action": name, "order": order_id, "body": request.data}, sort_keys=True, default=str).encode()
    ).hexdigest()

    def replay(record):
        if record.request_hash != fingerprint:
            return Response(
                {"detail": _("Khoá Idempotency-Key này đã được dùng cho một yêu cầu khác.")},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Response(record.body, status=record.status_code, headers={"Idempotent-Replayed": "true"})

    record = IdempotencyRecord.objects.filter(caller=caller, key=key).first()
    if record is not None:
        return replay(record)
    try:
        with transaction.atomic():
            code, body = _run(perform)
            if code in STORED_STATUSES:
                IdempotencyRecord.objects.create(
                    caller=caller,
                    key=key,
                    request_hash=fingerprint,
                    status_code=code,
                    body=json.loads(json.dumps(body, default=str)),
                    created_at=timezone.now(),
                )
    except IntegrityError:
        # The same key raced us and won: its action stands, ours was rolled back.
        return replay(IdempotencyRecord.objects.get(caller=caller, key=key))
    return Response(body, status=code)


def _run(perform):
    try:
        return perform()
    except (RuleError, Conflict, Forbidden, ValidationError) as exc:
        return _answer(exc)


# --- the viewset ----------------------------------------------------------------------------------


def _action_schema(request_serializer, summary):
    return extend_schema(
        request=request_serializer,
        responses={200: s.PostalOrderSerializer, 400: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 422: PROBLEM},
        parameters=[IDEMPOTENCY],
        summary=summary,
    )


@extend_schema_view(
    list=extend_schema(
        summary=_("Đơn bưu chính (theo hạn, hoặc thay đổi từ một thời điểm)"),
        description=_(
            "Không có changed_since: các đơn theo hạn, phân trang bằng con trỏ. Có changed_since: "
            "{next, next_changed_since, results} với các đơn thay đổi sau thời điểm (hoặc con trỏ) đó, "
            "theo thứ tự thay đổi; lưu next_changed_since để gọi lần sau."
        ),
        parameters=[
            OpenApiParameter(
                "changed_since",
                str,
                description=_("ISO 8601, hoặc `next_changed_since` của lần gọi trước: trả các đơn thay đổi sau đó"),
            ),
            OpenApiParameter("limit", int, description=_("số dòng mỗi trang khi đồng bộ (tối đa 500)")),
        ],
    ),
    retrieve=extend_schema(summary=_("Một đơn bưu chính và lịch sử của nó"), responses=s.PostalOrderDetailSerializer),
)
class PostalOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    authentication_classes = [IntegrationClientAuthentication, *viewsets.GenericViewSet.authentication_classes]
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = s.PostalOrderSerializer
    filterset_class = PostalOrderFilter
    pagination_class = DueCursor
    queryset = PostalOrder.objects.none()

    def get_queryset(self):
        client = client_of(self.request)
        base = PostalOrder.objects.select_related("dossier", "province", "assigned_to")
        queryset = orders_for_client(client, base) if client else visible_orders(self.request.user, base)
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("events__actor", "events__client")
        return queryset

    def get_serializer_class(self):
        return s.PostalOrderDetailSerializer if self.action == "retrieve" else s.PostalOrderSerializer

    def list(self, request, *args, **kwargs):
        value = request.query_params.get("changed_since")
        if not value:
            return super().list(request, *args, **kwargs)
        queryset, (moment, pk) = changed_since(self.filter_queryset(self.get_queryset()), value)
        try:
            limit = max(1, min(500, int(request.query_params.get("limit", 100))))
        except ValueError:
            raise ValidationError({"limit": [_("limit phải là số nguyên.")]}) from None
        rows = list(queryset[:limit])
        token = cursor_token(rows[-1].updated_at, rows[-1].pk) if rows else cursor_token(moment, pk)
        following = None
        if len(rows) == limit:
            params = QueryDict(mutable=True)
            params.update(request.query_params)
            params["changed_since"] = token
            following = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
        data = {
            "next": following,
            "next_changed_since": token,
            "results": s.PostalOrderSerializer(rows, many=True).data,
        }
        return Response(data)

    # The actions: each goes through the one door with the caller as actor or client.

    def _act(self, request, name, call):
        order = self.get_object()
        client = client_of(request)
        actor = None if client else request.user

        def perform():
            changed = call(order, actor, client)
            changed = self.get_queryset().get(pk=changed.pk)
            return status.HTTP_200_OK, s.PostalOrderSerializer(changed).data

        return idempotent(request, name, order.pk, perform)

    @staticmethod
    def _valid(serializer_class, request):
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @_action_schema(s.PostalAssignSerializer, _("Phân công (nhận việc)"))
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        def call(order, actor, client):
            data = self._valid(s.PostalAssignSerializer, request)
            assignee = None
            if data.get("assignee") is not None:
                assignee = User.objects.filter(pk=data["assignee"]).first()
                if assignee is None:
                    raise services.InvalidInput(_("Không tìm thấy nhân viên bưu chính này."), "assignee")
            return services.assign(order, actor, assignee=assignee, client=client, note=data.get("note", ""))

        return self._act(request, "assign", call)

    @_action_schema(s.PostalNoteSerializer, _("Đã nhận hàng (hồ sơ tại địa chỉ, hoặc kết quả tại Bộ phận Một cửa)"))
    @action(detail=True, methods=["post"], url_path="pick-up")
    def pick_up(self, request, pk=None):
        def call(order, actor, client):
            data = self._valid(s.PostalNoteSerializer, request)
            return services.pick_up(order, actor, client=client, note=data.get("note", ""))

        return self._act(request, "pick_up", call)

    @_action_schema(s.PostalDeliverSerializer, _("Đã phát thành công (người nhận, cước đã thu: tuỳ chọn)"))
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        def call(order, actor, client):
            data = self._valid(s.PostalDeliverSerializer, request)
            return services.deliver(
                order,
                actor,
                client=client,
                note=data.get("note", ""),
                receiver_name=data.get("receiver_name", ""),
                fee_collected=data.get("fee_collected"),
            )

        return self._act(request, "deliver", call)

    @_action_schema(s.PostalReasonSerializer, _("Không thành công (có lý do; có thể phân công lại)"))
    @action(detail=True, methods=["post"])
    def fail(self, request, pk=None):
        def call(order, actor, client):
            return services.fail(order, actor, self._valid(s.PostalReasonSerializer, request)["reason"], client=client)

        return self._act(request, "fail", call)

    @_action_schema(s.PostalReasonSerializer, _("Huỷ đơn (có lý do)"))
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        def call(order, actor, client):
            return services.cancel(
                order, actor, self._valid(s.PostalReasonSerializer, request)["reason"], client=client
            )

        return self._act(request, "cancel", call)

    @_action_schema(s.PostalNoteSerializer, _("Bộ phận Một cửa lập biên bản giao nhận hồ sơ từ bưu điện"))
    @action(detail=True, methods=["post"])
    def handover(self, request, pk=None):
        def call(order, actor, client):
            if client is not None:
                raise services.NotPermitted()
            return services.record_handover(order, actor, self._valid(s.PostalNoteSerializer, request).get("note", ""))

        return self._act(request, "handover", call)
