"""The public pages, continued: registration, login lockout, i18n, the base template and /healthz."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import OperationalError
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from portal import views
from portal.models import Role, User
from portal.tasks import HEARTBEAT_KEY
from tests.factories import (
    DEFAULT_PASSWORD,
    CitizenFactory,
    HeadFactory,
    OfficerFactory,
    PostalClerkFactory,
    ProcedureFactory,
    ProvinceAdminFactory,
    ProvinceFactory,
)
from tests.page_helpers import STRONG_PASSWORD, html, names  # noqa: F401

# ---------- registration ----------


def registration(**overrides):
    data = {
        "username": "nguyenvanan",
        "password": STRONG_PASSWORD,
        "password_confirm": STRONG_PASSWORD,
        "full_name": "Nguyễn Văn An",
        "phone": "0912 345 678",
        "email": "",
        "national_id": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_register_creates_a_citizen_and_logs_in(client):
    response = client.post(reverse("register"), registration(), follow=True)
    # Next comes the phone's confirmation by an SMS code (tests/test_phone_verification.py).
    assert response.redirect_chain == [(reverse("phone_confirm"), 302)]
    user = User.objects.get(username="nguyenvanan")
    assert user.role == Role.CITIZEN
    assert user.phone == "0912345678"
    assert user.check_password(STRONG_PASSWORD)
    assert int(client.session["_auth_user_id"]) == user.pk
    page = html(response)
    assert "Đăng ký thành công" in page
    assert "Nguyễn Văn An" in page
    assert "Đăng xuất" in page


@pytest.mark.django_db
def test_register_form_has_labels_for_every_input(client):
    page = html(client.get(reverse("register")))
    for field in ("username", "password", "password_confirm", "full_name", "phone", "email", "national_id"):
        assert f'<label for="id_{field}"' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"username": "taken"}, "username", "Tên đăng nhập đã được sử dụng."),
        ({"password": "12345678", "password_confirm": "12345678"}, "password", "Mật khẩu này hoàn toàn là số."),
        ({"phone": "abc"}, "phone", "Số điện thoại gồm 9–12 chữ số."),
        ({"password_confirm": "Khac-hoan-toan-99"}, "password_confirm", "Mật khẩu nhập lại không khớp."),
        ({"national_id": "12345"}, "national_id", "Số định danh cá nhân gồm 12 chữ số"),
        ({"full_name": ""}, "full_name", "Trường này là bắt buộc."),
    ],
)
def test_register_errors_show_beside_fields_and_create_nothing(client, overrides, field, message):
    CitizenFactory(username="taken")
    before = User.objects.count()
    response = client.post(reverse("register"), registration(**overrides))
    assert response.status_code == 200
    assert User.objects.count() == before
    assert "_auth_user_id" not in client.session
    errors = response.context["form"].errors
    assert field in errors
    assert any(message in error for error in errors[field])
    page = html(response)
    assert f'id="id_{field}_error"' in page  # the error list sits beside the field
    assert message in page


@pytest.mark.django_db
def test_register_shows_every_error_at_once(client):
    CitizenFactory(username="taken")
    data = registration(username="Taken", password="12345678", password_confirm="12345678", phone="12ab", full_name="")
    response = client.post(reverse("register"), data)
    assert set(response.context["form"].errors) == {"username", "password", "phone", "full_name"}
    assert "Vui lòng kiểm tra lại thông tin" in html(response)
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_register_when_logged_in_goes_home(client):
    client.force_login(CitizenFactory())
    assert client.get(reverse("register")).url == reverse("home")


# ---------- login, lockout, logout ----------


@pytest.mark.django_db
def test_login_and_logout(client):
    user = CitizenFactory(username="an", full_name="Trần Thị An")
    response = client.post(reverse("login"), {"username": "an", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk
    assert "Trần Thị An" in html(client.get(reverse("home")))
    assert client.get(reverse("logout")).status_code == 405  # logout is a POST
    response = client.post(reverse("logout"), follow=True)
    assert "_auth_user_id" not in client.session
    assert "Bạn đã đăng xuất." in html(response)


@pytest.mark.django_db
def test_wrong_password_message_in_vietnamese(client):
    CitizenFactory(username="an")
    response = client.post(reverse("login"), {"username": "an", "password": "sai-mat-khau"})
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in html(response)


@pytest.mark.django_db
def test_six_wrong_logins_lock_the_account_even_with_the_right_password(client):
    CitizenFactory(username="an")
    url = reverse("login")
    statuses = [client.post(url, {"username": "an", "password": f"sai-{i}"}).status_code for i in range(6)]
    assert statuses == [200] * 4 + [429] * 2  # the 5th failure (AXES_FAILURE_LIMIT) locks
    response = client.post(url, {"username": "an", "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "Tài khoản tạm khoá do đăng nhập sai nhiều lần. Vui lòng thử lại sau 30 phút." in html(response)


# ---------- i18n ----------


@pytest.mark.django_db
def test_switching_to_english_shows_english(client, catalog):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    page = html(client.get(reverse("home")))
    assert '<html lang="en">' in page
    assert "Administrative procedures" in page
    assert "Most used procedures" in page
    assert "How to apply" in page
    assert "Cách nộp hồ sơ" not in page
    detail = html(client.get(reverse("procedure_detail", args=[catalog["record"].pk])))
    assert "Processing time" in detail
    assert "5 working days" in detail
    assert "200,000 đ" in detail
    assert "Level 3 – partly online" in detail
    # And back to Vietnamese.
    client.post(reverse("set_language"), {"language": "vi", "next": reverse("home")})
    assert "Thủ tục hành chính" in html(client.get(reverse("home")))


@pytest.mark.django_db
def test_language_switch_form_posts_to_set_language(client):
    page = html(client.get(reverse("procedure_list") + "?level=4"))
    assert f'action="{reverse("set_language")}" method="post"' in page
    assert '<input type="hidden" name="next" value="/thu-tuc/?level=4">' in page


# ---------- base template ----------


@pytest.mark.django_db
def test_site_notices_render_under_the_header():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    notices = [
        {"title": "Tạm dừng tiếp nhận trực tiếp", "body": "Từ 22/7/2021 trong 14 ngày.", "level": "urgent"},
        "Đường dây nóng 0251-1022",
    ]
    page = render_to_string("base.html", {"site_notices": notices}, request=request)
    assert "Tạm dừng tiếp nhận trực tiếp" in page
    assert "notice--urgent" in page
    assert "Đường dây nóng 0251-1022" in page
    assert page.index("Tạm dừng tiếp nhận trực tiếp") < page.index('id="main"')


@pytest.mark.django_db
def test_pages_have_no_external_urls(client, catalog):
    urls = [
        reverse("home"),
        reverse("procedure_list"),
        reverse("procedure_detail", args=[catalog["record"].pk]),
        reverse("login"),
        reverse("register"),
    ]
    for url in urls:
        page = html(client.get(url))
        hosts = set(re.findall(r"(?:https?:)?//([a-z0-9.-]+\.[a-z]{2,})", page, flags=re.IGNORECASE))
        assert not hosts, f"{url} links to {hosts}"
        assert "/static/css/motcua.css" in page
        assert 'class="skip-link" href="#main"' in page
        assert '<main id="main"' in page


# ---------- /healthz ----------


@pytest.mark.django_db
def test_healthz_ok(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "cache": True, "worker_heartbeat": None}
    cache.set(HEARTBEAT_KEY, "2026-01-05T08:00:00+00:00")
    assert client.get("/healthz").json()["worker_heartbeat"] == "2026-01-05T08:00:00+00:00"


@pytest.mark.django_db
def test_healthz_503_when_the_database_is_down(client, monkeypatch):
    class Down:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(views, "connection", Down())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["database"] is False


# ---------- factories ----------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("factory", "role", "scope"),
    [
        (CitizenFactory, Role.CITIZEN, None),
        (OfficerFactory, Role.OFFICER, "desk"),
        (HeadFactory, Role.HEAD, "agency"),
        (PostalClerkFactory, Role.POSTAL_CLERK, "province"),
        (ProvinceAdminFactory, Role.PROVINCE_ADMIN, "province"),
    ],
)
def test_role_factories_make_valid_scoped_users(factory, role, scope):
    user = factory()
    user.full_clean()
    assert user.role == role
    assert user.check_password(DEFAULT_PASSWORD)
    if scope:
        assert getattr(user, scope) is not None
    if role != Role.CITIZEN:
        assert user.province_id is not None


@pytest.mark.django_db
def test_procedure_factory_documents():
    assert ProcedureFactory().documents.count() == 2
    assert ProcedureFactory(documents=0).documents.count() == 0
    procedure = ProcedureFactory(documents=[{"name": "Tờ khai"}, {"name": "Giấy chứng sinh", "form": "copy"}])
    documents = list(procedure.documents.values_list("name", "form"))
    assert documents == [("Tờ khai", "original"), ("Giấy chứng sinh", "copy")]
    procedure.full_clean()
    assert procedure.agency.province == procedure.province


@pytest.mark.django_db
def test_catalog_and_home_queries_do_not_grow_with_rows(client, django_assert_max_num_queries):
    province = ProvinceFactory()
    ProcedureFactory.create_batch(30, province=province, documents=0)
    with django_assert_max_num_queries(7):  # filter choices (3), count, rows, the chosen province
        client.get(reverse("procedure_list"), {"province": province.pk})
    with django_assert_max_num_queries(6):
        client.get(reverse("home"))
    procedure = ProcedureFactory(documents=5)
    with django_assert_max_num_queries(5):  # the fee groups are one more (issue 16), whatever their number
        client.get(reverse("procedure_detail", args=[procedure.pk]))


# ---------- the English catalog ----------


def _po_entries(path):
    """(msgid, [msgstr…], flags) of a .po file; enough of the format for our own catalog."""
    entries, current, key = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current and current["msgid"]:
                entries.append(current)
            current, key = None, None
            continue
        current = current or {"msgid": "", "msgstr": {}, "flags": ""}
        if line.startswith("#,"):
            current["flags"] += line
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid_plural "):
            key = ("plural",)
        elif line.startswith("msgid "):
            key = ("msgid",)
            current["msgid"] = ast.literal_eval(line[6:])
        elif line.startswith("msgstr"):
            head, _, value = line.partition(" ")
            key = ("msgstr", head)
            current["msgstr"][head] = ast.literal_eval(value)
        elif line.startswith('"') and key:
            text = ast.literal_eval(line)
            if key[0] == "msgid":
                current["msgid"] += text
            elif key[0] == "msgstr":
                current["msgstr"][key[1]] += text
    return entries


def test_english_catalog_is_complete_and_compiled():
    directory = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
    entries = _po_entries(directory / "django.po")
    assert len(entries) > 100
    untranslated = [e["msgid"] for e in entries if "fuzzy" in e["flags"] or not all(e["msgstr"].values())]
    assert not untranslated, f"translate these in locale/en/LC_MESSAGES/django.po: {untranslated}"
    with (directory / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog
    compiled_ids = {key[0] if isinstance(key, tuple) else key for key in compiled}
    stale = [e["msgid"] for e in entries if e["msgid"] not in compiled_ids]
    assert not stale, f"run `manage.py compilemessages -l en --ignore=.venv`; missing from django.mo: {stale}"


@pytest.mark.django_db
def test_home_ranks_procedures_by_dossiers_submitted():
    from tests.dossier_helpers import make_dossier

    officer = OfficerFactory()
    desk = officer.desk
    busy = ProcedureFactory(province=desk.province, agency=desk.agency, level=3, name="Thủ tục nhiều hồ sơ")
    ProcedureFactory(province=desk.province, agency=desk.agency, level=4, name="Thủ tục ít hồ sơ")
    make_dossier(officer=officer, procedure=busy)
    popular = views.popular_procedures()
    assert popular[0] == busy


@pytest.mark.django_db
def test_a_browser_asking_for_english_still_gets_vietnamese_until_it_switches(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.status_code == 200
    assert 'lang="vi"' in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get("/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
