"""The catalog's read API and the account endpoints (api.md: Auth, Catalog)."""

import django_filters
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from . import serializers as s
from .accounts import register_citizen
from .counters import DatabaseFallback
from .models import Agency, OneStopDesk, Procedure, Province
from .phone import codes


class ProvinceViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Province.objects.all()
    serializer_class = s.ProvinceSerializer
    lookup_field = "code"
    pagination_class = None


class AgencyFilter(django_filters.FilterSet):
    province = django_filters.CharFilter(field_name="province__code")
    level = django_filters.ChoiceFilter(choices=Agency.Level.choices)

    class Meta:
        model = Agency
        fields = ["province", "level"]


class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Agency.objects.select_related("province", "parent")
    serializer_class = s.AgencySerializer
    filterset_class = AgencyFilter
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"


class DeskFilter(django_filters.FilterSet):
    province = django_filters.CharFilter(field_name="province__code")
    agency = django_filters.CharFilter(field_name="agency__code")

    class Meta:
        model = OneStopDesk
        fields = ["province", "agency"]


class DeskViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = OneStopDesk.objects.select_related("province", "agency")
    serializer_class = s.DeskSerializer
    filterset_class = DeskFilter


class ProcedureFilter(django_filters.FilterSet):
    province = django_filters.CharFilter(field_name="province__code")
    agency = django_filters.CharFilter(field_name="agency__code")
    level = django_filters.NumberFilter()
    sector = django_filters.CharFilter(lookup_expr="iexact")
    postal = django_filters.BooleanFilter(method="filter_postal", label=_("nhận hoặc trả qua bưu chính"))
    search = django_filters.CharFilter(method="filter_search", label=_("tìm theo mã hoặc tên"))

    class Meta:
        model = Procedure
        fields = ["province", "agency", "level", "sector"]

    def filter_postal(self, queryset, name, value):
        postal = Q(postal_intake=True) | Q(postal_return=True)
        return queryset.filter(postal) if value else queryset.exclude(postal)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value)) if value else queryset


def get_procedure_by_code(code, province=None, queryset=None):
    """One procedure by its national code; `province` (its code) disambiguates codes
    that several provinces share. Raises NotFound, or a 400 when the code is ambiguous."""
    queryset = Procedure.objects.all() if queryset is None else queryset
    if "\x00" in code or "\x00" in (province or ""):  # PostgreSQL cannot compare text with NUL (a 500 before)
        raise NotFound(_("Không tìm thấy thủ tục có mã này."))
    matches = queryset.filter(code=code)
    if province:
        matches = matches.filter(province__code=province)
    found = list(matches[:2])
    if not found:
        raise NotFound(_("Không tìm thấy thủ tục có mã này."))
    if len(found) > 1:
        raise DRFValidationError(
            {"province": [_("Mã thủ tục %(code)s có ở nhiều tỉnh; hãy chọn tỉnh bằng ?province=.") % {"code": code}]}
        )
    return found[0]


@extend_schema(
    parameters=[OpenApiParameter("province", str, description=_("mã tỉnh, khi mã thủ tục trùng giữa các tỉnh"))]
)
class ProcedureViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ProcedureSerializer
    filterset_class = ProcedureFilter
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"

    def get_queryset(self):
        return (
            Procedure.objects.filter(active=True)
            .select_related("province", "agency")
            .prefetch_related("documents", "fee_groups")
            .order_by("province__code", "code")
        )

    def get_serializer_class(self):
        # The list stays light; one procedure carries its current declaration form (api.md).
        return s.ProcedureDetailSerializer if self.action == "retrieve" else s.ProcedureSerializer

    def get_object(self):
        procedure = get_procedure_by_code(
            self.kwargs["code"], self.request.query_params.get("province"), self.get_queryset()
        )
        self.check_object_permissions(self.request, procedure)
        return procedure


class RegisterThrottle(DatabaseFallback, AnonRateThrottle):
    """Registrations per client address; kept in the database while the cache is down (issue 12.7)."""

    scope = "register"


class RegisterView(APIView):
    """Citizens register themselves."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = [RegisterThrottle]

    @extend_schema(request=s.RegisterSerializer, responses={201: s.RegisteredUserSerializer})
    def post(self, request):
        data = s.RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = register_citizen(**data.validated_data)
        except ValidationError as exc:
            raise DRFValidationError(exc.message_dict)
        return Response(s.RegisteredUserSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(APIView):
    """Exchange a username and password for an API token; failures count towards the lockout."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    schema_error_statuses = (429,)  # locked out after AXES_FAILURE_LIMIT failures (portal/lockout.py)

    @extend_schema(request=s.TokenRequestSerializer, responses={200: s.TokenSerializer})
    def post(self, request):
        data = s.TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        django_request = request._request
        user = authenticate(django_request, **data.validated_data)
        if getattr(django_request, "axes_locked_out", False):
            return Response(
                {"detail": _("Tài khoản tạm khoá do đăng nhập sai nhiều lần. Vui lòng thử lại sau.")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,  # as portal/lockout.py answers the locked-out
            )
        if user is None or not user.is_active:
            raise DRFValidationError({"non_field_errors": [_("Tên đăng nhập hoặc mật khẩu không đúng.")]})
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Who the caller is and their scope; their phone and its confirmation by an SMS code (portal/phone/)."""

    permission_classes = [permissions.IsAuthenticated]
    pagination_class = None

    @property
    def schema_error_statuses(self):
        """Asking for a code: 409 when the phone is confirmed already, 429 too soon (portal/schema.py)."""
        return (409, 429) if self.action in ("phone", "phone_code") else ()

    @extend_schema(responses={200: dict})
    def list(self, request):
        user = request.user
        return Response(
            {
                "username": user.username,
                "full_name": user.full_name,
                "role": "superuser" if user.is_superuser else user.role,
                "province": user.province.code if user.province_id else None,
                "agency": user.agency.code if user.agency_id else None,
                "desk": user.desk_id,
                "phone": user.phone,
                "phone_confirmed": user.phone_confirmed,
            }
        )

    @extend_schema(request=s.PhoneChangeSerializer, responses={202: s.PhoneStatusSerializer})
    @action(detail=False, methods=["post"], url_path="phone")
    def phone(self, request):
        """A new phone for the account: saved unconfirmed, and a code is sent to it (202)."""
        data = s.PhoneChangeSerializer(data=request.data, context={"user": request.user})
        data.is_valid(raise_exception=True)
        codes.change_phone(request.user, data.validated_data["phone"])
        return self._send(request.user)

    @extend_schema(request=None, responses={202: s.PhoneStatusSerializer})
    @action(detail=False, methods=["post"], url_path="phone/code")
    def phone_code(self, request):
        """Send a code to the account's phone: 429 with Retry-After when asked again too soon (a minute
        between codes, five an hour), 409 when the phone is confirmed already."""
        return self._send(request.user)

    @extend_schema(request=s.PhoneCodeSerializer, responses={200: s.PhoneStatusSerializer})
    @action(detail=False, methods=["post"], url_path="phone/confirm")
    def phone_confirm(self, request):
        """Check the code: a wrong, expired or exhausted one is a 400 on `code` (attempts left in the message)."""
        data = s.PhoneCodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            codes.confirm_code(request.user, data.validated_data["code"])
        except codes.PhoneCodeError as exc:
            raise DRFValidationError({exc.field: [exc.message]})
        return Response(s.PhoneStatusSerializer(codes.status(request.user)).data)

    def _send(self, user):
        try:
            codes.request_code(user)
        except codes.TooSoon as exc:
            return Response(
                {"detail": exc.message, "retry_after": exc.wait_seconds},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(exc.wait_seconds)},
            )
        except codes.AlreadyConfirmed as exc:
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        except codes.PhoneCodeError as exc:
            raise DRFValidationError({exc.field: [exc.message]})
        return Response(s.PhoneStatusSerializer(codes.status(user)).data, status=status.HTTP_202_ACCEPTED)
