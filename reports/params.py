"""The question a report answers: whose dossiers (scope) over which window, grouped how; checked against the
person asking. Shared by the API, the pages and the export task.

Parameters (query string): `province` (code), `agency` (code), `desk` (id), `procedure` (code), the window as
`from` and `to` (dates, `to` exclusive; `from` alone runs to the end of today) or as `period`
(day|week|month|quarter|half|year) with `date` (any day inside it; default today; the default period is the
current month), and `group_by` (agency|desk|procedure|day|month|quarter).

Who may ask: province admins about their province, heads about their agency, officers about their desk,
superusers about anything; a filter naming something outside that (or nothing) is a 404, malformed input a 400
with a message per field. Everyone else (anonymous visitors, citizens, postal clerks) gets what the public
statistics page shows, when the caller allows it (`public=True`): a province's totals and its agencies'
(`province` required; `agency` and group_by agency/day/month/quarter allowed); asking them for a desk or a
procedure is `StaffOnly` (401 anonymous, 403 signed in). Agencies are institutions, not persons: the public
numbers carry no personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Agency, OneStopDesk, Procedure, Province, Role
from portal.widgets import DateField

from . import periods
from .engine import GROUP_BY
from .indicators import Scope

STATS_ROLES = (Role.OFFICER, Role.HEAD, Role.PROVINCE_ADMIN)
PUBLIC_GROUPS = ("agency", "day", "month", "quarter")


class StaffOnly(PermissionDenied):
    """A public caller asked for what only staff see (a desk, a procedure)."""


PERIOD_CHOICES = [
    ("day", gettext_lazy("Ngày")),
    ("week", gettext_lazy("Tuần")),
    ("month", gettext_lazy("Tháng")),
    ("quarter", gettext_lazy("Quý")),
    ("half", gettext_lazy("6 tháng")),
    ("year", gettext_lazy("Năm")),
]
GROUP_CHOICES = [
    ("agency", gettext_lazy("Cơ quan")),
    ("desk", gettext_lazy("Bộ phận Một cửa")),
    ("procedure", gettext_lazy("Thủ tục")),
    ("day", gettext_lazy("Ngày")),
    ("month", gettext_lazy("Tháng")),
    ("quarter", gettext_lazy("Quý")),
]
assert {key for key, _label in GROUP_CHOICES} == set(GROUP_BY)
# The API's query string reads these two only (the pages' date fields show dd/mm/yyyy).
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class IndexQueryForm(forms.Form):
    province = forms.CharField(label=gettext_lazy("Tỉnh"), required=False, max_length=8)
    agency = forms.CharField(label=gettext_lazy("Cơ quan"), required=False, max_length=32)
    desk = forms.IntegerField(label=gettext_lazy("Bộ phận Một cửa"), required=False, min_value=1)
    procedure = forms.CharField(label=gettext_lazy("Thủ tục"), required=False, max_length=32)
    period = forms.ChoiceField(label=gettext_lazy("Kỳ"), required=False, choices=[("", "—"), *PERIOD_CHOICES])
    date = DateField(label=gettext_lazy("Ngày trong kỳ"), required=False, input_formats=DATE_FORMATS)
    from_ = DateField(label=gettext_lazy("Từ ngày"), required=False, input_formats=DATE_FORMATS)
    to = DateField(label=gettext_lazy("Đến trước ngày"), required=False, input_formats=DATE_FORMATS)
    group_by = forms.ChoiceField(label=gettext_lazy("Nhóm theo"), required=False, choices=[("", "—"), *GROUP_CHOICES])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword: the field is declared as from_ and answers to "from".
        self.fields["from"] = self.fields.pop("from_")

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        start, end = data.get("from"), data.get("to")
        if self.errors:
            return data
        if start is None and end is not None:
            raise ValidationError({"from": _("Vui lòng nhập ngày bắt đầu (from) khi có ngày kết thúc (to).")})
        if start is not None:
            if data.get("period"):
                raise ValidationError({"period": _("Chỉ chọn một cách: kỳ (period) hoặc khoảng ngày (from, to).")})
            end = end or today + timedelta(days=1)
        else:
            start, end = periods.window_for(data.get("period") or "month", data.get("date") or today)
        if end <= start:
            raise ValidationError({"to": _("Ngày kết thúc (to, không tính) phải sau ngày bắt đầu.")})
        if start > today:
            raise ValidationError({"from": _("Kỳ báo cáo bắt đầu sau ngày hôm nay.")})
        if (end - start).days > settings.REPORTS_MAX_WINDOW_DAYS:
            raise ValidationError(
                {"to": _("Khoảng thời gian tối đa %(days)s ngày.") % {"days": settings.REPORTS_MAX_WINDOW_DAYS}}
            )
        if data.get("group_by") == "day" and (end - start).days > 366:
            raise ValidationError({"group_by": _("Nhóm theo ngày chỉ áp dụng cho khoảng tối đa 366 ngày.")})
        data["start"], data["end"] = start, end
        return data


@dataclass
class ReportQuery:
    scope: Scope
    start: date
    end: date
    group_by: str
    province: Province | None = None
    agency: Agency | None = None
    desk: OneStopDesk | None = None
    procedure: Procedure | None = None
    public: bool = False

    @property
    def window_label(self):
        return periods.describe(self.start, self.end)

    @property
    def scope_label(self):
        parts = [str(o) for o in (self.province, self.agency, self.desk) if o is not None]
        if self.procedure is not None:
            parts.append(f"{self.procedure.code} {self.procedure.name}")
        return " – ".join(parts) or _("Toàn quốc")

    def params(self):
        """The query string that asks the same question again (links, exports)."""
        values = {
            "province": self.province.code if self.province else None,
            "agency": self.agency.code if self.agency else None,
            "desk": self.desk.pk if self.desk else None,
            "procedure": self.procedure.code if self.procedure else None,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "group_by": self.group_by or None,
        }
        return {key: value for key, value in values.items() if value is not None}


def may_see_statistics(user):
    return bool(user and user.is_authenticated and (user.is_superuser or user.role in STATS_ROLES))


def _not_found():
    return Http404(_("Không tìm thấy đơn vị hoặc thủ tục trong phạm vi của bạn."))


def _valid(data):
    form = IndexQueryForm(data)
    if not form.is_valid():
        raise ValidationError({field: list(messages) for field, messages in form.errors.items()})
    return form.cleaned_data


def resolve_public(values) -> ReportQuery:
    """What anyone may see: a province (required), optionally one of its agencies."""
    if values["desk"] or values["procedure"] or values["group_by"] not in ("", *PUBLIC_GROUPS):
        raise StaffOnly(_("Thống kê theo bộ phận một cửa hoặc thủ tục chỉ dành cho cán bộ."))
    if not values["province"]:
        raise ValidationError({"province": [_("Vui lòng chọn tỉnh (province).")]})
    province = Province.objects.filter(code=values["province"]).first()
    if province is None:
        raise _not_found()
    agency = None
    if values["agency"]:
        agency = Agency.objects.filter(code=values["agency"], province=province).first()
        if agency is None:
            raise _not_found()
    return ReportQuery(
        scope=Scope(province_id=province.pk, agency_id=agency.pk if agency else None),
        start=values["start"],
        end=values["end"],
        group_by=values["group_by"],
        province=province,
        agency=agency,
        public=True,
    )


def resolve(user, data, public=False) -> ReportQuery:
    """Check `data` (a QueryDict or dict) against `user`; raises ValidationError, Http404 or PermissionDenied.
    With `public`, callers without a statistics role get the public view instead of a 403."""
    if not may_see_statistics(user):
        if not public:
            raise PermissionDenied(_("Bạn không có quyền xem thống kê."))
        return resolve_public(_valid(data))
    values = _valid(data)
    province = agency = desk = procedure = None
    if not user.is_superuser:
        province = user.province or (user.desk.province if user.desk_id else None)
        if province is None or (values["province"] and values["province"] != province.code):
            raise _not_found()
    elif values["province"]:
        province = Province.objects.filter(code=values["province"]).first() or None
        if province is None:
            raise _not_found()
    if values["agency"]:
        agency = Agency.objects.filter(code=values["agency"]).first()
        if agency is None or (province and agency.province_id != province.pk):
            raise _not_found()
    if values["desk"]:
        desk = OneStopDesk.objects.filter(pk=values["desk"]).first()
        if desk is None or (province and desk.province_id != province.pk):
            raise _not_found()
    if not user.is_superuser:
        if user.role == Role.HEAD:
            if agency is not None and agency.pk != user.agency_id:
                raise _not_found()
            agency = user.agency
        elif user.role == Role.OFFICER:
            if desk is not None and desk.pk != user.desk_id:
                raise _not_found()
            desk = user.desk
    province = province or (agency.province if agency else desk.province if desk else None)
    if values["procedure"]:
        candidates = Procedure.objects.filter(code=values["procedure"])
        if province is not None:
            candidates = candidates.filter(province=province)
        found = list(candidates[:2])
        if len(found) > 1:
            raise ValidationError({"procedure": [_("Mã thủ tục trùng ở nhiều tỉnh: vui lòng chọn tỉnh (province).")]})
        if not found:
            raise _not_found()
        procedure = found[0]
        province = province or procedure.province
    scope = Scope(
        province_id=province.pk if province else None,
        agency_id=agency.pk if agency else None,
        desk_id=desk.pk if desk else None,
        procedure_id=procedure.pk if procedure else None,
    )
    return ReportQuery(
        scope=scope,
        start=values["start"],
        end=values["end"],
        group_by=values["group_by"],
        province=province,
        agency=agency,
        desk=desk,
        procedure=procedure,
    )
