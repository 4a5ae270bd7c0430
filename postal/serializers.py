"""Shapes of the postal API (api.md "Postal"). The promised fields: id, kind, dossier (its
code), status, address, created_at, due_at, breached, fee, fee_waived, tracking_code; the
rest is an extension. No rule lives here: input is parsed and handed to services."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import PostalOrder, PostalOrderEvent


class PostalOrderSerializer(serializers.ModelSerializer):
    dossier = serializers.CharField(source="dossier.code", read_only=True, help_text=_("mã hồ sơ"))
    breached = serializers.BooleanField(read_only=True, help_text=_("đã quá hạn SLA"))
    fee_charged = serializers.IntegerField(read_only=True, help_text=_("phần người dân trả (đồng)"))
    province = serializers.CharField(source="province.code", read_only=True)
    desk = serializers.IntegerField(source="desk_id", read_only=True)
    assigned_to = serializers.SerializerMethodField()

    class Meta:
        model = PostalOrder
        fields = [
            "id",
            "kind",
            "dossier",
            "status",
            "address",
            "created_at",
            "due_at",
            "breached",
            "fee",
            "fee_waived",
            "tracking_code",
            # extensions
            "fee_charged",
            "province",
            "desk",
            "zone",
            "recipient_name",
            "recipient_phone",
            "triggered_at",
            "breached_at",
            "attempts",
            "assigned_to",
            "failure_reason",
            "picked_up_at",
            "delivered_at",
            "received_by",
            "fee_collected",
            "handed_over_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_assigned_to(self, order) -> str | None:
        return order.assigned_to.username if order.assigned_to_id else None


class PostalOrderEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = PostalOrderEvent
        fields = ["at", "action", "from_status", "to_status", "actor", "note"]

    def get_actor(self, event) -> str | None:
        if event.client_id:
            return str(event.client.name)
        return event.actor.username if event.actor_id else None


class PostalOrderDetailSerializer(PostalOrderSerializer):
    events = PostalOrderEventSerializer(many=True, read_only=True)

    class Meta(PostalOrderSerializer.Meta):
        fields = [*PostalOrderSerializer.Meta.fields, "events"]
        read_only_fields = fields


class PostalNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class PostalDeliverSerializer(PostalNoteSerializer):
    receiver_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text=_("người ký nhận (tuỳ chọn)")
    )
    fee_collected = serializers.IntegerField(
        min_value=0, required=False, allow_null=True, help_text=_("cước đã thu khi phát, đồng (tuỳ chọn)")
    )


class PostalAssignSerializer(PostalNoteSerializer):
    assignee = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("id của nhân viên bưu chính (mặc định: người gọi)")
    )


class PostalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class SyncPageSerializer(serializers.Serializer):
    """A page of orders changed since a cursor."""

    next = serializers.CharField(allow_null=True, help_text=_("URL của trang tiếp theo, nếu còn"))
    next_changed_since = serializers.CharField(
        help_text=_("giá trị `changed_since` cho lần gọi sau: vị trí (updated_at, id) của dòng cuối")
    )
    results = PostalOrderSerializer(many=True)
