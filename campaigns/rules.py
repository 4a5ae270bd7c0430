"""The shape of a campaign's scope and rules (api.md "Campaigns"), as plain values.

    scope = {levels: [3, 4] | None, sectors: [..] | None, agencies: [code] | None,
             desks: [id] | None, procedures: [code] | None, exclude_in_person_only: bool}
    rules = {intake_channels, walk_in_suspended, open_online_and_postal, return_channels,
             hold_other_returns, postal_fee_waived_percent, subsidy_budget, pickup_sla_hours,
             return_sla_hours, clock_stop_until, walk_in_capacity_per_session, notice, hotline,
             notify_on_start}  (each optional: absent = the procedure's own behaviour)

`clean_scope` and `clean_rules` return the cleaned value or raise `Invalid` whose `errors`
map a dotted field name ("rules.postal_fee_waived_percent") to messages, so the API answers
400 {field: [message]} and the pages show each message beside its field. `describe` turns
a campaign's rules into the Vietnamese lines shown to officers and citizens.
No database here: the catalog checks (do these agency codes exist?) are the caller's."""

from __future__ import annotations

from datetime import date, datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

INTAKE_CHANNELS = ("online", "postal", "walk_in")
RETURN_CHANNELS = ("desk", "postal", "online")
SCOPE_KEYS = ("levels", "sectors", "agencies", "desks", "procedures", "exclude_in_person_only")
BOOL_RULES = ("walk_in_suspended", "open_online_and_postal", "hold_other_returns", "notify_on_start")
TEXT_RULES = {"subsidy_budget": 200, "notice": 2000, "hotline": 120}
SLA_RULES = ("pickup_sla_hours", "return_sla_hours")
RULE_KEYS = (
    "intake_channels",
    "walk_in_suspended",
    "open_online_and_postal",
    "return_channels",
    "hold_other_returns",
    "postal_fee_waived_percent",
    "postal_fee_waived_scope",
    "subsidy_budget",
    "pickup_sla_hours",
    "return_sla_hours",
    "clock_stop_until",
    "walk_in_capacity_per_session",
    "notice",
    "hotline",
    "notify_on_start",
)
# Seed 001: `switched` waives only the return legs of dossiers filed (submitted) before the campaign started
# whose return was switched to the post during it (campaigns/waivers.py); `all` (the default) every postal leg.
WAIVER_SCOPES = ("all", "switched")
MAX_SLA_HOURS = 720
MAX_CAPACITY = 10_000


class Invalid(Exception):
    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def empty_scope():
    return dict.fromkeys(SCOPE_KEYS[:-1]) | {"exclude_in_person_only": False}


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _list(value, errors, name, item_ok, item_message):
    if value is None:
        return None
    if not isinstance(value, list | tuple) or not value:
        errors[name] = [_("Nhập một danh sách không rỗng, hoặc null để không giới hạn.")]
        return None
    bad = [item for item in value if not item_ok(item)]
    if bad:
        errors[name] = [item_message % {"value": ", ".join(map(str, bad))}]
        return None
    cleaned = []
    for item in value:
        item = item.strip() if isinstance(item, str) else item
        if item not in cleaned:
            cleaned.append(item)
    return cleaned


def clean_scope(scope):
    """The scope with every key present (None = no restriction on that axis)."""
    if scope is None:
        return empty_scope()
    if not isinstance(scope, dict):
        raise Invalid({"scope": [_("Phạm vi phải là một đối tượng JSON.")]})
    errors = {}
    unknown = sorted(set(scope) - set(SCOPE_KEYS))
    if unknown:
        errors["scope"] = [_("Phạm vi không có mục: %(keys)s.") % {"keys": ", ".join(unknown)}]
    text_ok = lambda item: isinstance(item, str) and item.strip() != ""  # noqa: E731
    cleaned = {
        "levels": _list(
            scope.get("levels"),
            errors,
            "scope.levels",
            lambda item: _is_int(item) and 1 <= item <= 4,
            _("Mức độ dịch vụ công trực tuyến phải từ 1 đến 4 (không hợp lệ: %(value)s)."),
        ),
        "sectors": _list(
            scope.get("sectors"), errors, "scope.sectors", text_ok, _("Lĩnh vực không hợp lệ: %(value)s.")
        ),
        "agencies": _list(
            scope.get("agencies"), errors, "scope.agencies", text_ok, _("Mã cơ quan không hợp lệ: %(value)s.")
        ),
        "desks": _list(
            scope.get("desks"),
            errors,
            "scope.desks",
            lambda item: _is_int(item) and item > 0,
            _("Mã số Bộ phận Một cửa không hợp lệ: %(value)s."),
        ),
        "procedures": _list(
            scope.get("procedures"), errors, "scope.procedures", text_ok, _("Mã thủ tục không hợp lệ: %(value)s.")
        ),
    }
    exclude = scope.get("exclude_in_person_only", False)
    if exclude is None:
        exclude = False
    if not isinstance(exclude, bool):
        errors["scope.exclude_in_person_only"] = [_("Giá trị phải là true hoặc false.")]
    cleaned["exclude_in_person_only"] = bool(exclude) if isinstance(exclude, bool) else False
    if cleaned["levels"]:
        cleaned["levels"] = sorted(cleaned["levels"])
    if errors:
        raise Invalid(errors)
    return cleaned


def _channels(value, allowed, errors, name):
    if not isinstance(value, list | tuple) or not value:
        errors[name] = [_("Chọn ít nhất một kênh được phép.")]
        return None
    unknown = [str(item) for item in value if item not in allowed]
    if unknown:
        errors[name] = [
            _("Kênh không hợp lệ: %(bad)s (chỉ có: %(allowed)s).")
            % {"bad": ", ".join(unknown), "allowed": ", ".join(allowed)}
        ]
        return None
    return [channel for channel in allowed if channel in value]


def parse_date(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def clean_rules(rules, starts_at=None):
    """The rules with only the keys given; `starts_at` (aware) checks the clock-stop date."""
    if rules is None:
        return {}
    if not isinstance(rules, dict):
        raise Invalid({"rules": [_("Quy tắc phải là một đối tượng JSON.")]})
    errors = {}
    unknown = sorted(set(rules) - set(RULE_KEYS))
    if unknown:
        errors["rules"] = [_("Không có quy tắc: %(keys)s.") % {"keys": ", ".join(unknown)}]
    cleaned = {}
    for key, value in rules.items():
        name = f"rules.{key}"
        if key not in RULE_KEYS or value is None:
            continue
        if key == "intake_channels":
            cleaned[key] = _channels(value, INTAKE_CHANNELS, errors, name)
        elif key == "return_channels":
            cleaned[key] = _channels(value, RETURN_CHANNELS, errors, name)
        elif key in BOOL_RULES:
            if not isinstance(value, bool):
                errors[name] = [_("Giá trị phải là true hoặc false.")]
            elif value:
                cleaned[key] = True
        elif key in TEXT_RULES:
            if not isinstance(value, str):
                errors[name] = [_("Giá trị phải là văn bản.")]
            elif len(value.strip()) > TEXT_RULES[key]:
                errors[name] = [_("Tối đa %(n)s ký tự.") % {"n": TEXT_RULES[key]}]
            elif value.strip():
                cleaned[key] = value.strip()
        elif key == "postal_fee_waived_scope":
            if value not in WAIVER_SCOPES:
                errors[name] = [
                    _("Phạm vi miễn, giảm cước là “all” (mọi lượt) hoặc “switched” (hồ sơ chuyển sang bưu chính).")
                ]
            elif value != "all":  # `all` is the default: stored only when it says something
                cleaned[key] = value
        elif key == "postal_fee_waived_percent":
            if not _is_int(value) or not 0 <= value <= 100:
                errors[name] = [_("Phần trăm miễn, giảm cước phải là số nguyên từ 0 đến 100.")]
            else:
                cleaned[key] = value
        elif key in SLA_RULES:
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_SLA_HOURS:
                errors[name] = [_("Số giờ phải lớn hơn 0 và không quá %(n)s.") % {"n": MAX_SLA_HOURS}]
            else:
                cleaned[key] = int(value) if float(value).is_integer() else float(value)
        elif key == "walk_in_capacity_per_session":
            if not _is_int(value) or not 0 <= value <= MAX_CAPACITY:
                errors[name] = [_("Số hồ sơ tối đa mỗi buổi phải là số nguyên từ 0 đến %(n)s.") % {"n": MAX_CAPACITY}]
            else:
                cleaned[key] = value
        elif key == "clock_stop_until":
            day = parse_date(value)
            if day is None:
                errors[name] = [_("Nhập ngày theo dạng YYYY-MM-DD.")]
            elif starts_at is not None and day < _local_date(starts_at):
                errors[name] = [_("Ngày dừng tính thời hạn không được trước ngày bắt đầu đợt.")]
            else:
                cleaned[key] = day.isoformat()
    if cleaned.get("hold_other_returns") and not (cleaned.get("return_channels") or cleaned.get("walk_in_suspended")):
        errors.setdefault("rules.hold_other_returns", []).append(
            _("Lưu giữ kết quả cần giới hạn kênh trả kết quả (hoặc tạm ngừng giao dịch trực tiếp).")
        )
    if errors:
        raise Invalid(errors)
    return {key: cleaned[key] for key in RULE_KEYS if cleaned.get(key) is not None}


def _local_date(moment):
    from portal.calendar import VN_TZ

    return moment.astimezone(VN_TZ).date()


def clean_window(starts_at, ends_at):
    if starts_at is None:
        raise Invalid({"starts_at": [_("Vui lòng nhập thời điểm bắt đầu.")]})
    if ends_at is not None and ends_at <= starts_at:
        raise Invalid({"ends_at": [_("Thời điểm kết thúc phải sau thời điểm bắt đầu.")]})


def clean_campaign(starts_at, ends_at, scope, rules):
    """All three checks at once, so every message is reported together."""
    errors = {}
    cleaned = {}
    for name, check in (
        ("window", lambda: clean_window(starts_at, ends_at)),
        ("scope", lambda: clean_scope(scope)),
        ("rules", lambda: clean_rules(rules, starts_at)),
    ):
        try:
            cleaned[name] = check()
        except Invalid as exc:
            errors.update(exc.errors)
    if errors:
        raise Invalid(errors)
    return cleaned["scope"], cleaned["rules"]


CHANNEL_LABELS = {
    "online": gettext_lazy("trực tuyến"),
    "postal": gettext_lazy("qua bưu chính công ích"),
    "walk_in": gettext_lazy("trực tiếp"),
    "desk": gettext_lazy("tại Bộ phận Một cửa"),
}


def channel_label(channel):
    return str(CHANNEL_LABELS.get(channel, channel))


def _hours(value):
    return f"{value:g}"


def describe(rules):
    """The rules as short Vietnamese sentences, in a stable order."""
    lines = []
    if rules.get("open_online_and_postal"):
        lines.append(
            _("Mở nộp hồ sơ trực tuyến, qua bưu chính công ích và thanh toán trực tuyến (trừ thủ tục buộc trực tiếp).")
        )
    if rules.get("intake_channels"):
        names = ", ".join(channel_label(c) for c in rules["intake_channels"])
        lines.append(_("Chỉ tiếp nhận hồ sơ: %(channels)s.") % {"channels": names})
    if rules.get("walk_in_suspended"):
        lines.append(_("Tạm ngừng tiếp nhận và trả kết quả trực tiếp (trừ trường hợp khẩn cấp được lãnh đạo duyệt)."))
    if rules.get("walk_in_capacity_per_session") is not None:
        lines.append(
            _("Tối đa %(n)s hồ sơ trực tiếp mỗi buổi tại mỗi Bộ phận Một cửa; lấy số thứ tự trước.")
            % {"n": rules["walk_in_capacity_per_session"]}
        )
    if rules.get("return_channels"):
        names = ", ".join(channel_label(c) for c in rules["return_channels"])
        lines.append(_("Chỉ trả kết quả: %(channels)s.") % {"channels": names})
    if rules.get("hold_other_returns"):
        lines.append(_("Kết quả đăng ký nhận theo hình thức khác được lưu giữ đến khi kết thúc đợt."))
    if rules.get("postal_fee_waived_percent"):
        text = _("Miễn, giảm %(p)s%% cước bưu chính công ích") % {"p": rules["postal_fee_waived_percent"]}
        if rules.get("postal_fee_waived_scope") == "switched":
            text += _(" (chỉ lượt trả kết quả của hồ sơ nộp trước đợt và chuyển sang nhận qua bưu chính trong đợt)")
        if rules.get("subsidy_budget"):
            text += _(" (kinh phí: %(b)s)") % {"b": rules["subsidy_budget"]}
        lines.append(text + ".")
    if rules.get("pickup_sla_hours"):
        lines.append(_("Bưu điện nhận hồ sơ trong %(h)s giờ.") % {"h": _hours(rules["pickup_sla_hours"])})
    if rules.get("return_sla_hours"):
        lines.append(
            _("Bưu điện nhận kết quả để chuyển trả trong %(h)s giờ.") % {"h": _hours(rules["return_sla_hours"])}
        )
    if rules.get("clock_stop_until"):
        day = parse_date(rules["clock_stop_until"])
        lines.append(
            _("Thủ tục cần xác minh thực địa dừng tính thời hạn đến hết ngày %(d)s.") % {"d": day.strftime("%d/%m/%Y")}
        )
    if rules.get("notify_on_start"):
        lines.append(_("Nhắn tin, gửi thư cho người có hồ sơ đang giải quyết khi bắt đầu đợt."))
    if rules.get("hotline"):
        lines.append(_("Đường dây nóng: %(h)s.") % {"h": rules["hotline"]})
    return lines


def describe_scope(scope):
    scope = scope or empty_scope()
    parts = []
    if scope.get("levels"):
        parts.append(_("mức độ %(levels)s") % {"levels": ", ".join(map(str, scope["levels"]))})
    if scope.get("sectors"):
        parts.append(_("lĩnh vực %(s)s") % {"s": ", ".join(scope["sectors"])})
    if scope.get("agencies"):
        parts.append(_("cơ quan %(s)s") % {"s": ", ".join(scope["agencies"])})
    if scope.get("desks"):
        parts.append(_("%(n)s Bộ phận Một cửa") % {"n": len(scope["desks"])})
    if scope.get("procedures"):
        parts.append(_("thủ tục %(s)s") % {"s": ", ".join(scope["procedures"])})
    text = "; ".join(parts) if parts else _("mọi thủ tục, mọi Bộ phận Một cửa của tỉnh")
    if scope.get("exclude_in_person_only"):
        text += _(" (trừ thủ tục buộc thực hiện trực tiếp)")
    return text
