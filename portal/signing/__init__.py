"""Chữ ký số: agencies sign e-results (PAdES, pyHanko) and anyone verifies them.

    sign_pdf(data, agency, *, dossier_code, signer, reason, when=None, key=None) -> bytes
    verify_pdf(data) -> Verification(valid, dossier, agency, signer, signed_at, reason)

Keys and certificates: portal/signing/keys.py (files under settings.SIGNING_DIR, public facts in
SigningCertificate); the dossier cross-check: portal/signing/lookup.py. The names load on first use (PEP 562), so
a process that never signs (the worker, beat, a management command) does not import pyHanko at start-up.
"""

import warnings
from importlib import import_module

# pyHanko imports cryptography's DSA names (an algorithm we never use; deprecated there) for its signer types.
warnings.filterwarnings("ignore", message="DSA is deprecated")

_HOME = {
    "SigningUnavailable": "keys",
    "ensure_agency_certificates": "keys",
    "keys": None,
    "load_agency_key": "keys",
    "register_dossier_lookup": "lookup",
    "Verification": "pdf",
    "sign_pdf": "pdf",
    "verification_url": "pdf",
    "verify_pdf": "pdf",
}

__all__ = sorted(_HOME)


def __getattr__(name):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = import_module(f".{_HOME[name] or name}", __name__)
    return module if _HOME[name] is None else getattr(module, name)
