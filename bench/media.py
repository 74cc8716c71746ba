"""Media benchmark: prints its figures (not a test).

1. Peak RSS growth of the app process (gunicorn, one sync worker) while a large file goes
   through the admin's local-mode chunked upload. Target: < 50 MB.
2. Peak RSS growth of the process building an offline bundle of that file. Target: < 50 MB.
3. Bundle build throughput against a plain ``zipfile`` copy of the same file. Target ≥ 0.8.
4. Transcoding speed (probe + medium + low AAC renditions) as × realtime.
5. Signed URL generation per second (app-signed, S3 presigned, CloudFront signed).

Usage: ``python bench/media.py [--upload-mb 1024] [--talk-minutes 30]``. Everything runs on
loopback in a temporary folder (SQLite, local storage); nothing outside is touched.
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_kb(pid: int, field: str) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1))


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _env(workdir: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="padmakara.settings", PADMAKARA_ENV="local", VAR_DIR=workdir, DEBUG="0",
        SECRET_KEY="bench-secret-key", STORAGE_BACKEND="local", LOG_LEVEL="WARNING",
        MEDIA_UPLOAD_MAX_BYTES=str(8 * 1024**3),
    )  # fmt: skip
    return env


def _manage(env, *args, stdin=None):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, input=stdin, text=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def make_big_file(path: Path, size_mb: int) -> None:
    """A big file without holding it in memory (random-looking, so nothing compresses it)."""
    block = os.urandom(1024 * 1024)
    with open(path, "wb") as fh:
        for i in range(size_mb):
            fh.write(block[i % 997 :] + block[: i % 997])


SETUP = """
from tests import factories
staff = factories.make_staff(email="bench@example.org", password="bench-pass-phrase-1")
session = factories.make_session(factories.make_retreat(slug="bench"), name="Day 1")
print(session.pk)
"""


def bench_upload(workdir: str, big: Path) -> tuple[float, float, int]:
    import requests

    env = _env(workdir)
    _manage(env, "migrate", "--noinput")
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", SETUP], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    session_id = int(out.strip().splitlines()[-1])
    port = _free_port()
    # No broker and eager off: saving queues processing without running it in the web process.
    server_env = {**env, "CELERY_TASK_ALWAYS_EAGER": "false", "CELERY_BROKER_URL": "memory://"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "padmakara.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}", "--timeout", "900"],
        cwd=ROOT, env=server_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        http = requests.Session()
        for _ in range(100):
            try:
                http.get(f"{base}/health", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        http.get(f"{base}/admin/login/")
        csrf = http.cookies["csrftoken"]
        http.post(f"{base}/admin/login/", data={"username": "bench@example.org", "password": "bench-pass-phrase-1",
                  "csrfmiddlewaretoken": csrf, "next": "/admin/"}, headers={"Referer": f"{base}/admin/login/"})  # fmt: skip
        headers = {"X-CSRFToken": http.cookies["csrftoken"], "Referer": f"{base}/admin/"}
        worker = _children(server.pid)[0]
        # Warm the worker (imports, first queries) before taking the baseline.
        http.get(f"{base}/admin/media/upload/session/{session_id}/upload/")
        baseline = _rss_kb(worker, "VmRSS")
        size = big.stat().st_size
        plan = http.post(f"{base}/admin/media/upload/session/{session_id}/upload/start/",
                         json={"filename": "001 JKR - Bench.mp3", "size": size}, headers=headers).json()  # fmt: skip
        chunk = plan["chunkSize"]
        started = time.perf_counter()
        with open(big, "rb") as fh:
            offset = 0
            while data := fh.read(chunk):
                r = http.post(f"{base}/admin/media/upload/upload/{plan['uploadId']}/chunk/?offset={offset}", data=data,
                              headers={**headers, "Content-Type": "application/octet-stream"})  # fmt: skip
                r.raise_for_status()
                offset += len(data)
        r = http.post(f"{base}/admin/media/upload/upload/{plan['uploadId']}/complete/", json={}, headers=headers)
        r.raise_for_status()
        rows = http.post(f"{base}/admin/media/upload/session/{session_id}/upload/review/",
                         json={"uploadIds": [plan["uploadId"]]}, headers=headers).json()["rows"]  # fmt: skip
        http.post(f"{base}/admin/media/upload/session/{session_id}/upload/save/", json={"items": rows},
                  headers=headers).raise_for_status()  # fmt: skip
        elapsed = time.perf_counter() - started
        peak = _rss_kb(worker, "VmHWM")
        return (peak - baseline) / 1024, size / 1024**2 / elapsed, session_id
    finally:
        server.terminate()
        server.wait(timeout=30)


BUNDLE = """
import resource, time, os, re
from pathlib import Path
from django.db import transaction
from retreats.models import Track
from retreats.access import AccessProfile
from accounts.models import User
from media import bundles
from media.models import DownloadBundle
def rss(field):
    return int(re.search(rf"^{field}:\\s+(\\d+) kB", Path("/proc/self/status").read_text(), re.M).group(1))
track = Track.objects.get()
# As processing leaves it: ready, with the sha256 the manifest reuses.
import hashlib
digest = hashlib.sha256()
with open(track.audio_file.path, "rb") as fh:
    while chunk := fh.read(1 << 20):
        digest.update(chunk)
Track.objects.filter(pk=track.pk).update(processing_status="ready", checksum=digest.hexdigest())
track.refresh_from_db()
staff = User.objects.get(email="bench@example.org")
bundle = bundles.bundle_request(profile=AccessProfile.for_user(staff), user=staff, track_ids=[track.uuid],
                                 include_transcripts=False, quality="high")
baseline = rss("VmRSS")
started = time.perf_counter()
bundles.bundle_build(bundle_id=bundle.pk)
elapsed = time.perf_counter() - started
bundle.refresh_from_db()
print("RESULT", (rss("VmHWM") - baseline) / 1024, elapsed, bundle.size, bundle.status, track.audio_file.path)
"""


def bench_bundle(workdir: str) -> tuple[float, float, int, str]:
    env = {**_env(workdir), "CELERY_TASK_ALWAYS_EAGER": "false", "CELERY_BROKER_URL": "memory://"}
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", BUNDLE], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    _, growth, elapsed, size, status, path = line.split(" ", 5)
    assert status == "ready", status
    return float(growth), float(elapsed), int(size), path


def bench_zipfile(path: str, workdir: str) -> float:
    target = Path(workdir) / "plain.zip"
    started = time.perf_counter()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.write(path, "file.bin")
    elapsed = time.perf_counter() - started
    target.unlink()
    return elapsed


def bench_transcode(workdir: str, minutes: int) -> tuple[float, float]:
    source = Path(workdir) / "talk.mp3"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency=220:duration={minutes * 60}", "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k",
                    str(source)], check=True)  # fmt: skip
    os.environ.update(_env(workdir))
    import django

    django.setup()
    from django.conf import settings

    from media import audio

    started = time.perf_counter()
    info = audio.probe(str(source))
    for quality, kbps in settings.MEDIA_RENDITIONS.items():
        audio.transcode_aac(str(source), str(Path(workdir) / f"{quality}.m4a"), kbps=kbps, mono=quality == "low",
                            timeout=3600)  # fmt: skip
    elapsed = time.perf_counter() - started
    return info.duration / elapsed, elapsed


def bench_signing() -> dict[str, float]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from django.test import override_settings

    from media import signing

    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    s3 = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": "bench", "region_name": "eu-west-1", "access_key": "bench", "secret_key": "bench",
        "signature_version": "s3v4", "location": "media"}}  # fmt: skip
    from django.conf import settings

    modes = {
        "app-signed (local)": {},
        "S3 presigned": {"STORAGES": {**settings.STORAGES, "default": s3}},
        "CloudFront signed": {
            "STORAGES": {**settings.STORAGES, "default": s3},
            "CLOUDFRONT_DOMAIN": "cdn.example.org",
            "CLOUDFRONT_KEY_ID": "KBENCH",
            "CLOUDFRONT_PRIVATE_KEY": pem,
        },  # fmt: skip
    }
    results = {}
    for name, overrides in modes.items():
        with override_settings(**overrides):
            signing.sign("retreats/g/01-s/001-en-t.mp3", expires_in=3600)  # warm (client, key parsing)
            count, started = 0, time.perf_counter()
            while time.perf_counter() - started < 2:
                signing.sign(f"retreats/g/01-s/{count:03d}-en-t.mp3", expires_in=3600)
                count += 1
            results[name] = count / (time.perf_counter() - started)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upload-mb", type=int, default=1024)
    parser.add_argument("--talk-minutes", type=int, default=30)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="padmakara-bench-")
    try:
        big = Path(workdir) / "big.bin"
        make_big_file(big, args.upload_mb)
        growth, upload_rate, _session = bench_upload(workdir, big)
        big.unlink()
        print(f"upload    {args.upload_mb} MB through local chunked upload: app worker RSS grew {growth:.1f} MB "
              f"(target < 50), {upload_rate:.0f} MB/s")  # fmt: skip
        bundle_growth, bundle_elapsed, bundle_size, path = bench_bundle(workdir)
        zip_elapsed = bench_zipfile(path, workdir)
        size_mb = bundle_size / 1024**2
        bundle_rate, zip_rate = size_mb / bundle_elapsed, size_mb / zip_elapsed
        print(f"bundle    {size_mb:.0f} MB: builder RSS grew {bundle_growth:.1f} MB (target < 50); "
              f"{bundle_rate:.0f} MB/s vs plain zipfile {zip_rate:.0f} MB/s = ratio {bundle_rate / zip_rate:.2f} "
              f"(target >= 0.8)")  # fmt: skip
        speed, elapsed = bench_transcode(workdir, args.talk_minutes)
        print(
            f"transcode {args.talk_minutes} min talk, probe + medium + low AAC: {elapsed:.1f} s = {speed:.0f}x realtime"
        )
        for name, rate in bench_signing().items():
            print(f"signing   {name}: {rate:,.0f} URLs/s")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
