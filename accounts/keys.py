"""The local provider's RS256 signing key and the JWKS that publishes its public half.

The key comes from ``IDENTITY_PRIVATE_KEY`` (PEM) or, on a local install, from a file under
var/ generated on first use. Loaded once per process.
"""

import base64
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from jwt.algorithms import RSAAlgorithm

_lock = threading.Lock()


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey
    public_jwk: dict


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _thumbprint(jwk: dict) -> str:
    """RFC 7638 thumbprint: a stable kid that changes when (and only when) the key does."""
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    return _b64(hashlib.sha256(canonical.encode()).digest())


def _read_or_generate_pem(path: Path) -> bytes:
    with _lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            # O_EXCL: two processes starting at once must not each write a different key.
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(pem)
        return path.read_bytes()


@cache
def _load(pem: bytes) -> SigningKey:
    private_key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise ValueError("IDENTITY_PRIVATE_KEY must be an RSA private key.")
    jwk = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
    kid = _thumbprint(jwk)
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return SigningKey(kid=kid, private_key=private_key, public_jwk=jwk)


@cache
def _from_file(path: Path) -> SigningKey:
    return _load(_read_or_generate_pem(path))


def signing_key() -> SigningKey:
    """The key of the current settings, read from disk once per process."""
    if settings.IDENTITY_PRIVATE_KEY:
        return _load(settings.IDENTITY_PRIVATE_KEY.encode())
    return _from_file(Path(settings.IDENTITY_PRIVATE_KEY_FILE))


def jwks() -> dict:
    return {"keys": [signing_key().public_jwk]}
