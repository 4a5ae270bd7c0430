"""The shape of `GET /api/v1/reports/service-index/` (docs/api.md "Reports"), for drf-spectacular and the tests."""

from rest_framework import serializers


class ReceivedSerializer(serializers.Serializer):
    online = serializers.IntegerField()
    postal = serializers.IntegerField()
    walk_in = serializers.IntegerField()


class IndexSerializer(serializers.Serializer):
    """The promised keys: counters of the window, and rates as fractions 0..1 (null when nothing to divide by)."""

    received = ReceivedSerializer(help_text="Dossiers accepted in the window, by intake channel.")
    carried_over = serializers.IntegerField(help_text="Open at the window's start (kỳ trước chuyển qua).")
    done_early = serializers.IntegerField()
    done_on_time = serializers.IntegerField()
    done_late = serializers.IntegerField()
    in_progress_within = serializers.IntegerField(help_text="Open, running and within the deadline at the end.")
    in_progress_overdue = serializers.IntegerField(help_text="Open, running and past the deadline at the end.")
    paused = serializers.IntegerField(help_text="Open with the clock paused at the end.")
    on_time_rate = serializers.FloatField(allow_null=True, help_text="1 − late_rate.")
    late_rate = serializers.FloatField(
        allow_null=True, help_text="(in_progress_overdue + done_late) ÷ (received + carried_over)."
    )
    online_rate = serializers.FloatField(allow_null=True, help_text="received.online ÷ received.")
    online_payment_rate = serializers.FloatField(
        allow_null=True, help_text="Paid online ÷ received dossiers with a fee."
    )
    postal_share = serializers.FloatField(
        allow_null=True,
        help_text="Of dossiers of procedures announced for the post, those using it (target 30 %, plan 1106).",
    )
    avg_processing_working_days = serializers.FloatField(
        allow_null=True, help_text="Statutory working time from acceptance to result, pauses excluded."
    )
    satisfaction_avg = serializers.FloatField(allow_null=True, help_text="Average rating 1..5 given in the window.")


class StepsSerializer(serializers.Serializer):
    """The internal processes' steps worked by an agency (reports/indicators.py, "Steps"), with group_by=agency."""

    done_early = serializers.IntegerField(help_text="Step rows finished in the window before their own due moment.")
    done_on_time = serializers.IntegerField(
        help_text="… on their due day, by the due moment (sent-back rows count: they were worked)."
    )
    done_late = serializers.IntegerField(help_text="… after their due moment.")
    avg_working_hours = serializers.FloatField(
        allow_null=True, help_text="Working hours from start to finish per step, on the desk's calendar."
    )
    open_overdue = serializers.IntegerField(help_text="Open steps past their due moment now (running dossiers).")


class GroupSerializer(IndexSerializer):
    key = serializers.CharField(help_text="Agency code, desk id, procedure code, or 2024-03-01 / 2024-03 / 2024-Q1.")
    label = serializers.CharField()
    steps = StepsSerializer(required=False, help_text="Only with group_by=agency: the steps the agency worked.")


class ServiceIndexSerializer(IndexSerializer):
    groups = GroupSerializer(many=True, required=False, help_text="Only with group_by.")
    steps = StepsSerializer(required=False, help_text="Only with group_by=agency: the steps of all the groups.")
