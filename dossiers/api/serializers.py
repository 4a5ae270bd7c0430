"""Shapes of the dossier API (api.md "Dossiers"). No rule lives here: input is parsed and
handed to services."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

from portal import catalog_cache
from portal.jsonsafe import JSONField  # a form field's JSON text through the bounded loader
from portal.models import OneStopDesk
from portal.serializers import TextField

from ..models import (
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierStep,
    ExceptionRequest,
    IntakeChannel,
    Outcome,
    ReturnChannel,
)
from ..payments import service as payments


class ApplicantSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=200)
    phone = serializers.RegexField(r"^\+?[0-9]{9,12}$", error_messages={"invalid": _("Số điện thoại gồm 9–12 chữ số.")})
    email = serializers.EmailField(required=False, allow_blank=True)
    national_id = serializers.RegexField(
        r"^([0-9]{9}|[0-9]{12})$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": _("Số định danh cá nhân gồm 12 chữ số (hoặc CMND 9 chữ số).")},
    )


class CatalogDeskField(serializers.PrimaryKeyRelatedField):
    """A desk by its id, read from the catalog cache (portal/catalog_cache.py) with its agency (the dossier code's
    prefix, codes.code_prefix, reads it on every create) and province: no statement once cached. The queryset is
    the schema's and the refusals are DRF's own."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            desk = catalog_cache.desk(data)
        except (TypeError, ValueError, OverflowError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if desk is None:
            self.fail("does_not_exist", pk_value=data)
        return desk


# An input serializer whose fields DRF binds once per class, not once per request (issue 18: DRF deep-copies the
# declared fields of every new serializer, ~0.3 ms of a create's CPU, for fields that keep nothing of the data they
# check: a refusal is raised, not stored, and the serializer's own `validate_<field>` methods are looked up on the
# instance in hand). They are bound to a blank instance of the class, never to a request's: a field that read the
# serializer's context or data would get nothing (none here does), and no request's data is kept. Only for a
# serializer whose fields do not depend on its instance, data or context. (A comment, not a docstring: see below.)
class _NoContext(dict):
    """The blank instance's context, which stays empty: drf-spectacular writes its schema's context (a request, a
    view) into the root of a nested serializer it documents, which for these fields is the blank instance."""

    def __setitem__(self, key, value):
        pass

    def update(self, *args, **kwargs):
        pass


class InputFieldsBoundOnce:
    @property
    def fields(self):
        cls = type(self)
        fields = cls.__dict__.get("_fields_bound_once")
        if fields is None:
            blank = cls.__new__(cls)
            serializers.Serializer.__init__(blank, context=_NoContext())
            fields = cls._fields_bound_once = serializers.Serializer.fields.func(blank)
        return fields


class DossierCreateSerializer(InputFieldsBoundOnce, serializers.Serializer):
    procedure = serializers.CharField(help_text=_("mã TTHC (hoặc id)"))
    province = serializers.CharField(required=False, help_text=_("mã tỉnh, khi mã thủ tục trùng giữa các tỉnh"))
    desk = CatalogDeskField(queryset=OneStopDesk.objects.all())
    intake_channel = serializers.ChoiceField(choices=IntakeChannel.choices)
    return_channel = serializers.ChoiceField(choices=ReturnChannel.choices)
    applicant = ApplicantSerializer()
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    address_zone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    form_data = JSONField(required=False)
    fee_group = serializers.CharField(
        required=False, max_length=32, help_text=_("đối tượng nộp phí (api.md fees); mặc định: default")
    )
    ticket = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text=_("số thứ tự của buổi hiện tại (hồ sơ trực tiếp)")
    )

    def validate_form_data(self, value):
        # The rest (NUL characters, the procedure's form) is the services' (actions.check_form_data): a
        # procedure with a form answers per field, {"form_data": {"key": [...]}}.
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("form_data phải là một đối tượng JSON."))
        return value


class DossierUpdateSerializer(serializers.Serializer):
    intake_channel = serializers.ChoiceField(choices=IntakeChannel.choices, required=False)
    return_channel = serializers.ChoiceField(choices=ReturnChannel.choices, required=False)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    address_zone = serializers.CharField(max_length=40, required=False)
    form_data = JSONField(required=False)
    fee_group = serializers.CharField(required=False, max_length=32, help_text=_("đối tượng nộp phí (api.md fees)"))

    validate_form_data = DossierCreateSerializer.validate_form_data


# A read serializer whose fields DRF builds once per class, not once per answer: DRF deep-copies the declared fields
# and builds every model field anew for each serializer instance (~1 ms, ~110 lazy translations, for a dossier with
# its lists: issue 18), while a field's `get_attribute` and `to_representation` keep nothing of the instance they
# render. `to_representation` is DRF's own loop (Serializer.to_representation) over the fields of one instance made
# per class; a SerializerMethodField's method runs on the serializer in hand (its context). The output is DRF's,
# tests/dossiers/api/test_dossier_representation.py compares the two. Only for a serializer whose fields do not depend
# on its instance, data or context (no `__init__` or `get_fields` that varies). (A comment, not a docstring: drf-
# spectacular would give it as the description of every serializer that mixes it in.)
class FieldsBuiltOnce:
    @classmethod
    def _read_plan(cls):
        """(name, method name or None, field) of the readable fields, in order, built on the first call."""
        plan = cls.__dict__.get("_built_read_plan")
        if plan is None:
            plan = []
            for field in cls().fields.values():
                if not field.write_only:
                    method = field.method_name if isinstance(field, serializers.SerializerMethodField) else None
                    plan.append((field.field_name, method, field))
            plan = cls._built_read_plan = tuple(plan)
        return plan

    def to_representation(self, instance):
        ret = {}
        for name, method, field in self._read_plan():
            if method is not None:
                ret[name] = getattr(self, method)(instance)
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[name] = None if check_for_none is None else field.to_representation(attribute)
        return ret


class EventSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = DossierEvent
        fields = ["at", "actor", "action", "from_status", "to_status", "note"]

    def get_actor(self, event) -> str | None:
        return str(event.actor) if event.actor_id else None


class DocumentSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    class Meta:
        model = DossierDocument
        fields = ["id", "document_code", "kind", "original_name", "content_type", "size", "uploaded_at"]


class StepSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """One time a step of the internal process was worked (api.md "Internal processes"): a line of the
    processing control sheet."""

    agency = serializers.SerializerMethodField(help_text=_("mã cơ quan; null: Bộ phận Một cửa tiếp nhận hồ sơ"))
    assignee = serializers.SerializerMethodField()
    given_by = serializers.SerializerMethodField()
    finished_by = serializers.SerializerMethodField()

    class Meta:
        model = DossierStep
        fields = [
            "seq",
            "code",
            "name",
            "role",
            "agency",
            "assignee",
            "hours",
            "given_by",
            "started_at",
            "due_at",
            "finished_by",
            "finished_at",
            "outcome",
            "timeliness",
            "note",
        ]
        extra_kwargs = {"timeliness": {"allow_null": True}, "outcome": {"allow_null": True}}

    def get_agency(self, step) -> str | None:
        return step.agency.code if step.agency_id else None

    def get_assignee(self, step) -> str | None:
        return step.assignee.username if step.assignee_id else None

    def get_given_by(self, step) -> str | None:
        return str(step.given_by) if step.given_by_id else None

    def get_finished_by(self, step) -> str | None:
        return str(step.finished_by) if step.finished_by_id else None

    def to_representation(self, step):
        data = super().to_representation(step)
        data["timeliness"] = data["timeliness"] or None
        data["outcome"] = data["outcome"] or None
        return data


class DossierSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    procedure = serializers.CharField(source="procedure.code")
    procedure_name = serializers.CharField(source="procedure.name")
    province = serializers.CharField(source="province.code")
    desk = serializers.IntegerField(source="desk_id")
    paused = serializers.SerializerMethodField()
    ticket = serializers.SerializerMethodField()
    events = EventSerializer(many=True)
    documents = DocumentSerializer(many=True)
    fee = serializers.SerializerMethodField()
    current_step = serializers.SerializerMethodField(help_text=_("mã bước đang xử lý; null khi không có"))
    steps = serializers.SerializerMethodField()

    class Meta:
        model = Dossier
        fields = [
            "code",
            "procedure",
            "procedure_name",
            "province",
            "desk",
            "status",
            "intake_channel",
            "return_channel",
            "applicant_name",
            "applicant_phone",
            "applicant_email",
            "address",
            "form_data",
            "form_version",
            "fee_group",
            "submitted_at",
            "received_at",
            "due_at",
            "original_due_at",
            "completed_at",
            "returned_at",
            "outcome",
            "timeliness",
            "paused",
            "ticket",
            "fee",
            "payment_status",
            "rating",
            "current_step",
            "steps",
            "documents",
            "events",
        ]
        # Both are null until the dossier has them (api.md); the schema says so too.
        extra_kwargs = {"outcome": {"allow_null": True}, "timeliness": {"allow_null": True}}

    def get_paused(self, dossier) -> bool:
        return dossier.paused  # a pause in force now, its end still to come included (models.pause_in_force_q)

    def get_ticket(self, dossier) -> dict | None:
        ticket = dossier.ticket
        return {"number": ticket.number, "date": ticket.date, "session": ticket.session} if ticket else None

    def get_current_step(self, dossier) -> str | None:
        return dossier.current_step.code if dossier.current_step_id else None  # select_related by the views

    @extend_schema_field(StepSerializer(many=True))
    def get_steps(self, dossier):
        if dossier.received_at is None:  # no step before acceptance: no query for a draft or a submission
            return []
        if "steps" in getattr(dossier, "_prefetched_objects_cache", {}):
            steps = dossier.steps.all()
        else:
            steps = dossier.steps.select_related("agency", "assignee", "given_by", "finished_by")
        return StepSerializer(steps, many=True).data

    def get_fee(self, dossier) -> int:
        return payments.amount_due(dossier)  # the applicant group's (api.md "fees"), snapshotted at submission

    def to_representation(self, dossier):
        data = super().to_representation(dossier)
        data["timeliness"] = data["timeliness"] or None
        data["outcome"] = data["outcome"] or None
        return data


class DossierListSerializer(serializers.ModelSerializer):
    procedure = serializers.CharField(source="procedure.code")
    desk = serializers.IntegerField(source="desk_id")
    paused = serializers.BooleanField(read_only=True)

    class Meta:
        model = Dossier
        fields = [
            "code",
            "procedure",
            "desk",
            "status",
            "intake_channel",
            "return_channel",
            "applicant_name",
            "submitted_at",
            "received_at",
            "due_at",
            "completed_at",
            "returned_at",
            "timeliness",
            "paused",
        ]


class NoteSerializer(InputFieldsBoundOnce, serializers.Serializer):
    note = TextField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = TextField()
    note = TextField(required=False, allow_blank=True, default="")


class SupplementRequestSerializer(ReasonSerializer):
    missing = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class ProcessSerializer(NoteSerializer):
    handed_to = TextField(required=False, allow_blank=True, default="")


class CompleteSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    result_file = serializers.FileField(required=False)


class ApologizeSerializer(serializers.Serializer):
    new_due_at = serializers.DateTimeField()
    reason = TextField()


class ExceptionSerializer(serializers.Serializer):
    reason = TextField()
    # Kept for older clients, never trusted: the approving head is the account that grants.
    approved_by = serializers.CharField(required=False, allow_blank=True)


class UrgentRequestSerializer(serializers.ModelSerializer):
    dossier = serializers.CharField(source="dossier.code")
    requested_by = serializers.SerializerMethodField()
    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = ExceptionRequest
        fields = ["id", "dossier", "state", "reason", "requested_by", "requested_at", "decided_by", "decided_at"]
        fields += ["decision_note"]

    def get_requested_by(self, request) -> str | None:
        return request.requested_by.username if request.requested_by_id else None

    def get_decided_by(self, request) -> str | None:
        return request.decided_by.username if request.decided_by_id else None


class RateSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class SwitchReturnSerializer(serializers.Serializer):
    return_channel = serializers.ChoiceField(choices=ReturnChannel.choices)
    address = serializers.CharField(required=False, allow_blank=True, max_length=300)


class UploadSerializer(serializers.Serializer):
    """A file (multipart), or `stored_document`: the id of an entry of the caller's document store
    (`GET /api/v1/me/documents/`) to reuse without uploading it again."""

    document_code = serializers.CharField(max_length=32)
    file = serializers.FileField(allow_empty_file=True, required=False)
    stored_document = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text=_("giấy tờ trong kho của công dân, thay cho tệp")
    )

    def validate(self, data):
        if ("file" in data) == ("stored_document" in data):
            message = _("Gửi một tệp (file) hoặc một giấy tờ trong kho (stored_document), không cả hai.")
            raise serializers.ValidationError({"file": [message], "stored_document": [message]})
        return data


class StoredDocumentSerializer(serializers.Serializer):
    """An entry of the citizen's document store (kho dữ liệu, `GET /api/v1/me/documents/`)."""

    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_("submission | supplement | result"))
    document_code = serializers.CharField(help_text=_("mã giấy tờ mà giấy tờ này được dùng làm (rỗng: không có)"))
    name = serializers.CharField(source="label")
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    dossier = serializers.CharField(allow_null=True, help_text=_("mã hồ sơ mà giấy tờ đến từ đó"))
    used_by = serializers.ListField(child=serializers.CharField(), help_text=_("mã các hồ sơ đang có giấy tờ này"))
    removable = serializers.BooleanField(help_text=_("xoá được khỏi kho: không hồ sơ nào đang giải quyết dùng nó"))
    file_url = serializers.CharField()

    def to_representation(self, entry):
        return {
            "id": entry.pk,
            "kind": entry.kind,
            "document_code": entry.counts_as,
            "name": str(entry.label),
            "original_name": entry.original_name,
            "content_type": entry.content_type,
            "size": entry.size,
            "created_at": serializers.DateTimeField().to_representation(entry.created_at),
            "dossier": entry.dossier.code if entry.dossier_id else None,
            "used_by": [dossier.code for dossier in entry.dossiers],
            "removable": entry.removable,
            "file_url": f"/api/v1/me/documents/{entry.pk}/file/",
        }


class TrackingEventSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    at = serializers.DateTimeField()


class TrackingSerializer(serializers.Serializer):
    code = serializers.CharField()
    procedure = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    received_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    returned_at = serializers.DateTimeField(allow_null=True)
    return_channel = serializers.CharField()
    paused = serializers.BooleanField(required=False)
    handling_unit = serializers.CharField()
    history = TrackingEventSerializer(many=True)
    postal_legs = serializers.ListField(child=serializers.DictField())


class ForwardSerializer(serializers.Serializer):
    note = TextField(required=False, allow_blank=True, default="")
    assignee = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("tên đăng nhập của người nhận ở bước tiếp theo")
    )


class SendBackSerializer(serializers.Serializer):
    reason = TextField()
    to_step = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("mã bước trước để trả lại; mặc định bước liền trước")
    )
