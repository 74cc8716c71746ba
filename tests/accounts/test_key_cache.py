import json

from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from accounts.authentication import KeyCache


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
