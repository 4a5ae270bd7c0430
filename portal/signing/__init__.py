"""Chữ ký số: agencies sign e-results (PAdES, pyHanko) and anyone verifies them.

    sign_pdf(data, agency, *, dossier_code, signer, reason, when=None) -> bytes
    verify_pdf(data) -> Verification(valid, dossier, agency, signer, signed_at, reason)

Keys and certificates: portal/signing/keys.py (files under settings.SIGNING_DIR, public facts in
SigningCertificate); the dossier cross-check: portal/signing/lookup.py.
"""

from .keys import SigningUnavailable, ensure_agency_certificates, load_agency_key
from .lookup import register_dossier_lookup
from .pdf import Verification, sign_pdf, verification_url, verify_pdf

__all__ = [
    "SigningUnavailable",
    "Verification",
    "ensure_agency_certificates",
    "load_agency_key",
    "register_dossier_lookup",
    "sign_pdf",
    "verification_url",
    "verify_pdf",
]
