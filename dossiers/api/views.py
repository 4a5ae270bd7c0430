"""The dossier API: /api/v1/dossiers/ and /api/v1/tracking/ (api.md "Dossiers").

Every queryset is scoped by `access.visible_dossiers`; every change goes through
`services` (or `uploads`). Refusals map to 400 / 403 / 409 in portal.errors."""

import re

import django_filters
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.generics import get_object_or_404  # as get_object: a malformed code is a 404
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from portal import catalog_cache
from portal.api import get_procedure_by_code
from portal.client_address import client_address
from portal.counters import DatabaseFallback
from portal.filters import IsoDateTimeFilter  # in UTC: PostgreSQL refuses offsets past ±15:59
from portal.jsonsafe import JSONParser  # bounded depth, finite numbers, no lone surrogates
from portal.models import Procedure, Role
from portal.statements import Statement

from .. import door, services
from ..access import visible_dossiers
from ..models import (
    ClockPause,
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierStep,
    ExceptionRequest,
    Status,
    StoredDocument,
    visibility_scope,
)
from ..services import claims, results, store, uploads
from ..serving import file_response
from ..tracking import TooManyAttempts, lookup
from . import serializers as s


class DossierFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    desk = django_filters.NumberFilter(field_name="desk_id")
    procedure = django_filters.CharFilter(field_name="procedure__code")
    intake_channel = django_filters.CharFilter()
    due_before = IsoDateTimeFilter(field_name="due_at", lookup_expr="lt")
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    submitted_after = IsoDateTimeFilter(field_name="submitted_at", lookup_expr="gte")
    submitted_before = IsoDateTimeFilter(field_name="submitted_at", lookup_expr="lt")
    assigned_to = django_filters.ChoiceFilter(
        choices=[("me", "me")], method="filter_assigned_to", help_text=_("me: các hồ sơ có bước đang chờ tôi xử lý")
    )

    class Meta:
        model = Dossier
        fields = ["status", "desk", "procedure", "intake_channel"]

    def filter_assigned_to(self, queryset, name, value):
        return queryset.waiting_for(self.request.user) if value == "me" else queryset

    def filter_overdue(self, queryset, name, value):
        now = timezone.now()
        return queryset.overdue(now) if value else queryset.running().filter(due_at__gte=now)


STEPS = DossierStep.objects.select_related("agency", "assignee", "given_by", "finished_by")
EVENTS = DossierEvent.objects.select_related("actor")

# The answer's reads, each a statement compiled once per process (portal/statements.py, issue 18: building their SQL
# cost more CPU than reading their rows): a dossier's lists by its pk, and the detail's dossier by its code within
# what the caller may see (one compiled form per kind of scope, dossiers.models.visibility_scope). The detail joins
# the procedure and province it shows: compiled once, the joins cost less than the catalog cache's version read and
# copies (catalog_cache.attach: detail 2.7-3.6 -> 2.4-2.5 ms in-process, its statements 0.1-0.4 ms more in
# PostgreSQL); the desk and agency it does not show are not read.
LISTS = {
    "events": Statement(lambda pk: EVENTS.filter(dossier_id=pk)),
    "documents": Statement(lambda pk: DossierDocument.objects.filter(dossier_id=pk)),
    "pauses": Statement(lambda pk: ClockPause.objects.filter(dossier_id=pk)),
    # In `seq` order: the model's ordering ("dossier", "seq") for one dossier, without joining the dossier to sort.
    "steps": Statement(lambda pk: STEPS.filter(dossier_id=pk).order_by("seq")),
}
VISIBLE = Statement(
    lambda value, code, *, scope: (
        Dossier.objects.within(scope, value)
        .select_related("ticket", "current_step", "procedure", "province")
        .filter(code=code)
    )
)


def _held(dossier, name, rows):
    """The dossier's list `name` holding `rows`, each row pointing back at `dossier`: what prefetch_related would
    leave in the dossier's cache, read with one plain statement (issue 18: the prefetch machinery cost more than the
    query). The list is a queryset of the dossier's (what `dossier.<name>.all()` gives) with its result in hand."""
    queryset = getattr(dossier, name).all()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    back = queryset.model._meta.get_field("dossier")
    for row in rows:
        back.set_cached_value(row, dossier)
    return queryset


def read_lists(dossier, *, documents=True, events=None):
    """Load what a dossier's answer shows besides its row: its events (with their actors) and its documents; its
    pauses and steps only once it has been received, since a pause, a campaign's clock stop and a step all come
    after acceptance (services.actions, services.pauses, campaign_rules), so the answer for a draft or a submission
    reads neither. `documents=False`: the caller knows there are none (a draft just made); `events`: the caller
    holds them all (the rows a draft just made recorded)."""
    pk = dossier.pk
    held = {
        "events": LISTS["events"](pk) if events is None else list(events),
        "documents": LISTS["documents"](pk) if documents else [],
    }
    if dossier.received_at:
        held["pauses"] = LISTS["pauses"](pk)
        held["steps"] = LISTS["steps"](pk)
    else:
        dossier.is_paused = False  # what Dossier.paused reads first, as the list's annotation
    dossier._prefetched_objects_cache = {}
    for name, rows in held.items():
        dossier._prefetched_objects_cache[name] = _held(dossier, name, rows)
    return dossier


def visible_dossier(user, code):
    """The dossier `code` if `user` may see it (`visible_dossiers`), with its ticket, current step, procedure and
    province, else 404."""
    scope, value = visibility_scope(user)
    found = VISIBLE(value, code, scope=scope)
    if not found:
        raise Http404
    return found[0]


# A dossier's own columns (no foreign key): refreshing them keeps the procedure and desk in hand.
OWN_COLUMNS = [f.attname for f in Dossier._meta.concrete_fields if not f.is_relation and not f.primary_key]


class DossierCursor(CursorPagination):
    page_size = 50
    ordering = ("-created_at", "-id")

    def get_ordering(self, request, queryset, view):
        # What waits for the caller comes in the due order of its step: the overdue ones first.
        if request.query_params.get("assigned_to") == "me":
            return ("step_due_at", "id")
        return super().get_ordering(request, queryset, view)


class DossierViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"
    filterset_class = DossierFilter
    pagination_class = DossierCursor
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        # The detail (retrieve) reads its dossier with VISIBLE, not with this queryset.
        queryset = visible_dossiers(self.request.user).select_related("ticket")
        queryset = queryset.select_related("procedure", "province", "desk")
        if self.action == "list":
            queryset = queryset.with_paused()  # `paused` in one subquery, not a query a row
            if self.request.query_params.get("assigned_to") == "me":
                queryset = queryset.annotate(step_due_at=F("current_step__due_at"))
        return queryset

    def _for_a_service(self):
        """The dossier named in the URL, for an action that hands it to a service, which reads and locks the
        row itself: the look-up only checks that the caller may see it (404 otherwise)."""
        return get_object_or_404(visible_dossiers(self.request.user).only("pk", "code"), code=self.kwargs["code"])

    def filter_queryset(self, queryset):
        # The list's filters (?status=, ?desk= …) say nothing about one dossier named by its code.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_class(self):
        if self.action == "list":
            return s.DossierListSerializer
        if self.action == "create":
            return s.DossierCreateSerializer
        return s.DossierSerializer

    def _detail(self, dossier, code=status.HTTP_200_OK):
        """Answer from the row in hand: every service returns the dossier it has just saved under its lock, with
        its procedure, desk and province. What ran on its commit (a campaign's clock stop on acceptance) may have
        saved the row since, so its own columns and its lists are read again, but not the catalog rows."""
        dossier.refresh_from_db(fields=OWN_COLUMNS)
        return Response(s.DossierSerializer(read_lists(dossier)).data, status=code)

    def retrieve(self, request, code=None):
        dossier = visible_dossier(request.user, code)
        self.check_object_permissions(request, dossier)
        return Response(s.DossierSerializer(read_lists(dossier)).data)

    @extend_schema(request=s.DossierCreateSerializer, responses={201: s.DossierSerializer})
    def create(self, request):
        data = s.DossierCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        procedure = self._procedure(values["procedure"], values.get("province") or values["desk"].province.code)
        dossier = services.create_draft(
            request.user,
            procedure=procedure,
            desk=values["desk"],
            intake_channel=values["intake_channel"],
            return_channel=values["return_channel"],
            applicant=values["applicant"],
            address=values.get("address", ""),
            address_zone=values.get("address_zone") or "default",
            form_data=values.get("form_data") or {},
            ticket=values.get("ticket"),
            fee_group=values.get("fee_group") or "default",
        )
        # A draft just made: its row is the one in hand (nothing runs on a create's commit that saves it, and the
        # database's defaults came back with the insert), it has no document yet, and its events are the rows the
        # create recorded (door.record keeps them on the dossier).
        answer = read_lists(dossier, documents=False, events=dossier.recorded_events)
        return Response(s.DossierSerializer(answer).data, status=status.HTTP_201_CREATED)

    def _procedure(self, code, province):
        # From the catalog cache (portal/catalog_cache.py), with its agency (desk_serves reads it) and province; a
        # code not found (or ambiguous, or not text PostgreSQL can compare) is get_procedure_by_code's to refuse.
        if code.isdigit():
            procedure = catalog_cache.procedure(int(code))
            if procedure:
                return procedure
        if "\x00" not in code + province:
            pk = catalog_cache.procedure_pk_by_code(code, province)
            procedure = catalog_cache.procedure(pk) if pk is not None else None
            if procedure:
                return procedure
        procedures = Procedure.objects.select_related("province", "agency")
        try:
            return get_procedure_by_code(code, province, queryset=procedures)
        except Exception:
            raise ValidationError({"procedure": [_("Không tìm thấy thủ tục “%(code)s”.") % {"code": code}]})

    @extend_schema(request=s.DossierUpdateSerializer, responses=s.DossierSerializer)
    def partial_update(self, request, code=None):
        data = s.DossierUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        dossier = services.update_draft(self._for_a_service(), request.user, **data.validated_data)
        return self._detail(dossier)

    # --- documents -------------------------------------------------------------------------------

    @extend_schema(
        methods=["POST"], request={"multipart/form-data": s.UploadSerializer}, responses={201: s.DocumentSerializer}
    )
    @extend_schema(methods=["GET"], responses=s.DocumentSerializer(many=True))
    # A plain list of the dossier's documents: neither paginated nor filtered like the dossier list.
    @action(detail=True, methods=["post", "get"], url_path="documents", pagination_class=None, filter_backends=[])
    def documents(self, request, code=None):
        dossier = self.get_object()
        if request.method == "GET":
            return Response(s.DocumentSerializer(dossier.documents.all(), many=True).data)
        data = s.UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "stored_document" in values:  # reused from the caller's document store, not uploaded again
            document = uploads.reuse_document(dossier, request.user, values["document_code"], values["stored_document"])
        else:
            document = uploads.add_document(dossier, request.user, values["document_code"], values["file"])
        return Response(s.DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document_id>\d+)/file")
    def document_file(self, request, code=None, document_id=None):
        dossier = self.get_object()
        document = dossier.documents.filter(pk=document_id).first()
        if document is None:
            raise Http404
        return file_response(
            document.file,
            document.original_name,
            content_type=document.content_type,
            download=request.query_params.get("download") == "1",
        )

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def result(self, request, code=None):
        """The e-result (a PDF signed with the agency's certificate), to whoever may see the dossier; 404 if none."""
        fields = ("pk", "code", "status", "result_file", "owner")
        dossier = get_object_or_404(visible_dossiers(request.user).only(*fields), code=self.kwargs["code"])
        if not results.result_available(request.user, dossier):
            raise Http404
        name = f"ket-qua-{dossier.code}.{dossier.result_file.name.rsplit('.', 1)[-1].lower()}"
        return file_response(dossier.result_file, name, download=request.query_params.get("download") == "1")

    # --- transitions -----------------------------------------------------------------------------

    def _act(self, request, serializer_class, action_name):
        """One row of the transition table run (`services.perform`) with the request's validated data. The row
        lock reads the dossier within what the caller may see (one statement, not a look-up first: issue 18); a
        dossier the caller may not see is a 404 whatever the body says, so any refusal that comes before the lock
        has found it (the body's 400, a validation of the input) looks it up first."""
        data = serializer_class(data=request.data)
        if not data.is_valid():
            self._for_a_service()
            raise ValidationError(data.errors)
        named = door.Visible(request.user, self.kwargs["code"])
        try:
            dossier = services.perform(action_name, named, request.user, **data.validated_data)
        except Exception:
            if not named.found:
                self._for_a_service()  # the 404 of a dossier the caller may not see (or that is gone)
            raise
        return self._detail(dossier)

    @extend_schema(request=s.NoteSerializer, responses=s.DossierSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, code=None):
        return self._act(request, s.NoteSerializer, "submit")

    @extend_schema(request=s.NoteSerializer, responses=s.DossierSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, code=None):
        return self._act(request, s.NoteSerializer, "accept")

    @extend_schema(request=s.ReasonSerializer, responses=s.DossierSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request, code=None):
        return self._act(request, s.ReasonSerializer, "refuse")

    @extend_schema(request=s.SupplementRequestSerializer, responses=s.DossierSerializer)
    @action(detail=True, methods=["post"], url_path="request-supplement")
    def request_supplement(self, request, code=None):
        return self._act(request, s.SupplementRequestSerializer, "request_supplement")

    @extend_schema(request=s.ProcessSerializer, responses=s.DossierSerializer)
    @action(detail=True, methods=["post"])
    def process(self, request, code=None):
        return self._act(request, s.ProcessSerializer, "process")

    @extend_schema(request=s.ForwardSerializer, responses=s.DossierSerializer)
    @action(detail=True, methods=["post"])
    def forward(self, request, code=None):
        """Finish the current step of the internal process and start the next (the step's own people only)."""
        return self._act(request, s.ForwardSerializer, "forward")

    @extend_schema(request=s.SendBackSerializer, responses=s.DossierSerializer)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, code=None):
        """Return the dossier to an earlier step (`to_step`, the previous one by default), with the reason."""
        return self._act(request, s.SendBackSerializer, "send_back")

    @extend_schema(request=s.ReasonSerializer, responses=s.DossierSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, code=None):
        return self._act(request, s.ReasonSerializer, "pause")

    @extend_schema(request=s.NoteSerializer, responses=s.DossierSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, code=None):
        return self._act(request, s.NoteSerializer, "resume")

    @extend_schema(
        request={"application/json": s.CompleteSerializer, "multipart/form-data": s.CompleteSerializer},
        responses=s.DossierSerializer,
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, code=None):
        return self._act(request, s.CompleteSerializer, "complete")

    @extend_schema(request=s.NoteSerializer, responses=s.DossierSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_result(self, request, code=None):
        return self._act(request, s.NoteSerializer, "return")

    @extend_schema(request=s.ApologizeSerializer, responses=s.DossierSerializer)
    @action(detail=True, methods=["post"])
    def apologize(self, request, code=None):
        return self._act(request, s.ApologizeSerializer, "apologize")

    @extend_schema(request=s.ExceptionSerializer, responses={200: s.DossierSerializer, 202: s.UrgentRequestSerializer})
    @action(detail=True, methods=["post"], url_path="grant-exception")
    def grant_exception(self, request, code=None):
        """A head of the dossier's agency grants at once (200, the dossier); an officer's call is a request for
        the head (202, the request), listed at /api/v1/exception-requests/."""
        dossier = self._for_a_service()
        data = s.ExceptionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        asked = services.grant_exception(dossier, request.user, data.validated_data["reason"])
        if asked.state == asked.State.APPROVED:
            return self._detail(asked.dossier)
        return Response(s.UrgentRequestSerializer(asked).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=s.NoteSerializer, responses=s.DossierSerializer)
    @action(detail=True, methods=["post"])
    def supplement(self, request, code=None):
        return self._act(request, s.NoteSerializer, "supplement")

    @extend_schema(request=s.NoteSerializer, responses=s.DossierSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, code=None):
        return self._act(request, s.NoteSerializer, "withdraw")

    @extend_schema(request=s.RateSerializer, responses=s.DossierSerializer)
    @action(detail=True, methods=["post"])
    def rate(self, request, code=None):
        return self._act(request, s.RateSerializer, "rate")

    @extend_schema(request=s.SwitchReturnSerializer, responses=s.DossierSerializer)
    @action(detail=True, methods=["post"], url_path="switch-return")
    def switch_return(self, request, code=None):
        return self._act(request, s.SwitchReturnSerializer, "switch_return")

    @extend_schema(request=None, responses=s.DossierSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request, code=None):
        return self._detail(claims.claim(self._for_a_service(), request.user))


class ExceptionRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Urgent-exception requests (seed 003), scoped to the dossiers the caller may see: the head's queue
    (`?state=pending`), approve and decline (a head of the dossier's agency only)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = s.UrgentRequestSerializer
    filterset_fields = ["state"]

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:  # the schema generator
            return ExceptionRequest.objects.none()
        if not (user.is_superuser or user.role in (Role.OFFICER, Role.HEAD, Role.PROVINCE_ADMIN)):
            return ExceptionRequest.objects.none()  # an internal request: staff only, never the applicant
        visible = visible_dossiers(user).values("pk")
        return (
            ExceptionRequest.objects.filter(dossier_id__in=visible)
            .select_related("dossier", "requested_by", "decided_by")
            .order_by("-requested_at", "-id")
        )

    def _decide(self, request, call):
        asked = self.get_object()  # first: who may not see the request gets its 404, whatever the body says
        data = s.NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decided = call(asked, request.user, data.validated_data["note"])
        return Response(s.UrgentRequestSerializer(decided).data)

    @extend_schema(request=s.NoteSerializer, responses=s.UrgentRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, services.approve_exception)

    @extend_schema(request=s.NoteSerializer, responses=s.UrgentRequestSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._decide(request, services.decline_exception)


class TrackingThrottle(DatabaseFallback, AnonRateThrottle):
    """Look-ups per client address; kept in the database while the cache is down (issue 12.7)."""

    scope = "tracking"


class TrackingView(APIView):
    """Public tracking by code and the last 4 digits of the applicant's phone; nothing personal.
    Or by the receipt QR's token alone (`?token=`). Throttled per client (scope "tracking",
    TRACKING_RATE) and wrong answers limited per client (tracking.lookup): 429."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = [TrackingThrottle]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "phone", str, required=False, description=_("4 chữ số cuối của số điện thoại (hoặc dùng token)")
            ),
            OpenApiParameter("token", str, required=False, description=_("mã bí mật trong mã QR của giấy tiếp nhận")),
        ],
        responses={200: s.TrackingSerializer},
    )
    def get(self, request, code):
        params = request.query_params
        try:
            view = lookup(code, client_address(request), params.get("phone", ""), params.get("token", ""))
        except TooManyAttempts as locked:
            raise Throttled(wait=locked.window) from None
        if view is None:
            raise Http404
        return Response(s.TrackingSerializer(view).data)


DOCUMENT_CODE = re.compile(r"[\w.\-]{1,32}")  # a catalog document code (RequiredDocument.code)


class StoredDocumentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The caller's document store (kho dữ liệu, issue 16): what they uploaded to their dossiers and the e-results
    they received, newest first (a citizen's own only; anyone else's entry is a 404, and staff have none).
    `?document_code=GKS`: what counts as that document (the same code, or an e-result of a procedure producing
    it), as a draft offers it. DELETE takes an entry out of the store: 409 while an open dossier uses it."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = s.StoredDocumentSerializer
    pagination_class = None
    filter_backends = []
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return StoredDocument.objects.none()
        entries = store.store_of(self.request.user)
        code = self.request.query_params.get("document_code")
        if code and self.action == "list":
            if not DOCUMENT_CODE.fullmatch(code):
                raise ValidationError({"document_code": [_("Mã giấy tờ không hợp lệ.")]})
            entries = entries.filter(store.matching_q([code]))
        return entries

    @extend_schema(
        parameters=[OpenApiParameter("document_code", str, description=_("mã giấy tờ: những gì dùng được cho nó"))]
    )
    def list(self, request):
        return Response(s.StoredDocumentSerializer(store.with_uses(self.get_queryset()), many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.StoredDocumentSerializer(store.with_uses([self.get_object()])[0]).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        store.remove_from_store(request.user, self.get_object().pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # The stored types (uploads.ALLOWED): a PDF as an attachment, a JPEG or PNG inline (dossiers/serving.py).
    @extend_schema(responses={(200, "application/pdf"): bytes, (200, "image/jpeg"): bytes, (200, "image/png"): bytes})
    @action(detail=True, methods=["get"])
    def file(self, request, pk=None):
        entry = self.get_object()
        return file_response(
            entry.file,
            entry.original_name,
            content_type=entry.content_type,
            download=request.query_params.get("download") == "1",
        )
