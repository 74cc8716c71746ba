import itertools
import os
import shutil
import subprocess

import pytest
from botocore.config import Config
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.utils import translation
from rest_framework.test import APIClient

from . import factories
from .support import AWS_REGION, AWS_TEST_ENV, aws_client, redis_up
from .support import reachable as _reachable  # noqa: F401  (imported by the test folders)
from .support import redis_url as worker_redis_url

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, what: str) -> None:
    """Skip locally when a service is missing; in CI a missing service is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available")
    pytest.skip(f"{what} is not available here")


@pytest.fixture
def postgres():
    require(settings.IS_POSTGRES, "PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def redis_url():
    """This xdist worker's own Redis database (tests/support.py), empty at the start and the end
    of the test; a skip without Redis (a failure in CI)."""
    require(redis_up(), "Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379/15)")
    import redis

    url = worker_redis_url()
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Every test gets its own media folder, an empty cache (throttles, version stamps) and the
    default language."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": "/files/"},
        },
    }
    cache.clear()
    yield
    cache.clear()
    # A request with Accept-Language: pt leaves Portuguese active in this thread; the next test
    # starts in the default language again.
    translation.deactivate()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def user(db):
    return factories.make_user(name="Ana")


@pytest.fixture
def other_user(db):
    return factories.make_user(name="Bruno")


@pytest.fixture
def staff(db):
    return factories.make_staff(name="Staff")


@pytest.fixture
def staff_client(client, staff):
    """A browser session of a superuser (the admin, the dashboard), through both steps of the
    admin's sign-in: the password and a TOTP code (tests/factories.admin_login)."""
    factories.admin_login(client, staff)
    return client


@pytest.fixture(autouse=True)
def _admin_requires_mfa(settings):
    """Whatever DEBUG says in the environment, the admin asks staff for the second step in tests;
    a test about the demo's way turns it off itself."""
    settings.ADMIN_REQUIRE_MFA = True


@pytest.fixture
def user_api(api, user):
    api.force_authenticate(user)
    return api


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Factories set a password on every user; PBKDF2's real cost is not under test (the
    identity tests that time hashing set their own hasher)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto's server on a loopback port (S3, SQS, SNS, SES, Secrets Manager, Cognito over real
    HTTP), started once per session, that is once per xdist worker."""
    from moto.server import ThreadedMotoServer

    for name, value in AWS_TEST_ENV.items():
        os.environ.setdefault(name, value)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


_buckets = itertools.count(1)


@pytest.fixture
def s3(settings, moto_endpoint):
    """The default storage switched to S3 on moto (path-style addressing), one bucket per test."""
    bucket = f"padmakara-test-{next(_buckets)}"
    client = aws_client("s3", moto_endpoint, config=Config(s3={"addressing_style": "path"}))
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": AWS_REGION})
    settings.STORAGE_BACKEND = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "region_name": AWS_REGION,
                "endpoint_url": moto_endpoint,
                "access_key": "testing",
                "secret_key": "testing",
                "location": "media",
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
                "addressing_style": "path",
                "signature_version": "s3v4",
                "object_parameters": {"ServerSideEncryption": "AES256"},
            },
        },
    }
    client.bucket = bucket
    return client


@pytest.fixture
def make_audio(tmp_path):
    """A real audio file of ``seconds`` of sine tone, encoded by ffmpeg (WAV: 8 kHz mono unless
    ``rate`` says otherwise, so that many bytes need not mean many seconds to transcode)."""
    if not shutil.which("ffmpeg"):
        pytest.fail("ffmpeg is required for the media tests")
    counter = itertools.count(1)

    def make(seconds: float = 3, *, ext: str = "mp3", frequency: int = 440, rate: int = 8000) -> bytes:
        path = tmp_path / f"tone-{next(counter)}.{ext}"
        codec = {
            "mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
            "m4a": ["-c:a", "aac", "-b:a", "64k"],
            "wav": ["-c:a", "pcm_s16le", "-ar", str(rate), "-ac", "1"],
        }[ext]
        subprocess.run(
            [
                "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency={frequency}:duration={seconds}",
                *codec,
                str(path),
            ],
            check=True,
        )
        return path.read_bytes()

    return make


@pytest.fixture
def make_pdf():
    def make(pages=("First page about meditation.", "Second page about compassion."), *, text=True) -> bytes:
        from fpdf import FPDF

        pdf = FPDF()
        pdf.set_font("helvetica", size=12)
        for body in pages:
            pdf.add_page()
            if text:
                pdf.multi_cell(0, 8, body)
            else:
                pdf.rect(20, 20, 100, 60, style="F")  # a "scan": marks, no text layer
        return bytes(pdf.output())

    return make


@pytest.fixture
def stored():
    """Write bytes at a storage key (whatever the default storage is) and return the key."""
    from django.core.files.base import ContentFile

    def store(key: str, data: bytes) -> str:
        return default_storage.save(key, ContentFile(data))

    return store


class LoginClock:
    """accounts.login_limits' clock, moved by hand (the waits of slowed sign-ins, without sleeping).

    :meth:`freeze` stops the wall clock too (``django.utils.timezone.now``, which the access
    rule and the subscription services read) at a given moment; :meth:`advance` then moves both.
    Time-travel tests (a subscription ending) use it; the database's own clock is not moved."""

    def __init__(self, monkeypatch):
        from accounts import login_limits

        self._monkeypatch = monkeypatch
        self.now = 1_000_000.0
        self.wall = None
        monkeypatch.setattr(login_limits, "_now", lambda: self.now)

    def freeze(self, at) -> None:
        from django.utils import timezone

        self.wall = at
        self._monkeypatch.setattr(timezone, "now", lambda: self.wall)

    def advance(self, seconds: float = 0, **delta) -> None:
        import datetime

        step = datetime.timedelta(seconds=seconds, **delta)
        self.now += step.total_seconds()
        if self.wall is not None:
            self.wall += step


@pytest.fixture
def clock(monkeypatch):
    return LoginClock(monkeypatch)
