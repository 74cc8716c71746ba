"""Media fixtures: moto's S3 server on loopback over real HTTP, real audio made by ffmpeg and
real PDFs made by fpdf2 (no binaries in the repository)."""

import itertools
import os
import shutil
import socket
import subprocess

import boto3
import pytest
from botocore.config import Config
from django.core.files.storage import default_storage

from tests import factories

_buckets = itertools.count(1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(settings, s3_endpoint):
    """The default storage switched to S3 on moto (path-style addressing), one bucket per test."""
    bucket = f"padmakara-test-{next(_buckets)}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(s3={"addressing_style": "path"}),
    )
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    settings.STORAGE_BACKEND = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "region_name": "eu-west-1",
                "endpoint_url": s3_endpoint,
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
    """A real audio file of ``seconds`` of sine tone, encoded by ffmpeg."""
    if not shutil.which("ffmpeg"):
        pytest.fail("ffmpeg is required for the media tests")
    counter = itertools.count(1)

    def make(seconds: float = 3, *, ext: str = "mp3", frequency: int = 440) -> bytes:
        path = tmp_path / f"tone-{next(counter)}.{ext}"
        codec = {
            "mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
            "m4a": ["-c:a", "aac", "-b:a", "64k"],
            "wav": ["-c:a", "pcm_s16le", "-ar", "8000", "-ac", "1"],
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


@pytest.fixture
def public_track(db):
    retreat = factories.make_retreat(slug="spring-2024", visibility="public")
    session = factories.make_session(retreat, name="Day 1 morning")
    return factories.make_track(session, order=1, title="The daily practice", duration=120)
