"""A real ASGI server (``manage.py serve``: uvicorn) on a loopback port, on this test run's
PostgreSQL database and this worker's Redis database, and app-like clients of its WebSocket.

The tests write through the ORM and the API in this process and commit (transactional tests),
so the server reads what they wrote; events go from here to the server through Redis.
"""

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from accounts import keys
from accounts.providers import get_provider
from padmakara.settings import realtime_channel_layer
from tests.conftest import require
from tests.deploy.conftest import http_get, stop, wait_for
from tests.support import free_port, redis_up
from tests.support import redis_url as worker_redis_url

PROJECT_DIR = Path(__file__).resolve().parents[2]
ISSUER = "https://id.padmakara.test"
PASSWORD = "a-long-pass-phrase"
MAX_CONNECTIONS = 3
MAX_MESSAGE_BYTES = 4096
SEND_TIMEOUT = 2


def _reachable(base: str) -> bool:
    try:
        return http_get(f"{base}/health")[0] == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def live_server_url(django_db_setup, django_db_blocker):
    """``ws://127.0.0.1:<port>``: the server, started once per module."""
    require(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")
    require(redis_up(), "Redis (TEST_REDIS_URL)")
    with django_db_blocker.unblock():
        db = connection.settings_dict
    keys.signing_key()  # the key file exists before the server reads it
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PADMAKARA", "DJANGO", "REALTIME"))}
    env.update(
        {
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "REALTIME_REDIS_URL": worker_redis_url(),
            "CACHE_URL": worker_redis_url(),
            "IDENTITY_ISSUER": ISSUER,
            "IDENTITY_PRIVATE_KEY_FILE": str(settings.IDENTITY_PRIVATE_KEY_FILE),
            "IDENTITY_CLOCK_SKEW_SECONDS": "0",
            "REALTIME_AUTH_TIMEOUT_SECONDS": "1",
            "REALTIME_HEARTBEAT_SECONDS": "2",
            "REALTIME_MAX_CONNECTIONS_PER_USER": str(MAX_CONNECTIONS),
            "REALTIME_MAX_MESSAGE_BYTES": str(MAX_MESSAGE_BYTES),
            "REALTIME_SEND_TIMEOUT_SECONDS": str(SEND_TIMEOUT),
            "LOG_LEVEL": "WARNING",
        }
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(lambda: _reachable(f"http://127.0.0.1:{port}"), timeout=60, what="uvicorn", process=process)
        yield f"ws://127.0.0.1:{port}"
    finally:
        output = stop(process)
        assert "Traceback" not in output, output


@pytest.fixture
def live(live_server_url, redis_url, settings, transactional_db):
    """This process sends events through the server's Redis; tokens name the server's issuer."""
    settings.REALTIME_REDIS_URL = redis_url
    settings.CHANNEL_LAYERS = {"default": realtime_channel_layer(redis_url)}
    settings.IDENTITY_ISSUER = ISSUER
    settings.IDENTITY_CLOCK_SKEW_SECONDS = 0
    return live_server_url


def listener(**extra):
    """A user who can sign in to the app (verified email, the known password)."""
    from tests import factories

    return factories.make_user(password=PASSWORD, email_verified=True, cognito_sub=str(uuid.uuid4()), **extra)


def sign_in(user) -> dict:
    """A new session of ``user`` (as a new device would get): its tokens."""
    result = get_provider().login(email=user.email, password=PASSWORD)
    return {"access": result.tokens.access_token, "refresh": result.tokens.refresh_token}


class Device:
    """One app instance: a WebSocket to /ws/v1, authenticated by its first message."""

    def __init__(self, url: str, token: str | None, *, resume_after: str | None = None, via_protocol=False, **options):
        protocols = ["padmakara.v1", f"bearer.{token}"] if via_protocol else ["padmakara.v1"]
        self._connection = connect(f"{url}/ws/v1", subprotocols=protocols, open_timeout=10, max_size=2**20, **options)
        self.ws = self._connection.__enter__()
        self.ready = None
        if token is not None and not via_protocol:
            message = {"type": "auth", "token": token}
            if resume_after is not None:
                message["resumeAfter"] = resume_after
            self.send(message)

    def send(self, message: dict) -> None:
        self.ws.send(json.dumps(message))

    def receive(self, timeout: float = 5.0) -> dict:
        return json.loads(self.ws.recv(timeout=timeout))

    def wait_ready(self) -> dict:
        self.ready = self.receive()
        assert self.ready["type"] == "ready.v1", self.ready
        return self.ready

    def events(self, *, within: float) -> list[dict]:
        """Every message that arrives within ``within`` seconds."""
        got, deadline = [], time.monotonic() + within
        while (left := deadline - time.monotonic()) > 0:
            try:
                got.append(self.receive(timeout=left))
            except TimeoutError:
                break
        return got

    def closed_with(self, timeout: float = 5.0) -> tuple[int, str]:
        """The close code and reason the server sent (messages before it are skipped)."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        except ConnectionClosed as closed:
            return closed.rcvd.code, closed.rcvd.reason
        raise AssertionError("the connection stayed open")

    def close(self) -> None:
        self._connection.__exit__(None, None, None)


@pytest.fixture
def devices():
    """Open devices, closed after the test."""
    opened = []

    def open_device(url, token, **kwargs) -> Device:
        device = Device(url, token, **kwargs)
        opened.append(device)
        return device

    yield open_device
    for device in opened:
        device.close()
