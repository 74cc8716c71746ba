import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from accounts.authentication import KeyCache, TokenError, get_validator
from accounts.services import user_create_verified

from . import tokens as t


def _jwk(kid):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {**json.loads(RSAAlgorithm.to_jwk(key.public_key())), "kid": kid}


class Source:
    """A JWKS endpoint stand-in that counts fetches."""

    def __init__(self, *jwks):
        self.keys = list(jwks)
        self.fetches = 0

    def __call__(self):
        self.fetches += 1
        return {"keys": self.keys}


def test_it_fetches_once_while_warm():
    source = Source(_jwk("a"))
    cache = KeyCache(source, min_refetch=0)
    for _ in range(5):
        assert cache.get("a") is not None
    assert source.fetches == 1


def test_it_refetches_on_an_unknown_kid():
    source = Source(_jwk("a"))
    cache = KeyCache(source, min_refetch=0)
    cache.get("a")
    source.keys.append(_jwk("b"))  # the provider rotated its keys
    assert cache.get("b") is not None
    assert source.fetches == 2


def test_it_does_not_hammer_the_endpoint_with_forged_kids():
    source = Source(_jwk("a"))
    cache = KeyCache(source, min_refetch=60)
    cache.get("a")
    for n in range(10):
        assert cache.get(f"forged-{n}") is None
    assert source.fetches == 1


def test_it_survives_an_unreachable_endpoint():
    import requests

    def down():
        raise requests.ConnectionError("refused")

    assert KeyCache(down, min_refetch=0).get("a") is None


def test_it_rechecks_expiry_of_a_token_it_verified_before(db, settings):
    settings.IDENTITY_CLOCK_SKEW_SECONDS = 0
    user = user_create_verified(email="ana@example.org", password="a-long-pass-phrase", name="Ana")
    now = int(time.time())
    token = t.signed(t.claims(user, iat=now, exp=now + 1))
    validator = get_validator()
    assert validator.validate(token, issuers=("http://testserver",))["sub"] == user.cognito_sub
    time.sleep(2.1)
    with pytest.raises(TokenError):
        validator.validate(token, issuers=("http://testserver",))
