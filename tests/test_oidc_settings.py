"""Single sign-on's settings in production: configured, `check --deploy` stays clean; an issuer without the
client's id and secret refuses to start (rather than sending citizens to a provider that will refuse them)."""

from tests.test_settings import run_manage

PRODUCTION = {
    "DJANGO_MODE": "production",
    "SECRET_KEY": "k3y-" + "x7Qp9vL2mZ" * 6,
    "ALLOWED_HOSTS": "motcua.example.gov.vn",
    # Production signs e-results with keys under a passphrase (check --deploy warns without one).
    "SIGNING_KEY_PASSPHRASE": "a-long-passphrase-of-the-agency-keys",
}


def test_production_with_single_sign_on_passes_the_deploy_checks():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        OIDC_ISSUER="https://sso.dinhdanh.example.gov.vn",
        OIDC_CLIENT_ID="motcua-khanhhoa",
        OIDC_CLIENT_SECRET="a-secret-of-the-province-0123456789",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "a-secret-of-the-province" not in result.stdout + result.stderr


def test_production_refuses_an_issuer_without_the_client_secret():
    result = run_manage("check", OIDC_ISSUER="https://sso.dinhdanh.example.gov.vn", OIDC_CLIENT_ID="x", **PRODUCTION)
    assert result.returncode != 0
    assert "OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set" in result.stderr
