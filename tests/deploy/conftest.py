"""Fixtures for the deployment tests: built bundles, a production environment, processes."""

import os
import secrets
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from pathlib import Path

import pytest

from deploy import build_bundle
from tests.support import aws_client, free_port, redis_url

PROJECT_DIR = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def wait_for(predicate, *, timeout: float, what: str, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what}: the process exited with {process.returncode} before it was ready")
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"{what}: not ready within {timeout:g} s")


def stop(process: subprocess.Popen) -> str:
    """Terminate a process started by a test and return what it printed."""
    if process.poll() is None:
        process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate(timeout=10)
    return output or ""


def procfile(bundle_dir: Path) -> dict[str, list[str]]:
    """The Procfile's processes as argv lists (EB runs each line as one command)."""
    processes = {}
    for line in (bundle_dir / "Procfile").read_text().splitlines():
        if line.strip():
            name, command = line.split(":", 1)
            processes[name.strip()] = shlex.split(command)
    return processes


def start_procfile_process(bundle_dir: Path, name: str, env: dict) -> subprocess.Popen:
    """Start the Procfile line ``name`` of an unpacked bundle, as Elastic Beanstalk would."""
    return subprocess.Popen(
        procfile(bundle_dir)[name], cwd=bundle_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


@pytest.fixture(scope="session")
def bundles(tmp_path_factory):
    """Both bundles built once from this checkout, each also unpacked as EB would unpack it."""
    out = tmp_path_factory.mktemp("dist")
    built = {}
    for role in build_bundle.ROLES:
        path = build_bundle.build(role=role, version="test-1", source=PROJECT_DIR, out_dir=out)
        unpacked = out / f"{role}-unpacked"
        with zipfile.ZipFile(path) as bundle:
            bundle.extractall(unpacked)
            for info in bundle.infolist():
                (unpacked / info.filename).chmod((info.external_attr >> 16) & 0o777)
        built[role] = {"zip": path, "dir": unpacked}
    return built


def make_production_env(folder: Path) -> dict:
    """The environment of a production instance, minus AWS: what `check --deploy` needs to pass."""
    base = {key: value for key, value in os.environ.items() if not key.startswith(("PADMAKARA", "DJANGO", "CELERY"))}
    for key in ("DATABASE_URL", "CACHE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "STORAGE_BACKEND", "DEBUG", "VAR_DIR"):
        base.pop(key, None)
    return {
        **base,
        "PATH": f"{VENV_BIN}{os.pathsep}{base.get('PATH', '')}",
        "PYTHONPATH": "",
        "PADMAKARA_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "api.padmakara.example",
        "CORS_ALLOWED_ORIGINS": "https://app.padmakara.example",
        "DATABASE_URL": f"sqlite:///{folder / 'production.sqlite3'}",
        "CACHE_URL": redis_url(),  # this xdist worker's Redis database
        "CELERY_BROKER_URL": redis_url(),
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": "padmakara-media-test",
        "AWS_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "VAR_DIR": str(folder / "var"),
        # As deploy/cloudformation/app.yaml sets them: production signs users in with Cognito.
        "IDENTITY_PROVIDER": "cognito",
        "COGNITO_AWS_REGION": "eu-west-1",
        "COGNITO_USER_POOL": "eu-west-1_TestPool1",
        "COGNITO_APP_CLIENT_ID": "testappclient0000000000000",
        # From the application secret in production: payments through Easypay.
        "EASYPAY_ACCOUNT_ID": "test-account",
        "EASYPAY_API_KEY": "test-key",
    }


@pytest.fixture
def production_env(tmp_path):
    return make_production_env(tmp_path)


def run_manage(args: list[str], *, env: dict, cwd: Path = PROJECT_DIR, timeout: float = 120):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def http_get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="session")
def web_server(bundles, moto_endpoint, tmp_path_factory):
    """gunicorn from the web Procfile, on a free loopback port, with S3 on moto's server.

    One server for the session: the tests only read from it.
    """
    production_env = make_production_env(tmp_path_factory.mktemp("web"))
    production_env["AWS_STORAGE_BUCKET_NAME"] = f"padmakara-media-{uuid.uuid4().hex[:12]}"
    aws_client("s3", moto_endpoint).create_bucket(
        Bucket=production_env["AWS_STORAGE_BUCKET_NAME"],
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )
    port = free_port()
    # As the web bundle's container command does before the new version starts.
    collected = run_manage(["collectstatic", "--noinput"], env=production_env, cwd=bundles["web"]["dir"])
    assert collected.returncode == 0, collected.stderr
    env = {
        **production_env,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "AWS_S3_ENDPOINT_URL": moto_endpoint,
        "AWS_S3_ADDRESSING_STYLE": "path",
    }
    process = start_procfile_process(bundles["web"]["dir"], "web", env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _reachable_http(base), timeout=60, what="gunicorn", process=process)
        yield base
    finally:
        stop(process)


def _reachable_http(base: str) -> bool:
    try:
        return http_get(f"{base}/health")[0] == 200
    except OSError:
        return False


def server_url(database: str) -> str:
    """A postgres:// URL of ``database`` on the server DATABASE_URL names (the tests' server)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/padmakara"))
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", "", ""))


@pytest.fixture
def scratch_database():
    """An empty database of its own on the tests' PostgreSQL server, dropped afterwards; its URL."""
    import psycopg

    name = f"pk_scratch_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server_url(name)
    finally:
        with psycopg.connect(server_url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
