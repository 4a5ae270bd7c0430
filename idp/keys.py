"""The provider's secrets, made on first start into IDP_VAR_DIR (mode 0600) and kept there: the RSA key that
signs ID tokens (RS256, published as the JWKS) and the Django secret key of the provider's sessions."""

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def _create(path: Path, content: bytes):
    """Write once: a second process starting at the same moment reads the first one's file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)


def rsa_private_key(path: Path) -> str:
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _create(path, pem)
    return path.read_text()


def secret_key(path: Path) -> str:
    if not path.exists():
        _create(path, secrets.token_urlsafe(64).encode())
    return path.read_text().strip()
