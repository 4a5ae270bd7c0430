"""Danh sách xác nhận hồ sơ tiếp nhận và trả kết quả qua dịch vụ bưu chính công ích: the list
of every postal intake (pickup) and return of a province or an agency in a window, with the fee
charged to the citizen, the part waived (paid by the subsidy budget) and totals per agency. It
is the list the Department of Finance signs (seed 000, Đồng Nai 3515/KH-UBND) and the list the
post sends before the deadline (seed 001, Khánh Hòa 2964/UBND-KSTT).

Which orders: every order whose `triggered_at` (acceptance of the dossier for a pickup, the result
being ready for a return: the moment the leg arose, and the moment whose policy decided the
waiver) falls on a day from `from` to `to`, both included, counted in Asia/Ho_Chi_Minh; cancelled
orders are left out (nothing was carried); failed ones stay (the post went out, and may retry).

Totals (per agency, per budget, grand) are SQL aggregates over the same queryset; the rows are
read with `.values()` in one query (or a keyset page of it), never summed in Python.

Who may ask: province admins and postal clerks about their province, heads about their agency,
superusers about anything; naming another province or agency is a 404, other roles a 403."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import keyset
from portal.models import Agency, Province, Role
from portal.widgets import DateField

from .models import PostalOrder

TITLE = gettext_lazy("Danh sách xác nhận hồ sơ tiếp nhận và trả kết quả qua dịch vụ bưu chính công ích")
FORMATS = ("json", "csv", "xlsx")
REPORT_ROLES = (Role.PROVINCE_ADMIN, Role.POSTAL_CLERK, Role.HEAD)
DATE_BASIS = "triggered_at"
# The longest window one list may cover (a year and a day: a leap year's list, from 1/1 to 1/1).
MAX_WINDOW_DAYS = 367
# The API's query string reads these two only (the page's date field shows dd/mm/yyyy).
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class PostalReportForm(forms.Form):
    """The query string of the API and of the page. `from` and `to` are dates (yyyy-mm-dd or
    dd/mm/yyyy), both included; without them the window is the current month up to today."""

    province = forms.CharField(label=gettext_lazy("Tỉnh (mã)"), required=False, max_length=8)
    agency = forms.CharField(label=gettext_lazy("Cơ quan"), required=False, max_length=32)
    from_ = DateField(label=gettext_lazy("Từ ngày"), required=False, input_formats=DATE_INPUT_FORMATS)
    to = DateField(label=gettext_lazy("Đến ngày"), required=False, input_formats=DATE_INPUT_FORMATS)
    format = forms.ChoiceField(
        label=gettext_lazy("Định dạng"), required=False, choices=[(f, f.upper()) for f in FORMATS]
    )
    # Seed 001: the legs a campaign waived (`campaign`), and of them the switched returns (`switched=1`).
    campaign = forms.IntegerField(label=gettext_lazy("Đợt áp dụng (mã số)"), required=False, min_value=1)
    switched = forms.BooleanField(label=gettext_lazy("Chỉ hồ sơ chuyển sang nhận qua bưu chính"), required=False)

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword: declared as from_, answers to "from".
        self.fields["from"] = self.fields.pop("from_")
        if agencies is not None:
            # The page offers the agencies of the person's scope as a list.
            self.fields["agency"] = forms.ChoiceField(
                label=gettext_lazy("Cơ quan"),
                required=False,
                choices=[("", _("Tất cả cơ quan")), *((a.code, f"{a.name} ({a.code})") for a in agencies)],
            )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        today = timezone.localdate()
        start, end = data.get("from"), data.get("to")
        if end is None:
            end = today if start is None or start <= today else start
        if start is None:
            start = end.replace(day=1)
        if start > end:
            raise ValidationError({"to": _("Ngày kết thúc (to) phải bằng hoặc sau ngày bắt đầu (from).")})
        if (end - start).days >= MAX_WINDOW_DAYS:
            raise ValidationError({"to": _("Khoảng thời gian tối đa %(days)s ngày.") % {"days": MAX_WINDOW_DAYS}})
        data["start"], data["end"] = start, end
        data["format"] = data.get("format") or "json"
        return data


def form_errors(form):
    """A bound form's errors as the API's 400 body: {"field": ["message"]}."""
    return {field: [str(message) for message in messages] for field, messages in form.errors.items()}


# --- who may ask about what ------------------------------------------------------------------------------


def may_report(user):
    return bool(user and user.is_authenticated and (user.is_superuser or user.role in REPORT_ROLES))


def agencies_for(user):
    """The agencies a person may filter on (the page's list)."""
    if user.is_superuser:
        return Agency.objects.order_by("province__name", "code")
    if user.role == Role.HEAD:
        return Agency.objects.filter(pk=user.agency_id)
    return Agency.objects.filter(province_id=user.province_id).order_by("code")


def resolve_scope(user, province_code="", agency_code=""):
    """(province, agency) the person asks about, checked against what is theirs.

    PermissionDenied (403) for a role without this report; Http404 for a code that is not
    theirs or not there."""
    if not may_report(user):
        raise PermissionDenied(_("Bạn không có quyền xem báo cáo bưu chính công ích."))
    province = agency = None
    if province_code:
        province = Province.objects.filter(code=province_code).first()
        if province is None:
            raise Http404
    if agency_code:
        agency = Agency.objects.filter(code=agency_code).select_related("province").first()
        if agency is None or (province is not None and agency.province_id != province.pk):
            raise Http404
        province = province or agency.province
    if user.is_superuser:
        return province, agency
    if user.role == Role.HEAD:
        if (province and province.pk != user.province_id) or (agency and agency.pk != user.agency_id):
            raise Http404
        own = user.agency
        return own.province, own
    if province and province.pk != user.province_id:
        raise Http404
    return user.province, agency


# --- the list ---------------------------------------------------------------------------------------------

ROW_FIELDS = {
    "id": "id",
    "tracking_code": "tracking_code",
    "kind": "kind",
    "status": "status",
    "dossier_code": "dossier__code",
    "procedure_code": "dossier__procedure__code",
    "procedure_name": "dossier__procedure__name",
    "agency_code": "agency__code",
    "agency_name": "agency__name",
    "recipient_name": "recipient_name",
    "address": "address",
    "triggered_at": "triggered_at",
    "picked_up_at": "picked_up_at",
    "delivered_at": "delivered_at",
    "fee": "fee",
    "fee_waived": "fee_waived",
    "waived_percent": "waived_percent",
    "budget": "subsidy_budget",
}
ORDER = ("agency__code", "triggered_at", "id")
DEFAULT_PAGE_SIZE = 500
MAX_PAGE_SIZE = 5000


def _charged():
    return F("fee") - F("fee_waived")


def _totals():
    """The aggregates of a total line, one SQL expression each (named total_<key>: an
    annotation may not shadow the model's own `fee` and `fee_waived`)."""
    zero = Value(0, output_field=IntegerField())
    return {
        "total_orders": Count("id"),
        "total_pickups": Count("id", filter=Q(kind=PostalOrder.Kind.PICKUP)),
        "total_returns": Count("id", filter=Q(kind=PostalOrder.Kind.RETURN)),
        "total_waived_orders": Count("id", filter=Q(fee_waived__gt=0)),
        "total_fee": Coalesce(Sum("fee"), zero),
        "total_fee_waived": Coalesce(Sum("fee_waived"), zero),
        "total_fee_charged": Coalesce(Sum(_charged(), output_field=IntegerField()), zero),
    }


def _plain(line):
    return {key.removeprefix("total_") if key.startswith("total_") else key: value for key, value in line.items()}


TOTAL_KEYS = ("orders", "pickups", "returns", "waived_orders", "fee", "fee_waived", "fee_charged")


def local_day_start(day):
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def switched_returns(campaign_id=None):
    """Return legs of dossiers filed (submitted) before the campaign started (or, without a campaign, before
    the order) whose return was switched to the post: seed 001's "hồ sơ đã nộp ... chưa đăng ký nhận kết quả
    qua bưu chính công ích", the list the post reports for the subsidy (the rule of campaigns/waivers.py)."""
    from campaigns.models import Campaign
    from dossiers.models import DossierEvent

    switched = DossierEvent.objects.filter(dossier=OuterRef("dossier"), action="switch_return", data__to="postal")
    q = Q(kind=PostalOrder.Kind.RETURN)
    campaign = Campaign.objects.filter(pk=campaign_id).first() if campaign_id else None
    if campaign is not None:
        q &= Q(dossier__submitted_at__lt=campaign.starts_at)
        switched = switched.filter(at__gte=campaign.starts_at)
        if campaign.ends_at is not None:
            switched = switched.filter(at__lt=campaign.ends_at)
    else:
        q &= Q(dossier__submitted_at__lt=F("triggered_at"))
    return q & Q(Exists(switched))


@dataclass
class PostalReport:
    start: date
    end: date  # included
    province: Province | None = None
    agency: Agency | None = None
    campaign_id: int | None = None
    switched: bool = False

    title = TITLE
    date_basis = DATE_BASIS

    @classmethod
    def for_request(cls, user, data):
        """From a valid PostalReportForm's cleaned data, checked against the person."""
        province, agency = resolve_scope(user, data.get("province") or "", data.get("agency") or "")
        return cls(
            start=data["start"],
            end=data["end"],
            province=province,
            agency=agency,
            campaign_id=data.get("campaign"),
            switched=bool(data.get("switched")),
        )

    @property
    def window(self):
        """[start 00:00, day after end 00:00) in Asia/Ho_Chi_Minh, as aware datetimes."""
        return local_day_start(self.start), local_day_start(self.end + timedelta(days=1))

    def orders(self):
        since, until = self.window
        queryset = PostalOrder.objects.filter(triggered_at__gte=since, triggered_at__lt=until).exclude(
            status=PostalOrder.Status.CANCELLED
        )
        if self.province is not None:
            queryset = queryset.filter(province=self.province)
        if self.agency is not None:
            queryset = queryset.filter(agency=self.agency)
        if self.campaign_id is not None:
            queryset = queryset.filter(subsidy__campaign_id=self.campaign_id)
        if self.switched:
            queryset = queryset.filter(switched_returns(self.campaign_id))
        return queryset

    def rows(self):
        """Every row, in the list's order (agency, date, id), as dicts (see ROW_FIELDS, plus
        fee_charged); a lazy queryset: iterate it (with .iterator() for a long export)."""
        plain = [key for key, path in ROW_FIELDS.items() if key == path]
        renamed = {key: F(path) for key, path in ROW_FIELDS.items() if key != path}
        return self.orders().annotate(fee_charged=_charged()).order_by(*ORDER).values(*plain, "fee_charged", **renamed)

    def page(self, cursor=None, size=DEFAULT_PAGE_SIZE):
        """One keyset page of rows after `cursor`: (rows, next cursor or None)."""
        rows = self.rows()
        position = keyset.decode(cursor, str, datetime, int)
        if position is not None:
            code, moment, pk = position
            rows = rows.filter(
                Q(agency__code__gt=code)
                | Q(agency__code=code, triggered_at__gt=moment)
                | Q(agency__code=code, triggered_at=moment, id__gt=pk)
            )
        found = list(rows[: size + 1])
        if len(found) <= size:
            return found, None
        found = found[:size]
        last = found[-1]
        return found, keyset.encode(last["agency_code"], last["triggered_at"], last["id"])

    def agency_totals(self):
        """One line per agency: code, name and TOTAL_KEYS (a GROUP BY query)."""
        lines = (
            self.orders()
            .values("agency__code", "agency__name")
            .annotate(**_totals())
            .order_by("agency__code")
            .values("agency__code", "agency__name", *(f"total_{key}" for key in TOTAL_KEYS))
        )
        return [_plain(line) for line in lines]

    def budget_totals(self):
        """The waived amounts per budget (who pays the post), for the orders with a waiver."""
        return list(
            self.orders()
            .filter(fee_waived__gt=0)
            .values("subsidy_budget")
            .annotate(orders=Count("id"), waived=Sum("fee_waived"))
            .order_by("subsidy_budget")
        )

    def totals(self):
        return _plain(self.orders().aggregate(**_totals()))

    # --- labels for the headings ------------------------------------------------------------------------

    @property
    def scope_label(self):
        if self.agency is not None:
            return f"{self.agency.name} – {self.agency.province.name}"
        if self.province is not None:
            return self.province.name
        return _("Tất cả các tỉnh")

    @property
    def filter_label(self):
        """The campaign filter in words ("" without one): seed 001's list of the switched returns."""
        if self.campaign_id is None and not self.switched:
            return ""
        from campaigns.models import Campaign

        parts = []
        campaign = Campaign.objects.filter(pk=self.campaign_id).first() if self.campaign_id else None
        if campaign is not None:
            text = _("lượt được miễn, giảm cước theo “%(title)s” (%(basis)s)")
            parts.append(text % {"title": campaign.title, "basis": campaign.legal_basis})
        if self.switched:
            parts.append(_("chỉ lượt trả kết quả của hồ sơ nộp trước đợt, chuyển sang nhận qua bưu chính"))
        return "; ".join(parts)

    @property
    def window_label(self):
        return _("Từ ngày %(start)s đến ngày %(end)s") % {
            "start": self.start.strftime("%d/%m/%Y"),
            "end": self.end.strftime("%d/%m/%Y"),
        }

    @property
    def authority(self):
        """The heading's issuing body: the agency, else the province's people's committee."""
        if self.agency is not None:
            return self.agency.name
        if self.province is not None:
            name = self.province.name
            if name.lower().startswith(("tỉnh", "thành phố")):
                return _("UBND %(province)s") % {"province": name}
            return _("UBND tỉnh %(province)s") % {"province": name}
        return ""


# The list's columns (page, CSV, XLSX): key in a row, heading, kind of value.
COLUMNS = (
    ("no", gettext_lazy("STT"), "int"),
    ("tracking_code", gettext_lazy("Mã vận đơn"), "text"),
    ("kind", gettext_lazy("Dịch vụ"), "kind"),
    ("dossier_code", gettext_lazy("Mã hồ sơ"), "text"),
    ("procedure_code", gettext_lazy("Mã TTHC"), "text"),
    ("procedure_name", gettext_lazy("Tên thủ tục hành chính"), "text"),
    ("agency_code", gettext_lazy("Mã cơ quan"), "text"),
    ("agency_name", gettext_lazy("Cơ quan giải quyết"), "text"),
    ("recipient_name", gettext_lazy("Tổ chức, cá nhân"), "text"),
    ("address", gettext_lazy("Địa chỉ"), "text"),
    ("triggered_at", gettext_lazy("Ngày phát sinh"), "date"),
    ("picked_up_at", gettext_lazy("Ngày nhận gửi"), "date"),
    ("delivered_at", gettext_lazy("Ngày phát"), "date"),
    ("status", gettext_lazy("Trạng thái"), "status"),
    ("fee", gettext_lazy("Cước theo biểu giá (đồng)"), "money"),
    ("fee_charged", gettext_lazy("Tổ chức, cá nhân nộp (đồng)"), "money"),
    ("fee_waived", gettext_lazy("Miễn, giảm – ngân sách hỗ trợ (đồng)"), "money"),
    ("waived_percent", gettext_lazy("Tỷ lệ miễn, giảm (%)"), "int"),
    ("budget", gettext_lazy("Nguồn kinh phí hỗ trợ"), "text"),
)
TOTAL_COLUMNS = (
    ("agency_code", gettext_lazy("Mã cơ quan"), "text"),
    ("agency_name", gettext_lazy("Cơ quan giải quyết"), "text"),
    ("orders", gettext_lazy("Số lượt"), "int"),
    ("pickups", gettext_lazy("Nhận hồ sơ"), "int"),
    ("returns", gettext_lazy("Trả kết quả"), "int"),
    ("waived_orders", gettext_lazy("Số lượt được miễn, giảm"), "int"),
    ("fee", gettext_lazy("Cước theo biểu giá (đồng)"), "money"),
    ("fee_charged", gettext_lazy("Tổ chức, cá nhân nộp (đồng)"), "money"),
    ("fee_waived", gettext_lazy("Miễn, giảm – ngân sách hỗ trợ (đồng)"), "money"),
)


def cell_value(row, key, kind):
    """A row's value for a column: labels for codes, local dates for moments, ints for money."""
    value = row.get(key)
    if kind == "date":
        return local(value).date() if value else None
    if kind == "kind":
        return kind_label(value)
    if kind == "status":
        return status_label(value)
    return value


def agency_line(line):
    """An agency_totals() line with plain keys (agency_code, agency_name, …)."""
    return {
        "agency_code": line["agency__code"],
        "agency_name": line["agency__name"],
        **{key: line[key] for key in TOTAL_KEYS},
    }


def local(moment):
    return timezone.localtime(moment) if moment else None


def kind_label(kind):
    try:
        return str(PostalOrder.Kind(kind).label)
    except ValueError:
        return kind


def status_label(status):
    try:
        return str(PostalOrder.Status(status).label)
    except ValueError:
        return status


def page_size(value):
    try:
        size = int(value)
    except (TypeError, ValueError):
        return DEFAULT_PAGE_SIZE
    return max(1, min(size, MAX_PAGE_SIZE))
