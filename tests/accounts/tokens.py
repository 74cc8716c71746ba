"""Builders of hand-made tokens for the token matrix."""

import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from accounts import keys


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(user, **overrides) -> dict:
    now = int(time.time())
    base = {
        "sub": user.cognito_sub,
        "iss": "http://testserver",
        "token_use": "access",
        "client_id": "padmakara-app",
        "scope": "aws.cognito.signin.user.admin",
        "username": user.cognito_sub,
        "jti": str(uuid.uuid4()),
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
    }
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def signed(payload: dict, *, kid: str | None = None, private_key=None) -> str:
    key = keys.signing_key()
    return jwt.encode(payload, private_key or key.private_key, algorithm="RS256", headers={"kid": kid or key.kid})


def unsigned(payload: dict) -> str:
    header = {"alg": "none", "typ": "JWT", "kid": keys.signing_key().kid}
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}."


def hs256_with_public_key(payload: dict) -> str:
    """The classic key-confusion forgery: HMAC keyed with the published public key."""
    key = keys.signing_key()
    pem = key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def with_unknown_kid(payload: dict) -> str:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return signed(payload, kid="not-one-of-ours", private_key=stranger)


def tampered(token: str, **changes) -> str:
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(changes)
    return f"{header}.{b64(json.dumps(data).encode())}.{signature}"
