"""Every admin page is scoped to a province admin's province: an object of another province is
"not found" (404) on every one of its admin URLs (change, delete, history, a history version
and its revert form, any extra URL such as a user's password), it is not listed, not offered
by an autocomplete, untouched by an action, and a POST to any of those URLs changes nothing.
The walk covers every ModelAdmin registered on the site; the superuser keeps full access."""

import json
from datetime import date, datetime, time

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.db.models.fields.files import FieldFile
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.urls import URLPattern, reverse
from django.utils import timezone

from campaigns.models import QueueTicket
from campaigns.testing import make_campaign
from dossiers.models import Payment
from portal.admin import ProvinceScope
from portal.models import Agency, CalendarOverride, OneStopDesk, Province, User
from postal.models import SubsidyEntry, WebhookDelivery
from tests.dossier_helpers import make_dossier
from tests.factories import (
    AgencyFactory,
    OneStopDeskFactory,
    PostalClerkFactory,
    ProcedureFactory,
    ProvinceAdminFactory,
    ProvinceFactory,
    UserFactory,
)
from tests.postal_factories import PostalTariffFactory, make_client, make_order, postal_world

pytestmark = pytest.mark.django_db


def _ticket(province):
    desk = OneStopDeskFactory(province=province)
    return QueueTicket.objects.create(
        desk=desk,
        date=date(2026, 12, 3),
        session="morning",
        number=1,
        full_name="Trần Thị Bé",
        phone="0912345678",
        created_at=timezone.now(),
    )


def _payment(_province):
    dossier = make_dossier("submitted")
    return Payment.objects.create(dossier=dossier, provider="demo", reference="TT-1", amount=200_000)


def _subsidy(_province):
    order = make_order(postal_world())
    return SubsidyEntry.objects.create(
        order=order, province=order.province, agency=order.agency, amount=11_000, percent=50, created_at=timezone.now()
    )


def _delivery(_province):
    order = make_order(postal_world())
    client = make_client(order.province, webhook_url="http://buudien.example/webhook")
    return WebhookDelivery.objects.create(
        client=client, order=order, event="order.created", payload={"id": order.pk}, created_at=timezone.now()
    )


def _calendar_override(province):
    override = CalendarOverride.objects.create(province=province, date=date(2026, 12, 24), kind="day_off", note="Nghỉ")
    override.note = "Nghỉ bù"
    override.save()  # a second version, so there is an older one to revert to
    return override


def _procedure(province):
    procedure = ProcedureFactory(province=province)
    procedure.fee = 50_000
    procedure.save()
    return procedure


def _signing_certificate(province):
    from portal.models import SigningCertificate

    now = timezone.now()
    return SigningCertificate.objects.create(
        agency=AgencyFactory(province=province),
        serial="1a2b",
        fingerprint_sha256="ab" * 32,
        subject="CN=Sở khác",
        not_before=now,
        not_after=now,
    )


# One object of another province per registered model (a model added to the admin without a
# row here fails test_every_registered_admin_is_walked).
BUILDERS = {
    Province: lambda province: province,
    Agency: lambda province: AgencyFactory(province=province),
    OneStopDesk: lambda province: OneStopDeskFactory(province=province),
    "portal.Procedure": _procedure,
    CalendarOverride: _calendar_override,
    "portal.User": lambda province: PostalClerkFactory(province=province),
    "campaigns.Campaign": lambda province: make_campaign(province),
    QueueTicket: _ticket,
    "dossiers.Dossier": lambda _province: make_dossier("accepted"),
    Payment: _payment,
    "postal.PostalTariff": lambda province: PostalTariffFactory(province=province),
    "postal.PostalOrder": lambda _province: make_order(postal_world()),
    SubsidyEntry: _subsidy,
    "postal.IntegrationClient": lambda province: make_client(province),
    WebhookDelivery: _delivery,
    "portal.SigningCertificate": _signing_certificate,
}
BUILDERS = {key if isinstance(key, str) else key._meta.label: build for key, build in BUILDERS.items()}

# Third-party admins a province admin has no Django permission for: closed to them entirely.
CLOSED = {
    "auth.Group",
    "authtoken.TokenProxy",
    "django_celery_beat.PeriodicTask",
    "django_celery_beat.ClockedSchedule",
    "django_celery_beat.CrontabSchedule",
    "django_celery_beat.SolarSchedule",
    "django_celery_beat.IntervalSchedule",
    "axes.AccessAttempt",
    "axes.AccessLog",
    "axes.AccessFailureLog",
}

SCOPED = sorted(BUILDERS)


def test_every_registered_admin_is_walked():
    registered = {model._meta.label for model in admin.site._registry}
    assert registered - CLOSED == set(BUILDERS)
    for label in SCOPED:
        assert isinstance(admin.site._registry[_model(label)], ProvinceScope), label


@pytest.fixture
def intruder():
    """A province admin of another province, with an agency and a desk to aim a revert at."""
    province = ProvinceFactory()
    AgencyFactory(province=province)
    OneStopDeskFactory(province=province)
    return ProvinceAdminFactory(province=province, is_staff=True)


def _model(label):
    return next(model for model in admin.site._registry if model._meta.label == label)


def _snapshot(obj):
    row = type(obj)._default_manager.filter(pk=obj.pk).values().first()
    history = getattr(type(obj), "history", None)
    return row, history.filter(pk=obj.pk).count() if history is not None else None, LogEntry.objects.count()


def _object_urls(model_admin, obj):
    """Every URL of the admin that names an object, filled with the object (and a version of it)."""
    history = getattr(type(obj), "history", None)
    version = history.filter(pk=obj.pk).order_by("history_date").first() if history is not None else None
    urls = []
    for pattern in model_admin.get_urls():
        if not isinstance(pattern, URLPattern) or not pattern.name:
            continue
        arity = len(pattern.pattern.regex.groupindex) or pattern.pattern.regex.groups
        if arity == 1:
            urls.append(reverse(f"admin:{pattern.name}", args=[obj.pk]))
        elif arity == 2 and version is not None:
            urls.append(reverse(f"admin:{pattern.name}", args=[obj.pk, version.history_id]))
    assert urls, model_admin
    return urls


def _superuser_request():
    request = RequestFactory().get("/")
    request.user = UserFactory(is_superuser=True, is_staff=True, username="sieuquantri-form")
    return request


def _form_data(model_admin, obj, user):
    """A valid-looking POST of the object's own admin form, aimed at the intruder's province."""
    form = model_admin.get_form(_superuser_request(), obj)()
    values = model_to_dict(obj)
    own = {
        Province: user.province,
        Agency: Agency.objects.filter(province=user.province).first(),
        OneStopDesk: OneStopDesk.objects.filter(province=user.province).first(),
    }
    data = {}
    for name, field in form.fields.items():
        value = values.get(name)
        if isinstance(value, FieldFile):
            continue
        model = getattr(getattr(field, "queryset", None), "model", None)
        if model in own:
            value = own[model].pk
        if hasattr(value, "pk"):
            value = value.pk
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        if isinstance(value, dict | list):
            value = json.dumps(value)
        if isinstance(value, datetime):
            local = timezone.localtime(value)
            data[f"{name}_0"], data[f"{name}_1"] = local.strftime("%d/%m/%Y"), local.strftime("%H:%M:%S")
            continue
        if isinstance(value, date):
            value = value.strftime("%d/%m/%Y")
        if isinstance(value, time):
            value = value.strftime("%H:%M")
        if isinstance(value, str) and name in ("name", "note", "title", "full_name"):
            value = f"{value} (sửa bởi tỉnh khác)"
        data[name] = "" if value is None else value
    data.update({"_save": "Lưu", "post": "yes"})
    return data


@pytest.mark.parametrize("label", SCOPED)
def test_an_object_of_another_province_is_not_found_on_every_admin_url(client, intruder, label):
    model = _model(label)
    model_admin = admin.site._registry[model]
    obj = BUILDERS[label](ProvinceFactory())
    urls = _object_urls(model_admin, obj)
    data = _form_data(model_admin, obj, intruder)
    before = _snapshot(obj)
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])

    # The superuser sees it and every one of its pages (a read-only admin refuses its delete page).
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert change_url in client.get(changelist).content.decode()
    for url in urls:
        assert client.get(url, follow=True).status_code == (
            403
            if url.endswith("/delete/") and not model_admin.has_delete_permission(_superuser_request(), obj)
            else 200
        ), url

    client.force_login(intruder)
    for url in urls:
        assert client.get(url, follow=True).status_code == 404, url
        assert client.post(url, data).status_code == 404, url
        assert _snapshot(obj) == before, url

    # Not listed, not in a raw-id lookup popup, untouched by an action.
    listing = client.get(changelist)
    assert listing.status_code in (200, 403)
    assert change_url not in listing.content.decode()
    popup = client.get(changelist, {"_popup": "1", "_to_field": "id"})
    assert change_url not in popup.content.decode()
    assert f'data-popup-opener="{obj.pk}"' not in popup.content.decode()
    client.post(changelist, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
    assert _snapshot(obj) == before


def test_autocomplete_offers_only_the_admins_province(client, intruder):
    theirs = AgencyFactory(province=ProvinceFactory(), name="Sở Tư pháp tỉnh khác")
    mine = AgencyFactory(province=intruder.province, name="Sở Tư pháp tỉnh nhà")
    walked = 0
    for model, model_admin in admin.site._registry.items():
        for field_name in model_admin.get_autocomplete_fields(None):
            remote = model._meta.get_field(field_name).remote_field.model
            assert remote is Agency, "add a row of another province for this autocomplete target"
            client.force_login(intruder)
            answer = client.get(
                "/admin/autocomplete/",
                {
                    "term": "Sở Tư pháp",
                    "app_label": model._meta.app_label,
                    "model_name": model._meta.model_name,
                    "field_name": field_name,
                },
            )
            ids = {row["id"] for row in answer.json()["results"]}
            assert str(mine.pk) in ids and str(theirs.pk) not in ids
            walked += 1
    assert walked


def test_a_history_revert_cannot_move_another_provinces_procedure(client, intruder):
    """The attack as found: the history form of another province's procedure, posted back with
    the intruder's province, changed its code, name, province and fee."""
    theirs = _procedure(ProvinceFactory())
    version = theirs.history.order_by("history_date").first()
    data = _form_data(admin.site._registry[type(theirs)], theirs, intruder)
    data.update({"code": "X.000001", "fee": "1"})
    client.force_login(intruder)
    url = f"/admin/portal/procedure/{theirs.pk}/history/{version.history_id}/"
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.code, theirs.fee, theirs.province_id) != ("X.000001", 1, intruder.province_id)
    assert theirs.fee == 50_000 and theirs.province_id != intruder.province_id


def test_the_province_admin_still_reverts_their_own_calendar_override(client, intruder):
    mine = _calendar_override(intruder.province)
    version = mine.history.order_by("history_date").first()
    data = _form_data(admin.site._registry[CalendarOverride], mine, intruder)
    data["note"] = "Nghỉ"
    client.force_login(intruder)
    url = f"/admin/portal/calendaroverride/{mine.pk}/history/{version.history_id}/"
    assert client.get(url).status_code == 200
    assert client.post(url, data).status_code == 302
    mine.refresh_from_db()
    assert mine.note == "Nghỉ"


def test_a_version_from_before_a_move_into_the_province_is_not_shown(client, intruder):
    """A row that once belonged to another province keeps its old versions to itself."""
    override = CalendarOverride.objects.create(province=ProvinceFactory(), date=date(2026, 12, 31), kind="day_off")
    old = override.history.get()
    override.province = intruder.province
    override.save()
    client.force_login(intruder)
    assert client.get(f"/admin/portal/calendaroverride/{override.pk}/history/").status_code == 200
    assert client.get(f"/admin/portal/calendaroverride/{override.pk}/history/{old.history_id}/").status_code == 404


def test_a_province_admin_has_no_door_into_the_third_party_admins(client, intruder):
    client.force_login(intruder)
    for label in CLOSED:
        opts = _model(label)._meta
        assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 403, label
        assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 403, label


def test_foreign_key_choices_stay_in_the_province(client, intruder):
    other = ProvinceFactory()
    AgencyFactory(province=other, name="Sở của tỉnh khác")
    client.force_login(intruder)
    page = client.get("/admin/portal/procedure/add/").content.decode()
    assert "Sở của tỉnh khác" not in page and other.name not in page
    assert intruder.province.name in page


def test_a_superuser_in_the_province_is_out_of_a_province_admins_reach(client, intruder):
    """Otherwise the province admin could set a superuser's password and take the whole site."""
    root = UserFactory(is_superuser=True, is_staff=True, province=intruder.province, username="sieuquantri-tinh")
    client.force_login(intruder)
    assert "sieuquantri-tinh" not in client.get("/admin/portal/user/").content.decode()
    for url in (f"/admin/portal/user/{root.pk}/change/", f"/admin/portal/user/{root.pk}/password/"):
        assert client.get(url).status_code == 404
        assert client.post(url, {"password1": "Chiem-quyen-2026!", "password2": "Chiem-quyen-2026!"}).status_code == 404
    root.refresh_from_db()
    assert not root.check_password("Chiem-quyen-2026!")


def test_the_province_admin_still_edits_their_own_procedure_and_its_documents(client, intruder):
    mine = ProcedureFactory(province=intruder.province, documents=[{"name": "Tờ khai của tỉnh nhà"}])
    client.force_login(intruder)
    page = client.get(f"/admin/portal/procedure/{mine.pk}/change/").content.decode()
    assert 'name="_save"' in page  # a form, not a view
    assert 'value="Tờ khai của tỉnh nhà"' in page  # the documents inline, editable


def test_a_view_only_history_form_cannot_be_posted_back(client, intruder):
    """Campaigns change through the audited pages and API only: their history form is a view,
    even in the admin's own province (django-simple-history saved a POST regardless)."""
    mine = make_campaign(intruder.province, rules={"notice": "Thông báo gốc."})
    version = mine.history.order_by("history_date").first()
    data = _form_data(admin.site._registry[type(mine)], mine, intruder)
    data["rules"] = json.dumps({"notice": "Đã bị sửa qua lịch sử."})
    client.force_login(intruder)
    url = f"/admin/campaigns/campaign/{mine.pk}/history/{version.history_id}/"
    assert client.get(url).status_code == 200
    assert client.post(url, data).status_code == 403
    mine.refresh_from_db()
    assert mine.rules == {"notice": "Thông báo gốc."}


def test_an_account_a_province_admin_adds_belongs_to_their_province(client, intruder):
    client.force_login(intruder)
    password = "Mat-khau-moi-2026!"
    response = client.post(
        "/admin/portal/user/add/",
        {"username": "canbo-moi", "password1": password, "password2": password, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(username="canbo-moi")
    assert created.province_id == intruder.province_id
    assert client.get(response["Location"]).status_code == 200  # its change page, in the province
