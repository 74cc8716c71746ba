"""Who may open /ws/v1: the API's own access tokens, checked the API's way; each refusal closes
the connection with its own code."""

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from accounts import revocation
from accounts.providers import get_provider

from .conftest import MAX_CONNECTIONS, MAX_MESSAGE_BYTES, listener, sign_in

pytestmark = pytest.mark.redis


@pytest.fixture
def ana(transactional_db):
    return listener()


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_it_accepts_the_token_in_the_first_message(live, devices, ana):
    device = devices(live, sign_in(ana)["access"])

    ready = device.wait_ready()

    assert ready["data"]["tokenExpiresAt"] > time.time()


def test_it_accepts_the_token_as_a_websocket_protocol_and_answers_the_app_protocol(live, devices, ana):
    device = devices(live, sign_in(ana)["access"], via_protocol=True)

    device.wait_ready()
    assert device.ws.subprotocol == "padmakara.v1"


def test_it_closes_a_connection_that_sends_no_token(live, devices, ana):
    device = devices(live, None)

    assert device.closed_with() == (4401, "not_authenticated")


def test_it_closes_a_connection_whose_first_message_is_not_auth(live, devices, ana):
    device = devices(live, None)
    device.send({"type": "resume", "after": "1-0"})

    assert device.closed_with() == (4400, "bad_message")


def test_it_refuses_an_expired_token(live, devices, ana, settings):
    settings.IDENTITY_ACCESS_TOKEN_SECONDS = -5
    device = devices(live, sign_in(ana)["access"])

    assert device.closed_with() == (4408, "token_expired")


def test_it_closes_the_connection_when_its_token_expires(live, devices, ana, settings):
    settings.IDENTITY_ACCESS_TOKEN_SECONDS = 2
    device = devices(live, sign_in(ana)["access"])
    device.wait_ready()

    assert device.closed_with(timeout=6) == (4408, "token_expired")


def test_it_stays_open_past_the_expiry_with_a_fresh_token(live, devices, ana, settings):
    settings.IDENTITY_ACCESS_TOKEN_SECONDS = 2
    device = devices(live, sign_in(ana)["access"])
    device.wait_ready()
    settings.IDENTITY_ACCESS_TOKEN_SECONDS = 3600
    device.send({"type": "auth", "token": sign_in(ana)["access"]})
    assert device.receive()["type"] == "ready.v1"

    assert device.events(within=3) == []  # the first token has expired meanwhile


def test_it_refuses_a_forged_token(live, devices, ana):
    real = sign_in(ana)["access"]
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        _claims(real), other_key, algorithm="RS256", headers={"kid": jwt.get_unverified_header(real)["kid"]}
    )
    device = devices(live, forged)

    assert device.closed_with() == (4403, "invalid_token")


def test_it_refuses_a_revoked_token(live, devices, ana):
    tokens = sign_in(ana)
    get_provider().logout(refresh_token=tokens["refresh"])
    device = devices(live, tokens["access"])

    assert device.closed_with() == (4409, "session_ended")


def test_it_closes_open_connections_at_once_when_the_session_ends(live, devices, ana):
    tokens = sign_in(ana)
    device = devices(live, tokens["access"])
    device.wait_ready()

    revocation.revoke_all(user_id=ana.pk)

    started = time.monotonic()
    assert device.closed_with(timeout=5) == (4409, "session_ended")
    assert time.monotonic() - started < 1.5  # the recheck message, not the heartbeat


def test_it_caps_the_connections_of_one_user(live, devices, ana):
    token = sign_in(ana)["access"]
    for _ in range(MAX_CONNECTIONS):
        devices(live, token).wait_ready()

    assert devices(live, token).closed_with() == (4429, "too_many_connections")


def test_it_closes_a_connection_that_sends_too_big_a_message(live, devices, ana):
    device = devices(live, sign_in(ana)["access"])
    device.wait_ready()

    device.ws.send(json.dumps({"type": "ping", "pad": "x" * MAX_MESSAGE_BYTES}))

    assert device.closed_with()[0] == 1009


def test_it_answers_an_application_ping(live, devices, ana):
    device = devices(live, sign_in(ana)["access"])
    device.wait_ready()
    device.send({"type": "ping"})

    assert device.receive() == {"type": "pong"}
