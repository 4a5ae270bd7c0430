from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import fees
from .models import Agency, OneStopDesk, Procedure, ProcedureForm, Province, RequiredDocument, phone_validator


def number(value):
    """A Decimal as the JSON number a client expects: 5 rather than "5.00"."""
    return int(value) if value == int(value) else float(value)


class ProvinceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["code", "name", "postal_sla_clock_hours"]


class AgencySerializer(serializers.ModelSerializer):
    province = serializers.SlugRelatedField(slug_field="code", read_only=True)
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Agency
        fields = ["code", "name", "level", "province", "parent"]


class DeskSerializer(serializers.ModelSerializer):
    province = serializers.SlugRelatedField(slug_field="code", read_only=True)
    # Null for the province's public-administration centre, which serves every agency.
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    opening_hours = serializers.SerializerMethodField()

    class Meta:
        model = OneStopDesk
        fields = ["id", "code", "name", "province", "agency", "address", "phone", "opening_hours"]

    def get_opening_hours(self, desk) -> dict:
        return {
            "morning": [desk.morning_opens.strftime("%H:%M"), desk.morning_closes.strftime("%H:%M")],
            "afternoon": [desk.afternoon_opens.strftime("%H:%M"), desk.afternoon_closes.strftime("%H:%M")],
        }


class RequiredDocumentSerializer(serializers.ModelSerializer):
    template_url = serializers.SerializerMethodField(
        help_text=_("mẫu đơn, tờ khai (tải về công khai); null khi giấy tờ không có mẫu")
    )

    class Meta:
        model = RequiredDocument
        fields = ["code", "name", "required", "form", "copies", "template_url"]

    def get_template_url(self, document) -> str | None:
        if not document.template:
            return None
        request = self.context.get("request")
        path = document.template_path
        return request.build_absolute_uri(path) if request is not None else path


class FeeGroupSerializer(serializers.Serializer):
    group = serializers.CharField(help_text=_("mã đối tượng; default: mức thu chung (bằng fee)"))
    label = serializers.CharField()
    amount = serializers.IntegerField(help_text=_("đồng"))
    proof_document = serializers.CharField(
        required=False, help_text=_("mã giấy tờ chứng minh, bắt buộc với hồ sơ thuộc đối tượng này")
    )


class ProcessingTimeSerializer(serializers.Serializer):
    value = serializers.FloatField()
    unit = serializers.ChoiceField(choices=["working_days", "working_hours", "same_day"])


class ProcedureSerializer(serializers.ModelSerializer):
    province = serializers.SlugRelatedField(slug_field="code", read_only=True)
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    processing_time = serializers.SerializerMethodField()
    documents = RequiredDocumentSerializer(many=True, read_only=True)
    fees = serializers.SerializerMethodField()

    class Meta:
        model = Procedure
        fields = [
            "id",
            "code",
            "name",
            "sector",
            "province",
            "agency",
            "agency_name",
            "level",
            "processing_time",
            "fee",
            "fee_note",
            "postal_intake",
            "postal_return",
            "in_person_only",
            "field_verification",
            "result",
            "result_document",
            "legal_basis",
            "active",
            "documents",
            "fees",
        ]

    @extend_schema_field(FeeGroupSerializer(many=True))
    def get_fees(self, procedure):
        """Every applicant group's fee, the default first; a procedure without groups has the one default group,
        at its fee (api.md "fees")."""
        return [group.as_api() for group in fees.groups_of(procedure)]

    def get_processing_time(self, procedure) -> ProcessingTimeSerializer:
        return {"value": number(procedure.processing_time_value), "unit": procedure.processing_time_unit}


class ProcedureFormSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    fields = serializers.ListField(child=serializers.DictField(), help_text=_("các trường của tờ khai (api.md)"))


class ProcedureDetailSerializer(ProcedureSerializer):
    """One procedure: the list's fields and its current declaration form (null when it has none)."""

    form = serializers.SerializerMethodField()

    class Meta(ProcedureSerializer.Meta):
        fields = [*ProcedureSerializer.Meta.fields, "form"]

    @extend_schema_field(ProcedureFormSerializer(allow_null=True))
    def get_form(self, procedure):
        form = ProcedureForm.current(procedure)
        return {"version": form.version, **form.definition} if form else None


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    full_name = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=16)
    email = serializers.EmailField(required=False, allow_blank=True)
    national_id = serializers.CharField(max_length=12, required=False, allow_blank=True)


class RegisteredUserSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    phone = serializers.CharField()
    phone_confirmed = serializers.BooleanField(
        help_text=_("false sau khi đăng ký: xác nhận bằng POST /api/v1/me/phone/code/ rồi /api/v1/me/phone/confirm/")
    )
    email = serializers.EmailField()
    role = serializers.CharField()


class PhoneChangeSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=20, validators=[phone_validator])

    def validate_phone(self, value):
        value = value.strip().replace(" ", "")
        phone_validator(value)
        user = self.context.get("user")
        if user is not None and value == user.phone:
            raise serializers.ValidationError(_("Đây đã là số điện thoại của tài khoản."))
        return value


class PhoneCodeSerializer(serializers.Serializer):
    code = serializers.RegexField(r"^\s*[0-9]{6}\s*$", error_messages={"invalid": _("Mã xác nhận gồm 6 chữ số.")})


class PhoneStatusSerializer(serializers.Serializer):
    """The account's phone and its confirmation (GET /api/v1/me/ carries `phone` and `phone_confirmed` too)."""

    phone = serializers.CharField()
    phone_confirmed = serializers.BooleanField(source="confirmed")
    code_sent_at = serializers.DateTimeField(allow_null=True, help_text=_("lúc gửi mã hiện hành; null: chưa có"))
    code_expires_at = serializers.DateTimeField(source="expires_at", allow_null=True)
    attempts_left = serializers.IntegerField(allow_null=True)
    resend_after = serializers.IntegerField(source="resend_wait", help_text=_("số giây đến khi được gửi mã mới"))


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Gửi kèm: Authorization: Token <token>"))


class TextField(serializers.CharField):
    """A CharField that takes only text: REST framework's turns a JSON number into its digits, so `"reason": 6014`
    passed for a reason; here it is a 400 naming the field, as the schema (type string) says."""

    default_error_messages = {"not_text": _("Giá trị phải là một chuỗi văn bản.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text")
        return super().to_internal_value(data)
