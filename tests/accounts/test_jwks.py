import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from accounts import keys


def test_it_publishes_the_key_that_verifies_tokens(api, tokens):
    response = api.get("/.well-known/jwks.json")
    assert response.status_code == 200
    (jwk,) = response.json()["keys"]
    assert jwk["kty"] == "RSA" and jwk["alg"] == "RS256" and "d" not in jwk
    assert jwt.get_unverified_header(tokens["accessToken"])["kid"] == jwk["kid"]
    public_key = RSAAlgorithm.from_jwk(jwk)
    jwt.decode(tokens["accessToken"], public_key, algorithms=["RS256"], options={"verify_aud": False})


def test_it_generates_a_key_file_on_first_run(settings, tmp_path):
    settings.IDENTITY_PRIVATE_KEY = ""
    settings.IDENTITY_PRIVATE_KEY_FILE = tmp_path / "var" / "key.pem"
    first = keys.signing_key()
    assert settings.IDENTITY_PRIVATE_KEY_FILE.exists()
    assert settings.IDENTITY_PRIVATE_KEY_FILE.stat().st_mode & 0o777 == 0o600
    assert keys.signing_key().kid == first.kid


def test_it_uses_the_key_from_settings(settings):
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    settings.IDENTITY_PRIVATE_KEY = pem.decode()
    assert keys.jwks()["keys"][0]["n"] == keys._load(pem).public_jwk["n"]
    assert keys.signing_key().private_key.private_numbers() == private_key.private_numbers()


def test_it_is_served_without_version_prefix_or_token(api, db):
    assert api.get("/.well-known/jwks.json").status_code == 200
