"""The campaign and queue-ticket shapes of the API (api.md "Campaigns", "Walk-in queue
tickets"). Scope and rules are validated by campaigns/rules.py through the services, which
answer 400 with dotted field names ("rules.postal_fee_waived_percent")."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from portal.jsonsafe import JSONField  # a form field's JSON text through the bounded loader

from .models import Campaign, CampaignEvent, QueueTicket, Session
from .rules import describe, describe_scope


class CampaignSerializer(serializers.ModelSerializer):
    province = serializers.SlugRelatedField(slug_field="code", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    # A plain string (draft | scheduled | active | ended): a choice field would add a second
    # "status" enum to the schema beside the dossiers' one.
    status = serializers.CharField(read_only=True, help_text="draft | scheduled | active | ended")
    summary = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "province",
            "title",
            "legal_basis",
            "starts_at",
            "ends_at",
            "status",
            "scope",
            "rules",
            "report_due",
            "summary",
            "created_by",
            "created_at",
            "updated_at",
        ]

    def get_summary(self, campaign) -> dict:
        return {"scope": describe_scope(campaign.scope), "rules": describe(campaign.rules or {})}


class CampaignWriteSerializer(serializers.Serializer):
    province = serializers.CharField(
        required=False, help_text=_("mã tỉnh; quản trị tỉnh chỉ tạo cho tỉnh của mình (bỏ trống)")
    )
    title = serializers.CharField(max_length=300)
    legal_basis = serializers.CharField(max_length=300)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    scope = JSONField(required=False, allow_null=True)
    rules = JSONField(required=False, allow_null=True)
    # Seed 001: the day the list of switched, fee-free returns is due (a reminder goes two working days before).
    report_due = serializers.DateField(required=False, allow_null=True)


class CampaignEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = CampaignEvent
        fields = ["at", "actor", "action", "from_status", "to_status", "note", "changes"]


class EndSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TicketRequestSerializer(serializers.Serializer):
    date = serializers.DateField()
    session = serializers.ChoiceField(choices=Session.choices)
    full_name = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=20)
    procedure = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class TicketSerializer(serializers.ModelSerializer):
    class Meta:
        model = QueueTicket
        fields = ["number", "date", "session"]


class TicketDetailSerializer(serializers.ModelSerializer):
    procedure = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = QueueTicket
        fields = ["number", "date", "session", "full_name", "phone", "procedure", "state", "created_at", "called_at"]


class CallNextSerializer(serializers.Serializer):
    date = serializers.DateField(required=False)
    session = serializers.ChoiceField(choices=Session.choices, required=False)


class PostalFeeSerializer(serializers.Serializer):
    pickup = serializers.IntegerField(allow_null=True, help_text=_("cước nhận hồ sơ tại nhà (đồng), trước miễn giảm"))
    # "return" is a Python keyword: the field is declared under another name and renamed.
    return_ = serializers.IntegerField(allow_null=True, help_text=_("cước chuyển trả kết quả (đồng), trước miễn giảm"))

    def get_fields(self):
        fields = super().get_fields()
        fields["return"] = fields.pop("return_")
        return fields


class ProcedurePolicySerializer(serializers.Serializer):
    """The effective policy of a procedure at a desk and moment (api.md), documentation only:
    the view answers with campaigns.policy values."""

    procedure = serializers.CharField()
    province = serializers.CharField()
    desk = serializers.IntegerField(allow_null=True)
    at = serializers.DateTimeField()
    zone = serializers.CharField(help_text=_("vùng cước bưu chính của postal_fee"))
    intake_channels = serializers.ListField(child=serializers.CharField(), help_text="online | postal | walk_in")
    return_channels = serializers.ListField(child=serializers.CharField(), help_text="desk | postal | online")
    postal_fee = PostalFeeSerializer()
    postal_fee_waived_percent = serializers.IntegerField(
        help_text=_("mức miễn, giảm cước lớn nhất đang áp dụng; đọc kèm postal_fee_waived_scope")
    )
    postal_fee_waived_scope = serializers.ChoiceField(
        choices=["all", "switched"],
        help_text=_(
            "all: mọi lượt bưu chính; switched: chỉ lượt trả kết quả của hồ sơ nộp trước đợt và chuyển sang "
            "nhận qua bưu chính trong đợt (người nộp hồ sơ mới không được miễn, giảm)"
        ),
    )
    postal_fee_waived_percent_every_leg = serializers.IntegerField(
        help_text=_("mức miễn, giảm cước mọi lượt được hưởng, kể cả hồ sơ nộp mới")
    )
    postal_fee_charged = PostalFeeSerializer(help_text=_("cước hồ sơ nộp mới phải trả cho mỗi lượt"))
    subsidy_budget = serializers.CharField()
    pickup_sla_hours = serializers.FloatField()
    return_sla_hours = serializers.FloatField()
    walk_in_capacity_per_session = serializers.IntegerField(allow_null=True)
    clock_paused_until = serializers.DateField(allow_null=True)
    notices = serializers.ListField(child=serializers.CharField())
    campaigns = serializers.ListField(child=serializers.IntegerField())
    online_payment = serializers.BooleanField()
    walk_in_suspended = serializers.BooleanField()
    hold_other_returns = serializers.BooleanField()
    hotlines = serializers.ListField(child=serializers.CharField())
    closed_because = serializers.DictField(child=serializers.CharField())
