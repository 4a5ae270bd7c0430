"""Chứng thư số của cơ quan: where the agencies' signing keys live and how the demo ones are made.

The keys stay outside the database, under settings.SIGNING_DIR: one PKCS#12 per agency,
`agencies/<agency code>.p12`, protected by settings.SIGNING_KEY_PASSPHRASE. The trusted root is
settings.SIGNING_CA_CERT. The database keeps only a certificate's public facts (SigningCertificate),
registered when the certificate is created or first used, so the province admin can revoke it.

Nothing here logs or returns a key or the passphrase: errors name the agency and the file, never their content.
"""

import datetime
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import SigningCertificate

CA_CERT_NAME = "ca.pem"
CA_KEY_NAME = "ca-key.pem"
CA_YEARS = 20
AGENCY_YEARS = 5


class SigningUnavailable(Exception):
    """The agency cannot sign now (no key file, a wrong passphrase, a revoked or expired certificate):
    the message is for the officer, in Vietnamese, and names no secret."""


@dataclass(frozen=True)
class AgencyKey:
    """An agency's loaded key material, for one signature: never stored, never logged."""

    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: tuple
    record: SigningCertificate


def _passphrase():
    return (settings.SIGNING_KEY_PASSPHRASE or "").encode()


def _encryption():
    secret = _passphrase()
    return serialization.BestAvailableEncryption(secret) if secret else serialization.NoEncryption()


def signing_dir() -> Path:
    return Path(settings.SIGNING_DIR)


def agency_key_path(agency) -> Path:
    """`agencies/<code>.p12`; a code with characters unsafe in a file name is replaced by its hash."""
    code = agency.code
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", code):
        code = hashlib.sha256(code.encode()).hexdigest()[:32]
    return signing_dir() / "agencies" / f"{code}.p12"


def trusted_root() -> x509.Certificate:
    path = Path(settings.SIGNING_CA_CERT)
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as error:
        raise SigningUnavailable(_("Chưa cấu hình chứng thư gốc (CA) để kiểm tra chữ ký số.")) from error


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def register(agency, certificate: x509.Certificate) -> SigningCertificate:
    """The certificate's public facts in the database (idempotent, by fingerprint)."""
    record, _created = SigningCertificate.objects.get_or_create(
        fingerprint_sha256=fingerprint(certificate),
        defaults={
            "agency": agency,
            "serial": format(certificate.serial_number, "x"),
            "subject": certificate.subject.rfc4514_string()[:300],
            "not_before": certificate.not_valid_before_utc,
            "not_after": certificate.not_valid_after_utc,
            "registered_at": timezone.now(),
        },
    )
    return record


def load_agency_key(agency) -> AgencyKey:
    """The agency's key, certificate and chain, checked usable now: registered, not revoked, in validity."""
    path = agency_key_path(agency)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SigningUnavailable(
            _("Cơ quan “%(agency)s” chưa có chứng thư số để ký (thiếu tệp khóa).") % {"agency": agency.name}
        ) from error
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(data, _passphrase() or None)
    except (TypeError, ValueError) as error:
        raise SigningUnavailable(
            _("Không mở được tệp khóa ký số của cơ quan “%(agency)s” (sai mật khẩu hoặc tệp hỏng).")
            % {"agency": agency.name}
        ) from error
    if key is None or certificate is None:
        raise SigningUnavailable(
            _("Tệp khóa ký số của cơ quan “%(agency)s” không có khóa hoặc chứng thư.") % {"agency": agency.name}
        )
    record = register(agency, certificate)
    if record.agency_id != agency.pk:
        raise SigningUnavailable(
            _("Chứng thư số trong tệp khóa của “%(agency)s” thuộc cơ quan khác.") % {"agency": agency.name}
        )
    if record.revoked_at is not None:
        raise SigningUnavailable(
            _("Chứng thư số của cơ quan “%(agency)s” đã bị thu hồi; cần cấp chứng thư mới để ký.")
            % {"agency": agency.name}
        )
    now = timezone.now()
    if not (certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc):
        raise SigningUnavailable(
            _("Chứng thư số của cơ quan “%(agency)s” đã hết hạn hoặc chưa có hiệu lực.") % {"agency": agency.name}
        )
    return AgencyKey(key, certificate, tuple(chain or ()), record)


def _upper_bound(text, limit=64):
    """At most `limit` bytes of UTF-8 (X.509's upper bound for a name's CN and O), cut at a character."""
    return text.encode()[:limit].decode(errors="ignore").strip() or "-"


def _name(common_name, organization):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _upper_bound(organization)),
            x509.NameAttribute(NameOID.COMMON_NAME, _upper_bound(common_name)),
        ]
    )


def _write_private(path: Path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.chmod(0o600)
    tmp.replace(path)


def ensure_demo_ca(now=None):
    """A demo CA in SIGNING_DIR (its certificate at SIGNING_CA_CERT), unless one is already there.
    Returns (certificate, key); the key is None when only the certificate exists (a real CA's root)."""
    cert_path, key_path = Path(settings.SIGNING_CA_CERT), signing_dir() / CA_KEY_NAME
    if cert_path.exists():
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = None
        if key_path.exists():
            try:
                key = serialization.load_pem_private_key(key_path.read_bytes(), _passphrase() or None)
            except (TypeError, ValueError) as error:
                raise SigningUnavailable(
                    _("Không mở được khóa của CA trong %(dir)s (sai mật khẩu hoặc tệp hỏng).") % {"dir": signing_dir()}
                ) from error
        return certificate, key
    if settings.PRODUCTION:
        raise SigningUnavailable(
            _("Không tìm thấy chứng thư gốc %(path)s; ở chế độ production không tự tạo CA mẫu.") % {"path": cert_path}
        )
    now = now or timezone.now()
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("motcua CA chữ ký số (demo)", "motcua")
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, _encryption())
    _write_private(key_path, pem)
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return certificate, key


def issue_agency_certificate(agency, ca_certificate, ca_key, now=None) -> SigningCertificate:
    """The agency's PKCS#12 signed by the (demo) CA, unless the agency already has a key file (kept as it is,
    and registered)."""
    path = agency_key_path(agency)
    if path.exists():
        try:
            _key, certificate, _chain = pkcs12.load_key_and_certificates(path.read_bytes(), _passphrase() or None)
        except (TypeError, ValueError) as error:
            raise SigningUnavailable(
                _("Không mở được tệp khóa ký số của cơ quan “%(agency)s” (sai mật khẩu hoặc tệp hỏng).")
                % {"agency": agency.name}
            ) from error
        return register(agency, certificate)
    now = now or timezone.now()
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(agency.name, agency.province.name))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(min(now + datetime.timedelta(days=365 * AGENCY_YEARS), ca_certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_certificate.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        agency.code.encode(), key, certificate, [ca_certificate], _encryption()
    )
    with transaction.atomic():
        record = register(agency, certificate)
        _write_private(path, data)
    return record


def ensure_agency_certificates(agencies, now=None):
    """The demo set-up (`manage.py setup_signing`): a CA if none, then a certificate for each agency without one.
    Returns the number of key files created."""
    ca_certificate, ca_key = ensure_demo_ca(now)
    created = 0
    for agency in agencies:
        if agency_key_path(agency).exists():
            issue_agency_certificate(agency, ca_certificate, ca_key, now)  # registers the existing one
            continue
        if ca_key is None:
            raise SigningUnavailable(
                _("Không có khóa của CA trong %(dir)s: chứng thư cho “%(agency)s” phải do CA thật cấp.")
                % {"dir": signing_dir(), "agency": agency.name}
            )
        issue_agency_certificate(agency, ca_certificate, ca_key, now)
        created += 1
    return created
