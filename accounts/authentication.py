"""Bearer-token authentication for both identity providers, built on django-cognito-jwt.

django-cognito-jwt 0.0.4 passes ``audience`` to ``jwt.decode`` (so Cognito access tokens,
which carry ``client_id`` and no ``aud``, fail), never checks ``token_use``, fetches the JWKS
without a timeout and builds a new validator (and key set) per request. This module keeps its
shape (``TokenValidator.validate``, ``TokenError``, ``JSONWebTokenAuthentication``) and fixes
those: a configurable JWKS source, keys cached per process with one refetch on an unknown
``kid``, an HTTP timeout, ``token_use`` and ``client_id`` checks, and a clock-skew leeway.
"""

import base64
import binascii
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import jwt
import requests
from django.conf import settings
from django_cognito_jwt import backend, validator
from jwt.algorithms import RSAAlgorithm
from rest_framework import exceptions

from . import revocation

logger = logging.getLogger(__name__)

TokenError = validator.TokenError

JWKSSource = Callable[[], dict]


def http_jwks(url: str, timeout: float) -> JWKSSource:
    """Fetch a JWKS over HTTP with a timeout (Cognito, or a Cognito-compatible server)."""

    def fetch() -> dict:
        response = requests.get(url, timeout=timeout)
        response.raise_for_status()
        return response.json()

    fetch.url = url  # used as the key of the per-process cache
    return fetch


class KeyCache:
    """Public keys by ``kid`` for one JWKS source, shared by every request of the process.

    An unknown ``kid`` triggers one refetch (keys rotate), at most once every
    ``min_refetch`` seconds so that a stream of forged kids cannot hammer the JWKS endpoint.
    """

    def __init__(self, source: JWKSSource, *, min_refetch: float):
        self.source = source
        self.min_refetch = min_refetch
        self.keys: dict[str, object] = {}
        self.fetched_at = float("-inf")
        self._lock = threading.Lock()

    def get(self, kid: str):
        key = self.keys.get(kid)
        if key is not None:
            return key
        with self._lock:
            key = self.keys.get(kid)
            if key is None and time.monotonic() - self.fetched_at >= self.min_refetch:
                self._refresh()
                key = self.keys.get(kid)
        return key

    def _refresh(self) -> None:
        self.fetched_at = time.monotonic()
        try:
            data = self.source()
        except (requests.RequestException, ValueError) as exc:
            logger.warning("could not fetch the JWKS: %s", exc)
            return
        keys = {}
        for jwk in data.get("keys", []):
            if jwk.get("kty") != "RSA" or "kid" not in jwk:
                continue
            try:
                keys[jwk["kid"]] = RSAAlgorithm.from_jwk(json.dumps(jwk))
            except (jwt.InvalidKeyError, ValueError, KeyError):
                logger.warning("skipping an unusable key in the JWKS: %s", jwk.get("kid"))
        self.keys = keys


class TokenValidator(validator.TokenValidator):
    """Checks a Cognito-format RS256 JWT: signature, ``exp``/``nbf``/``iat`` with leeway,
    ``iss``, ``token_use`` and the app client (``client_id`` on access tokens, ``aud`` on id
    tokens)."""

    # Tokens already verified in this process, with their claims: an app sends the same access
    # token for an hour, and its signature, issuer and audience cannot change in that time.
    # Only the time claims are checked again on a hit. Keyed by the whole token, signature
    # included, so a tampered copy never matches.
    VERIFIED_CACHE_SIZE = 4096

    def __init__(self, *, issuers: tuple[str, ...], client_ids: tuple[str, ...], keys: KeyCache, leeway: int):
        super().__init__(aws_region=None, aws_user_pool=None, audience=None)
        self.issuers = issuers
        self.client_ids = client_ids
        self.key_cache = keys
        self.leeway = leeway
        self._verified: OrderedDict[tuple, dict] = OrderedDict()
        self._verified_lock = threading.Lock()

    @staticmethod
    def _header(token: str) -> dict:
        """The JOSE header alone (PyJWT's helper scans the whole token twice per request)."""
        try:
            segment = token.split(".", 1)[0]
            header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
        except (ValueError, TypeError, binascii.Error) as exc:
            raise TokenError("malformed token header") from exc
        if not isinstance(header, dict):
            raise TokenError("malformed token header")
        return header

    def _get_public_key(self, token):
        header = self._header(token)
        # Only RS256: refuses alg "none" and HS256 signed with the public key as the secret.
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise TokenError("unsupported token header")
        return self.key_cache.get(header["kid"])

    def validate(self, token, *, token_use: str = "access", issuers: tuple[str, ...] | None = None) -> dict:
        issuers = issuers or self.issuers
        key = (token, token_use, issuers)
        payload = self._verified.get(key)
        if payload is not None:
            now = time.time()
            if payload["exp"] + self.leeway <= now:
                raise TokenError("Signature has expired")
            return payload
        payload = self._validate(token, token_use=token_use, issuers=issuers)
        with self._verified_lock:
            self._verified[key] = payload
            while len(self._verified) > self.VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        return payload

    def _validate(self, token, *, token_use: str, issuers: tuple[str, ...]) -> dict:
        public_key = self._get_public_key(token)
        if public_key is None:
            raise TokenError("No key found for this token")
        try:
            payload = jwt.decode(
                token,
                public_key,
                algorithms=["RS256"],
                leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "sub", "token_use"], "verify_aud": False},
            )
        except jwt.PyJWTError as exc:
            raise TokenError(str(exc)) from exc
        if payload.get("iss") not in issuers:
            raise TokenError("wrong issuer")
        if payload.get("token_use") != token_use:
            raise TokenError(f"not an {token_use} token")
        client = payload.get("client_id") if token_use == "access" else payload.get("aud")
        if client not in self.client_ids:
            raise TokenError("token issued to another app client")
        return payload


_validators: dict[tuple, TokenValidator] = {}
_validators_lock = threading.Lock()


def get_validator() -> TokenValidator:
    """One validator (and key cache) per process and configuration."""
    from .providers import get_provider

    provider = get_provider()
    config = provider.token_config()
    cache_key = (config.cache_key, settings.IDENTITY_CLOCK_SKEW_SECONDS, settings.IDENTITY_JWKS_MIN_REFETCH_SECONDS)
    validator_ = _validators.get(cache_key)
    if validator_ is None:
        with _validators_lock:
            validator_ = _validators.get(cache_key)
            if validator_ is None:
                validator_ = TokenValidator(
                    issuers=config.issuers,
                    client_ids=config.client_ids,
                    keys=KeyCache(config.jwks, min_refetch=settings.IDENTITY_JWKS_MIN_REFETCH_SECONDS),
                    leeway=settings.IDENTITY_CLOCK_SKEW_SECONDS,
                )
                _validators[cache_key] = validator_
    return validator_


def validate_access_token(token: str, request=None) -> dict:
    from .providers import get_provider

    issuers = get_provider().token_issuers(request)
    return get_validator().validate(token, token_use="access", issuers=issuers)


def request_session(request) -> str | None:
    """The session (``revocation.session_id``: one per sign-in, so one per device) of the access
    token that authenticated ``request``; None for a session cookie or no token. Live events
    caused by a request skip the connections of the same session (the device knows already)."""
    token = getattr(request, "auth", None)
    if not isinstance(token, str):
        return None
    try:
        payload = validate_access_token(token, request)  # verified already: a hit of the per-process cache
    except TokenError:
        return None
    return revocation.session_id(payload)


class CognitoTokenAuthentication(backend.JSONWebTokenAuthentication):
    """``Authorization: Bearer <access token>`` from either identity provider."""

    def get_token_validator(self, request):
        return get_validator()

    def authenticate(self, request):
        token = self.get_jwt_token(request)
        if token is None:
            return None
        token = token.decode() if isinstance(token, bytes) else token
        try:
            payload = validate_access_token(token, request)
        except TokenError as exc:
            raise exceptions.AuthenticationFailed() from exc
        user = self.get_user_model().objects.get_or_create_for_cognito(payload, token=token)
        # Revocation (logout, password change, disabling) is read from the row just fetched:
        # no query of its own, and no dependence on the cache (accounts/revocation.py).
        if user is None or not user.is_active or revocation.is_revoked(user, payload):
            raise exceptions.AuthenticationFailed()
        return user, token

    def authenticate_header(self, request):
        return "Bearer"
