"""Single sign-on (issue 17) against the REAL local provider (idp/, started by tests/oidc_provider.py): the
person's part at the provider is done with plain HTTP, motcua's part with the test client, and every call
between them (token, JWKS, userinfo) is a real one. The browser journey is tests/browser/test_sso_journey.py."""

import logging
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core.cache import cache
from django.utils import timezone

from portal.models import IdentityLink, Role, User
from portal.oidc import provider as oidc_provider
from tests.factories import DEFAULT_PASSWORD, CitizenFactory, OfficerFactory
from tests.oidc_provider import (
    CLIENT_SECRET,
    LINKED_CITIZEN,
    NEW_CITIZEN,
    TokenProxy,
    configure,
    flip_signature,
    resign_with_nonce,
    shared_provider,
    sign_in,
)

pytestmark = pytest.mark.django_db

START = "/dang-nhap/dinh-danh/"


@pytest.fixture
def sso(settings, tmp_path_factory):
    return configure(settings, shared_provider(tmp_path_factory))


def start(client, next_url=None):
    answer = client.get(START, {"next": next_url} if next_url else {})
    assert answer.status_code == 302
    return answer["Location"]


def back_from_provider(client, national_id, next_url=None):
    """The whole round: motcua → the provider's sign-in → motcua's callback; the callback's answer."""
    callback = sign_in(start(client, next_url), national_id)
    parts = urlsplit(callback)
    assert parts.netloc == "testserver" and parts.path == "/dang-nhap/dinh-danh/callback/"
    return client.get(parts.path, dict(_pairs(parts.query)))


def _pairs(query):
    return [(key, values[0]) for key, values in parse_qs(query, keep_blank_values=True).items()]


def signed_in_user(client):
    answer = client.get("/")
    user = answer.wsgi_request.user
    return user if user.is_authenticated else None


# --- off --------------------------------------------------------------------------------------------------


def test_without_an_issuer_there_is_no_button_and_every_sso_url_is_a_404(client, settings):
    settings.OIDC_ISSUER = ""
    assert "định danh điện tử" not in client.get("/dang-nhap/").content.decode()
    for path in (START, START + "callback/?code=x&state=y", START + "lien-ket/"):
        assert client.get(path).status_code == 404
    client.force_login(CitizenFactory())
    assert client.get("/tai-khoan/dinh-danh-dien-tu/").status_code == 404


# --- the flow -----------------------------------------------------------------------------------------------


def test_the_login_page_offers_the_button_and_it_goes_to_the_provider_with_pkce_state_and_nonce(client, sso):
    page = client.get("/dang-nhap/").content.decode()
    assert "Đăng nhập bằng định danh điện tử" in page
    location = start(client)
    assert location.startswith(sso.discovery()["authorization_endpoint"])
    query = parse_qs(urlsplit(location).query)
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0] and query["state"] != query["nonce"]
    assert query["redirect_uri"] == ["http://testserver/dang-nhap/dinh-danh/callback/"]
    assert "national_id" not in query and CLIENT_SECRET not in location
    # The discovery document now sits in the shared cache, for every process.
    assert cache.get(oidc_provider.cache_key())["issuer"] == sso.issuer


def test_a_new_citizen_gets_an_account_from_the_verified_claims_and_comes_back_to_it(client, sso):
    assert not User.objects.filter(national_id=NEW_CITIZEN).exists()
    answer = back_from_provider(client, NEW_CITIZEN)
    assert answer.status_code == 302 and answer["Location"] == "/ho-so/"
    user = signed_in_user(client)
    assert (user.username, user.national_id, user.role) == (NEW_CITIZEN, NEW_CITIZEN, Role.CITIZEN)
    assert (user.full_name, user.phone, user.email) == ("Trần Thị Bình", "0987654321", "binh@example.vn")
    assert not user.has_usable_password()
    # The provider vouches for the phone (phone_number_verified): dossier SMS go to it without an SMS code.
    assert user.phone_confirmed and user.phone_confirmed_at is not None
    link = IdentityLink.objects.get(user=user)
    assert link.issuer == sso.issuer and link.subject

    # Later sign-ins find the same account through the link.
    client.post("/dang-xuat/")
    assert signed_in_user(client) is None
    back_from_provider(client, NEW_CITIZEN)
    assert signed_in_user(client) == user
    assert User.objects.filter(national_id=NEW_CITIZEN).count() == 1


def test_the_next_page_asked_for_is_where_the_citizen_lands(client, sso):
    answer = back_from_provider(client, NEW_CITIZEN, next_url="/thu-tuc/")
    assert answer["Location"] == "/thu-tuc/"


def test_a_username_taken_by_someone_else_gets_a_suffix(client, sso):
    CitizenFactory(username=NEW_CITIZEN, national_id="")
    back_from_provider(client, NEW_CITIZEN)
    assert signed_in_user(client).username == f"{NEW_CITIZEN}-2"


def test_an_existing_password_account_is_linked_only_after_its_password(client, sso):
    owner = CitizenFactory(username="nguyenvanan", national_id=LINKED_CITIZEN)
    answer = back_from_provider(client, LINKED_CITIZEN)
    assert answer.status_code == 302 and answer["Location"] == "/dang-nhap/dinh-danh/lien-ket/"
    assert signed_in_user(client) is None
    page = client.get(answer["Location"]).content.decode()
    assert "Tài khoản này đã có mật khẩu: đăng nhập bằng mật khẩu để liên kết" in page
    assert "nguyenvanan" in page

    wrong = client.post("/dang-nhap/dinh-danh/lien-ket/", {"password": "not-the-password"})
    assert wrong.status_code == 200 and "mật khẩu không đúng" in wrong.content.decode()
    assert signed_in_user(client) is None and not IdentityLink.objects.exists()

    # Posting another account's name changes nothing: it is that account's password or nothing.
    other = CitizenFactory(username="someone")
    client.post("/dang-nhap/dinh-danh/lien-ket/", {"username": other.username, "password": DEFAULT_PASSWORD})
    link = IdentityLink.objects.get()
    assert link.user == owner and signed_in_user(client) == owner
    assert User.objects.filter(national_id=LINKED_CITIZEN).count() == 1

    client.post("/dang-xuat/")
    answer = back_from_provider(client, LINKED_CITIZEN)
    assert answer["Location"] == "/ho-so/" and signed_in_user(client) == owner


def test_a_verified_sign_in_waits_ten_minutes_for_the_password_then_must_be_done_again(client, sso, time_machine):
    CitizenFactory(national_id=LINKED_CITIZEN)
    verified = timezone.now()  # the provider's tokens carry the real time
    assert back_from_provider(client, LINKED_CITIZEN)["Location"] == "/dang-nhap/dinh-danh/lien-ket/"
    time_machine.move_to(verified + timedelta(minutes=9), tick=False)
    assert client.get("/dang-nhap/dinh-danh/lien-ket/").status_code == 200
    time_machine.move_to(verified + timedelta(minutes=11), tick=False)
    answer = client.post("/dang-nhap/dinh-danh/lien-ket/", {"password": DEFAULT_PASSWORD})
    assert answer.status_code == 400 and "Phiên liên kết đã hết hạn" in answer.content.decode()
    assert signed_in_user(client) is None and not IdentityLink.objects.exists()


def test_the_provider_requires_pkce(client, sso):
    """The local provider refuses an authorization request without a PKCE challenge; motcua shows the refusal."""
    location = start(client)
    parts = urlsplit(location)
    query = [(key, value) for key, value in _pairs(parts.query) if not key.startswith("code_challenge")]
    callback = urlsplit(sign_in(parts._replace(query=urlencode(query)).geturl(), NEW_CITIZEN))
    assert "error=invalid_request" in callback.query
    answer = client.get(callback.path, dict(_pairs(callback.query)))
    assert answer.status_code == 403 and "Cổng định danh điện tử không cho phép đăng nhập" in answer.content.decode()
    assert signed_in_user(client) is None


def test_declining_the_link_signs_nobody_in_and_forgets_the_verified_sign_in(client, sso):
    CitizenFactory(national_id=LINKED_CITIZEN)
    back_from_provider(client, LINKED_CITIZEN)
    answer = client.post("/dang-nhap/dinh-danh/lien-ket/", {"cancel": "1"}, follow=True)
    assert "Tài khoản chưa được liên kết với định danh điện tử." in answer.content.decode()
    assert signed_in_user(client) is None and not IdentityLink.objects.exists()
    assert client.get("/dang-nhap/dinh-danh/lien-ket/").status_code == 400


def test_another_persons_session_in_the_browser_ends_when_a_linking_sign_in_begins(client, sso):
    CitizenFactory(national_id=LINKED_CITIZEN)
    client.force_login(CitizenFactory(national_id=""))
    assert back_from_provider(client, LINKED_CITIZEN)["Location"] == "/dang-nhap/dinh-danh/lien-ket/"
    assert signed_in_user(client) is None
    assert client.get("/dang-nhap/dinh-danh/lien-ket/").status_code == 200


def test_the_linking_page_without_a_verified_sign_in_says_so(client, sso):
    answer = client.get("/dang-nhap/dinh-danh/lien-ket/")
    assert answer.status_code == 400 and "Phiên liên kết đã hết hạn" in answer.content.decode()


def test_a_signed_in_password_citizen_links_from_the_account_page(client, sso):
    owner = CitizenFactory(national_id="")
    client.force_login(owner)
    page = client.get("/tai-khoan/dinh-danh-dien-tu/").content.decode()
    assert "Tài khoản chưa liên kết với định danh điện tử" in page
    answer = client.post("/tai-khoan/dinh-danh-dien-tu/lien-ket/")
    callback = urlsplit(sign_in(client.get(answer["Location"])["Location"], LINKED_CITIZEN))
    answer = client.get(callback.path, dict(_pairs(callback.query)))
    assert answer["Location"] == "/tai-khoan/dinh-danh-dien-tu/"
    owner.refresh_from_db()
    assert owner.national_id == LINKED_CITIZEN and IdentityLink.objects.get().user == owner
    assert "Tài khoản đã được liên kết với định danh điện tử từ ngày" in client.get(answer["Location"]).content.decode()


def test_linking_from_the_account_page_refuses_another_persons_identity(client, sso):
    owner = CitizenFactory(national_id="001090009999")
    client.force_login(owner)
    answer = client.post("/tai-khoan/dinh-danh-dien-tu/lien-ket/")
    callback = urlsplit(sign_in(client.get(answer["Location"])["Location"], LINKED_CITIZEN))
    answer = client.get(callback.path, dict(_pairs(callback.query)))
    assert answer.status_code == 403 and "Số định danh không khớp" in answer.content.decode()
    assert not IdentityLink.objects.exists()


# --- refusals -------------------------------------------------------------------------------------------


def test_a_staff_account_with_that_national_id_is_never_signed_in(client, sso):
    OfficerFactory(national_id=LINKED_CITIZEN)
    answer = back_from_provider(client, LINKED_CITIZEN)
    assert answer.status_code == 403
    assert "Tài khoản cán bộ không đăng nhập bằng định danh điện tử" in answer.content.decode()
    assert signed_in_user(client) is None and not IdentityLink.objects.exists()
    assert User.objects.filter(national_id=LINKED_CITIZEN).count() == 1


def test_a_missing_national_id_claim_is_refused(client, sso, settings):
    settings.OIDC_NATIONAL_ID_CLAIM = "so_dinh_danh"  # a claim the provider does not send
    answer = back_from_provider(client, NEW_CITIZEN)
    assert answer.status_code == 403 and "Thiếu số định danh cá nhân" in answer.content.decode()
    assert signed_in_user(client) is None and not User.objects.filter(national_id=NEW_CITIZEN).exists()


def test_an_unknown_state_is_refused(client, sso):
    start(client)
    answer = client.get("/dang-nhap/dinh-danh/callback/", {"code": "abc", "state": "not-the-state"})
    assert answer.status_code == 400 and "Phiên đăng nhập không hợp lệ" in answer.content.decode()
    assert signed_in_user(client) is None


def test_the_providers_refusal_is_a_clear_page(client, sso):
    state = parse_qs(urlsplit(start(client)).query)["state"][0]
    answer = client.get("/dang-nhap/dinh-danh/callback/", {"error": "access_denied", "state": state})
    assert answer.status_code == 403
    assert "Cổng định danh điện tử không cho phép đăng nhập" in answer.content.decode()
    assert signed_in_user(client) is None


def test_a_code_used_twice_is_refused_by_the_provider(client, sso):
    callback = urlsplit(sign_in(start(client), NEW_CITIZEN))
    client.get(callback.path, dict(_pairs(callback.query)))
    client.post("/dang-xuat/")
    # The same state and code again: the state was spent with the first sign-in.
    answer = client.get(callback.path, dict(_pairs(callback.query)))
    assert answer.status_code == 400 and signed_in_user(client) is None


def with_token_proxy(sso, alter):
    document = dict(sso.discovery())
    proxy = TokenProxy(document["token_endpoint"], alter)
    document["token_endpoint"] = proxy.url
    cache.set(oidc_provider.cache_key(), document, 600)
    return proxy


def test_a_tampered_id_token_is_refused_and_nobody_is_signed_in(client, sso, caplog):
    with with_token_proxy(sso, flip_signature):
        answer = back_from_provider(client, NEW_CITIZEN)
    assert answer.status_code == 400
    assert "Không xác thực được thông tin đăng nhập" in answer.content.decode()
    assert signed_in_user(client) is None and not User.objects.filter(national_id=NEW_CITIZEN).exists()
    assert "Single sign-on refused: token" in caplog.text


def test_a_validly_signed_token_with_another_nonce_is_refused(client, sso, caplog):
    with with_token_proxy(sso, resign_with_nonce(sso, "a-nonce-of-another-sign-in")):
        answer = back_from_provider(client, NEW_CITIZEN)
    assert answer.status_code == 400
    assert "không thuộc về lần đăng nhập này" in answer.content.decode()
    assert signed_in_user(client) is None and not User.objects.filter(national_id=NEW_CITIZEN).exists()
    assert "Single sign-on refused: nonce" in caplog.text


def test_an_unreachable_provider_is_a_clear_page(client, settings):
    settings.OIDC_ISSUER = "http://127.0.0.1:9/o"
    settings.OIDC_TIMEOUT = 2
    answer = client.get(START)
    assert answer.status_code == 503 and "Chưa kết nối được cổng định danh điện tử" in answer.content.decode()


# --- logout and secrets ---------------------------------------------------------------------------------


def test_logout_of_an_sso_session_ends_it_at_the_provider(client, sso):
    back_from_provider(client, NEW_CITIZEN)
    answer = client.post("/dang-xuat/")
    assert signed_in_user(client) is None
    location = urlsplit(answer["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == sso.discovery()["end_session_endpoint"]
    query = parse_qs(location.query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/"] and query["id_token_hint"][0].count(".") == 2


def test_logout_of_a_password_session_stays_on_motcua(client, sso):
    client.force_login(CitizenFactory())
    assert client.post("/dang-xuat/")["Location"] == "/"


def test_the_client_secret_never_appears_in_answers_logs_or_the_admin(client, sso, caplog, admin_client):
    caplog.set_level(logging.DEBUG)
    seen = []

    def keep(answer):
        seen.append(str(answer.headers) + answer.content.decode(errors="replace"))
        return answer

    keep(client.get("/dang-nhap/"))
    callback = urlsplit(sign_in(start(client), NEW_CITIZEN))
    keep(client.get(callback.path, dict(_pairs(callback.query))))
    keep(client.get("/ho-so/"))
    keep(client.post("/dang-xuat/"))
    # A refused one too (its log line says why, never with the token or the secret).
    with with_token_proxy(sso, flip_signature):
        callback = urlsplit(sign_in(start(client), NEW_CITIZEN))
        keep(client.get(callback.path, dict(_pairs(callback.query))))
    link = IdentityLink.objects.get()
    keep(admin_client.get("/admin/portal/user/"))
    change = keep(admin_client.get(f"/admin/portal/user/{link.user_id}/change/"))
    assert link.subject in change.content.decode()  # the admin shows the link (support can remove it)
    keep(admin_client.get("/api/schema/"))
    assert all(CLIENT_SECRET not in text for text in seen)
    assert CLIENT_SECRET not in caplog.text
    assert not any("eyJ" in record.getMessage() for record in caplog.records if record.name.startswith("portal"))


def test_the_sso_pages_read_in_english_too(sso):
    from tests.test_english_pages import in_english, main_text, untranslated

    client = in_english()
    assert "Log in with your digital identity" in main_text(client.get("/dang-nhap/"))
    answer = client.get("/dang-nhap/dinh-danh/callback/", {"code": "abc", "state": "not-the-state"})
    assert answer.status_code == 400 and not untranslated(main_text(answer))
    assert "Invalid login session" in main_text(answer)


def test_only_a_phone_the_provider_verified_counts_as_confirmed():
    from portal.oidc.identity import vouched_phone

    assert vouched_phone({"phone_number": "+84 987 654 321", "phone_number_verified": True}) == "0987654321"
    assert vouched_phone({"phone_number": "0987654321", "phone_number_verified": False}) == ""
    assert vouched_phone({"phone_number": "0987654321"}) == ""
    assert vouched_phone({"phone_number": "not a phone", "phone_number_verified": True}) == ""
