"""Fixtures of the fault tests: an app process (gunicorn) of our own, on loopback, whose
database or Redis goes through a :class:`TcpProxy` the test can cut."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests.deploy.conftest import stop, wait_for
from tests.support import free_port

from .proxy import TcpProxy

PROJECT_DIR = Path(__file__).resolve().parents[2]
PASSWORD = "a-long-pass-phrase"


def call(base: str, method: str, path: str, *, token: str | None = None, body=None, timeout: float = 15):
    """``(status, parsed JSON body or None)``; a connection error is ``(0, str(error))``."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw)
        except ValueError:
            return error.code, raw.decode(errors="replace")
    except OSError as error:
        return 0, str(error)


@pytest.fixture
def pg_proxy(postgres):
    proxy = TcpProxy(
        int(connection.settings_dict.get("PORT") or 5432), connection.settings_dict.get("HOST") or "127.0.0.1"
    )
    yield proxy
    proxy.close()


def database_url(port: int) -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{user}{password}@127.0.0.1:{port}/{s['NAME']}"


def app_env(**overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PADMAKARA", "DJANGO", "CELERY", "CACHE"))}
    env.update(
        {
            "PADMAKARA_ENV": "local",
            "DJANGO_SETTINGS_MODULE": "padmakara.settings",
            "SECRET_KEY": "fault-tests-secret-key-not-for-production-000000000000",
            "REQUEST_LOG_LEVEL": "WARNING",
            "THROTTLE_CONTENT": "1000000/hour",
            "THROTTLE_PROGRESS": "1000000/hour",
            "THROTTLE_MEDIA": "1000000/hour",
            "THROTTLE_AUTH": "1000000/hour",
            "CELERY_BROKER_URL": "",
        }
    )
    env.update(overrides)
    return env


@pytest.fixture
def start_app(tmp_path):
    """``start_app(env) -> base URL``: gunicorn, 1 worker x 4 threads, stopped after the test."""
    processes = []

    def _start(env: dict) -> str:
        port = free_port()
        log = open(tmp_path / f"gunicorn-{port}.log", "w")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "padmakara.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                "1",
                "--threads",
                "4",
                "--timeout",
                "60",
            ],
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        processes.append((process, log))
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: call(base, "GET", "/health")[0] == 200, timeout=60, what="gunicorn", process=process)
        return base

    yield _start
    for process, log in processes:
        stop(process)
        log.close()


def login(base: str, email: str) -> str:
    status, body = call(base, "POST", "/api/v1/auth/login", body={"email": email, "password": PASSWORD})
    assert status == 200, body
    return body["accessToken"]


def until(predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture(autouse=True)
def _server_hashers(settings):
    """Passwords set here are checked by the gunicorn process, which has the real hashers."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
