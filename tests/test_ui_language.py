"""The Vietnamese UI shows no English and no raw key (issue 11, point 5).

`test_every_page_of_every_role_reads_vietnamese` loads the demo data (`load_demo`, as `make run`
does), then, for an anonymous visitor and each role's demo account, walks the URL conf: every named
page that answers a GET, filled with real objects that account may see (its dossiers in each status,
its campaigns, postal orders, desks, printables…). The visible text of each answer (tags, scripts
and styles stripped; titles, alt texts, placeholders and button values kept) must hold no word of
ENGLISH and no choice key of a model field where its label belongs. Pages other helpers change may
make it fail later: that is its job. The tests after it pin each fix this file came with."""

import os
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal.models import Role, User

pytestmark = pytest.mark.django_db

# Words and phrases of Django's, DRF's or our own English that must never reach the Vietnamese UI.
# Matched as whole words; the lower-case ones in any letter case.
ENGLISH = [
    "Forbidden",
    "CSRF",
    "This field",
    "password",
    "username",
    "None",
    "True",
    "False",
    "postal order",
    "payment",
    "Submit",
    "Delete",
    "Save",
    "Cancel",
    "Search",
    "Login",
    "Log in",
    "Log out",
    "Sign in",
    "Next",
    "Previous",
    "Error",
    "required",
    "Invalid",
    "Enter a valid",
    "Ensure this value",
    "Select a valid choice",
    "characters",
    "Not Found",
    "Page not found",
    "Server Error",
    "Bad Request",
    "minutes",
    "hours",
    "days",
    "ago",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "March",
    "April",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "a.m.",
    "p.m.",
    "midnight",
    "noon",
    "Yes",
    "Unknown",
    "pending",
    "status",
    "order",
    "the",
]
_ENGLISH = [
    (word, re.compile(rf"(?<![\w.]){re.escape(word)}(?![\w])", 0 if word[0].isupper() else re.IGNORECASE))
    for word in ENGLISH
]

# Routes not pages: files, exports, the API (it speaks JSON), the Django admin (Django's own UI,
# for superusers), the language switch, and routes that only take POST (their GET is a 405).
SKIP_ROUTES = {
    "dossiers:document_file",
    "dossiers:result_file",
    "reports:download",
    "reports:export_file",
    "reports:export_status",
    "logout",
    "set_language",
    "healthz",
}
SKIP_PREFIXES = ("admin/", "api/")

# Choice keys that are also ordinary words of the visible text (brand names, units).
NOT_KEYS = {"pdf", "sms", "email"}


class _Visible(HTMLParser):
    """The text a person sees, plus the attributes a screen or a screen reader shows."""

    HIDDEN = {"script", "style", "template", "noscript"}
    SHOWN_ATTRS = {"title", "alt", "placeholder", "aria-label"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1
        attrs = dict(attrs)
        for name in self.SHOWN_ATTRS & attrs.keys():
            self.parts.append(attrs[name] or "")
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html):
    parser = _Visible()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def choice_keys():
    """Every choice key of our models' fields that reads as a word (not a number, not a label too)."""
    keys = set()
    for model in apps.get_models():
        if model._meta.app_label not in ("portal", "campaigns", "dossiers", "postal", "reports"):
            continue
        for field in model._meta.get_fields():
            for key, label in getattr(field, "flatchoices", None) or ():
                if isinstance(key, str) and re.fullmatch(r"[a-z][a-z_]{2,}", key) and key != str(label):
                    keys.add(key)
    return keys - NOT_KEYS


def problems(text, keys):
    found = [f"“{word}”" for word, pattern in _ENGLISH if pattern.search(text)]
    words = set(re.findall(r"(?<![\w.@/-])[a-z][a-z_]+(?![\w@/-])", text))
    found += sorted(f"key {key}" for key in words & keys)
    return found


def _routes():
    """(name, route, converters) of every named page in the URL conf, outside SKIP."""

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                route = prefix + str(pattern.pattern)
                if name not in SKIP_ROUTES and not route.startswith(SKIP_PREFIXES):
                    yield name, route

    seen = set()
    for name, route in walk(get_resolver().url_patterns, "", None):
        if name not in seen:
            seen.add(name)
            yield name, route


def _fill(name, route, values):
    """Every URL for `route` with its <converter:param> parts taken from the lists in `values`:
    `values[name][param]` for that route, else `values[param]`. A dossier's printables are its own."""
    if name == "dossiers:print":
        return [
            f"/{route}".replace("<str:code>", code).replace("<str:slug>", slug) for code, slug in values["printables"]
        ]
    params = re.findall(r"<(?:\w+:)?(\w+)>", route)
    urls = ["/" + route]
    for param in params:
        options = values.get(name, {}).get(param, values.get(param)) or []
        urls = [re.sub(rf"<(?:\w+:)?{param}>", str(option), url, count=1) for url in urls for option in options]
    return urls


def _one_per(queryset, *fields):
    """One object per value of `fields` (a dossier in each status and channel, a campaign in each status…)."""
    return list({tuple(getattr(item, f) for f in fields): item for item in queryset.order_by("-id")}.values())


def _values_for(user):
    """The objects `user` may open, by route and URL parameter: a dossier in each status, etc."""
    from campaigns.models import Campaign
    from dossiers.access import visible_dossiers
    from dossiers.models import Dossier
    from dossiers.printing import available_printables
    from portal.models import OneStopDesk, Procedure, Province
    from postal.models import PostalOrder
    from postal.views import PRINTABLES as POSTAL_PRINTABLES
    from reports.models import Export

    dossiers = []
    if user is not None:
        dossiers = _one_per(visible_dossiers(user), "status", "intake_channel", "return_channel")
    dossiers = dossiers or list(Dossier.objects.order_by("id")[:1])
    staff = user is not None and not user.is_citizen
    printables = [(d.code, slug) for d in dossiers for slug, _title in available_printables(d, staff=staff)]
    province = getattr(user, "province", None) or Province.objects.get(code="75")
    orders = [o.pk for o in _one_per(PostalOrder.objects.filter(dossier__province=province), "status")]
    desk = getattr(user, "desk", None) or OneStopDesk.objects.filter(province=province).order_by("id").first()
    # A procedure of each province (the draft form offers that province's postal zones).
    procedures = [p.pk for p in _one_per(Procedure.objects.filter(active=True), "province_id")]
    token_user = user or User.objects.filter(role=Role.CITIZEN).first()
    campaigns = {"pk": [c.pk for c in _one_per(Campaign.objects.filter(province=province), "status")]}
    return {
        "code": [d.code for d in dossiers],
        "printables": printables,
        "procedure_pk": procedures,
        "desk_pk": [desk.pk] if desk else [],
        "uidb64": [urlsafe_base64_encode(force_bytes(token_user.pk))],
        "token": [default_token_generator.make_token(token_user)],
        "reference": ["khong-co"],
        "procedure_detail": {"pk": procedures},
        "reports:public_province": {"code": list(Province.objects.values_list("code", flat=True))},
        "reports:export_detail": {"pk": list(Export.objects.order_by("-id").values_list("pk", flat=True)[:2])},
        "postal:detail": {"pk": orders},
        "postal:print": {"pk": orders[:2], "slug": list(POSTAL_PRINTABLES)},
        **dict.fromkeys(("campaign_detail", "campaign_edit", "campaign_preview", "campaign_history"), campaigns),
    }


def _accounts():
    """The demo account of each role (load_demo prints them; portal.demo.accounts lists them)."""
    from portal.demo import accounts

    return {role: User.objects.get(username=username) for role, username in accounts() if role != "superuser"}


@pytest.fixture
def demo_world(settings):
    settings.LANGUAGE_CODE = "vi"
    from dossiers.models import Dossier
    from postal.models import PostalOrder

    with open(os.devnull, "w") as quiet:
        call_command("load_demo", stdout=quiet)
    # Addresses in the tariff zones of Đồng Nai (the demo's are all in the default zone).
    Dossier.objects.filter(province__code="75").exclude(address="").update(address_zone="noi_thanh")
    PostalOrder.objects.filter(dossier__province__code="75").update(zone="huyen")
    return _accounts()


def test_every_page_of_every_role_reads_vietnamese(demo_world):
    keys = choice_keys()
    # Zone keys (tariff rows, not choices) and event actions are keys too.
    keys |= {"huyen", "noi_thanh", "postal_order", "payment_start", "payment_paid"}
    roles = {"anonymous": None, **demo_world}
    assert set(roles) >= {"anonymous", *Role.values}, roles.keys()
    failures, pages = [], 0
    for role, user in roles.items():
        client = Client(HTTP_ACCEPT_LANGUAGE="vi")
        if user is not None:
            client.force_login(user)
        values = _values_for(user)
        for name, route in _routes():
            for url in _fill(name, route, values):
                answer = client.get(url)
                if answer.status_code in (301, 302, 405) or "html" not in answer.get("Content-Type", ""):
                    continue
                pages += 1
                found = problems(visible_text(answer.content.decode()), keys)
                if found:
                    failures.append(f"{role} {name} {url} [{answer.status_code}]: {', '.join(found)}")
    # What a person sees after posting: a weak password on registration, a form posted after its
    # session changed (the CSRF failure page).
    for password in ("123", "nguoimoi2026"):  # too short and numeric; too like the username
        weak = {
            "username": "nguoimoi2026",
            "full_name": "Người Mới",
            "password": password,
            "password_confirm": password,
        }
        answer = Client(HTTP_ACCEPT_LANGUAGE="vi").post("/dang-ky/", weak)
        text = visible_text(answer.content.decode())
        found = problems(text, keys)
        if found or "Mật khẩu" not in text or User.objects.filter(username="nguoimoi2026").exists():
            failures.append(f"register with the weak password {password} [{answer.status_code}]: {', '.join(found)}")

    # A form posted after its session changed (the CSRF failure page) reads Vietnamese too.
    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="vi")
    answer = strict.post("/dang-nhap/", {"username": "x", "password": "y"})
    found = problems(visible_text(answer.content.decode()), keys)
    if found:
        failures.append(f"csrf failure page [{answer.status_code}]: {', '.join(found)}")
    assert pages > 100, pages
    assert not failures, "\n".join(failures)


# --- each fix, on its own --------------------------------------------------------------------------------


def test_postal_zones_show_their_labels_in_the_draft_form_and_the_officer_page(client):
    from dossiers.pages.forms import zone_choices
    from tests.dossiers.pages.common import logged_in
    from tests.postal_factories import PostalTariffFactory, postal_dossier, postal_world

    world = postal_world()
    PostalTariffFactory(province=world.province, leg="return", zone="noi_thanh", zone_label="Nội thành")
    assert zone_choices(world.province) == [("default", "Khác (mặc định)"), ("noi_thanh", "Nội thành")]
    dossier = postal_dossier(world, "accepted", intake="online", ret="postal", address_zone="noi_thanh")
    logged_in(client, dossier.citizen)
    form = visible_text(client.get(f"/ho-so/nop/{world.procedure.pk}/").content.decode())
    assert "Nội thành" in form and "noi_thanh" not in form
    logged_in(client, world.officer)
    page = visible_text(client.get(f"/can-bo/ho-so/{dossier.code}/").content.decode())
    assert "(Nội thành)" in page and "noi_thanh" not in page


def test_the_catalog_file_carries_zone_labels_both_ways():
    from portal.catalog_io import export_catalog, import_catalog
    from postal.models import PostalTariff
    from tests.factories import ProvinceFactory

    ProvinceFactory(code="75", name="Đồng Nai")
    tariff = {"province": "75", "leg": "pickup", "zone": "huyen", "zone_label": "Các huyện", "amount": 1}
    import_catalog({"postal_tariffs": [dict(tariff, valid_from="2019-01-01")]})
    assert PostalTariff.objects.get(zone="huyen").zone_label == "Các huyện"
    assert export_catalog()["postal_tariffs"][0]["zone_label"] == "Các huyện"


def test_every_dossier_event_the_code_writes_has_a_vietnamese_label():
    """Scan the apps for the actions they record (door.record, record_event, the sweep's
    alerts, the payments') and name each: no key, no English, not the catch-all."""
    from pathlib import Path

    from dossiers.event_labels import UNNAMED, event_label

    root = Path(__file__).resolve().parent.parent
    actions = set()
    calls = re.compile(r"(?:\b_?record|record_event)\(\s*[\w.()=]+,\s*[\w.]+,\s*\"([a-z_]+)\"", re.S)
    for app in ("dossiers", "postal"):  # campaigns._record writes campaign events (campaign_action names them)
        for path in (root / app).rglob("*.py"):
            actions |= set(calls.findall(path.read_text()))
    actions |= {"due_soon", "overdue", "payment_start", "payment_paid", "payment_failed", "payment_refunded"}
    assert {"postal_order", "postal_handover", "campaign_clock_stop", "supplement_upload"} <= actions
    for action in sorted(actions):
        label = str(event_label(action))
        assert label != str(UNNAMED) and "_" not in label and not problems(label, set()), (action, label)


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("123", "Mật khẩu quá ngắn: cần ít nhất 10 ký tự."),
        ("1234567890123", "Mật khẩu này hoàn toàn là số."),
        ("password123", "Mật khẩu này quá phổ biến."),
        ("nguyenvanan1", "Mật khẩu quá giống"),
    ],
)
def test_password_rules_speak_vietnamese(password, expected):
    from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
    from django.core.exceptions import ValidationError

    user = User(username="nguyenvanan1", full_name="Nguyễn Văn An")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user=user)
    messages = " ".join(refused.value.messages)
    assert expected in messages and not problems(messages, set()), messages
    assert not problems(visible_text(password_validators_help_text_html()), set())


def test_the_campaign_change_log_reads_as_words(client):
    from campaigns import services as campaign_services
    from tests.factories import ProvinceAdminFactory

    admin = ProvinceAdminFactory()
    campaign = campaign_services.create_campaign(
        admin,
        admin.province,
        title="Phòng, chống COVID-19",
        legal_basis="Công văn 1318/UBND-KSTT",
        starts_at=timezone.now() + timedelta(days=1),
        rules={"walk_in_suspended": True, "postal_fee_waived_percent": 100},
    )
    campaign_services.update_campaign(campaign, admin, rules={"walk_in_suspended": False, "hotline": "0251-1022"})
    client.force_login(admin)
    page = visible_text(client.get(f"/dot-ap-dung/{campaign.pk}/lich-su/").content.decode())
    assert "Tạm ngừng tiếp nhận và trả kết quả trực tiếp" in page and "Đường dây nóng: 0251-1022." in page
    assert "Tạo đợt" in page and "Sửa đợt" in page and "Bản nháp" in page
    assert not problems(page, {"draft", "walk_in_suspended", "hotline", "create", "update"}), problems(page, set())
    assert "{" not in page
