"""Media benchmark: prints its figures (not a test).

1. Peak RSS growth of the app process (gunicorn, one sync worker) while a large file goes
   through the admin's local-mode chunked upload. Target: < 50 MB.
2. Peak RSS growth of the process building an offline bundle of that file. Target: < 50 MB.
3. Bundle build throughput against a plain ``zipfile`` copy of the same file, written with the
   builder's own 1 MiB chunks (the floor). Target ≥ 0.8.
4. Transcoding speed (probe + medium + low AAC renditions) as × realtime.
5. Signed URL generation per second (app-signed, S3 presigned, CloudFront signed).
6. Watermarking a listener's copy of a 600-page transcript (media/watermarks.py: storage read,
   stamp, storage write): time per page and peak RSS growth (target < 50 MB), against copying
   the unmarked file through the same storage path (the floor), interleaved in one run.
7. The S3 paths on moto's server (a separate process, real HTTP): the bundle build and the
   watermark against their floors (the same bytes through the same storage calls, no work).

``--scale 1|10``: 1 is the real archive's largest transcript (600 pages) and a 1 GB talk; 10
multiplies both (6,000 pages, 10 GB; ``--upload-mb`` and ``--s3-mb`` override the sizes).
``--only watermark,s3`` runs some parts only (upload, bundle, transcode, signing, watermark, s3).

Usage: ``python bench/media.py [--scale 1] [--upload-mb N] [--s3-mb N] [--talk-minutes 30]``.
Everything runs on loopback in a temporary folder (SQLite, local storage, moto's S3 server);
nothing outside is touched.
"""

import argparse
import json
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


CHUNK = 1024 * 1024  # media.storage.CHUNK: what the builder reads and writes at a time


def bench_zipfile(path: str, workdir: str) -> float:
    """The floor: the same file stored in a ZIP, read and written in the builder's chunk size
    (``ZipFile.write`` would copy in 8 KiB pieces)."""
    target = Path(workdir) / "plain.zip"
    started = time.perf_counter()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        info = zipfile.ZipInfo("file.bin", date_time=time.localtime()[:6])
        with open(path, "rb") as source, archive.open(info, "w", force_zip64=True) as out:
            shutil.copyfileobj(source, out, CHUNK)
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


MAKE_PDF = """
import sys
from fpdf import FPDF
pages, path = int(sys.argv[1]), sys.argv[2]
pdf = FPDF()
pdf.set_font("helvetica", size=11)
words = "the mind rests in its own nature, clear and open, neither grasping nor rejecting what arises".split()
for n in range(pages):
    pdf.add_page()
    # About 3,000 characters a page, different on every page (as a transcript's are).
    text = " ".join(words[(n * 7 + i) % len(words)] for i in range(520))
    pdf.multi_cell(0, 5, f"Page {n + 1}. " + text)
pdf.output(path)
"""


def make_transcript_pdf(path: Path, pages: int) -> None:
    """A text PDF of ``pages`` pages, made in a process of its own (its memory is not measured)."""
    subprocess.run([sys.executable, "-c", MAKE_PDF, str(pages), str(path)], check=True)


# Runs in a process of its own (manage.py shell): RSS is that process's, reset before each pass
# (/proc/self/clear_refs 5 resets the peak), the floor and the watermark interleaved.
WATERMARK = """
import os, re, shutil, time, json
from pathlib import Path
from django.utils import timezone
from media import storage as media_storage, watermarks
from media.models import WatermarkedCopy
from tests import factories

def rss(field):
    return int(re.search(rf"^{field}:\\s+(\\d+) kB", Path("/proc/self/status").read_text(), re.M).group(1))

def reset_peak():
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False

with open(os.environ["BENCH_PDF"], "rb") as fh:
    key = media_storage.put_file("retreats/bench/transcript-%d.pdf" % time.time_ns(), fh)
retreat = factories.make_retreat(slug="bench-wm-%d" % time.time_ns())
track = factories.make_track(factories.make_session(retreat))
transcript = factories.make_transcript(track, pdf_file=key, checksum="bench", pages=())

def floor():
    with (media_storage.local_copy(key, suffix=".pdf") as (path, _sha, _size), open(path, "rb") as source,
          media_storage.writer("watermarks/floor.pdf") as out):
        shutil.copyfileobj(source, out, media_storage.CHUNK)

rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
# A new listener each run (no stored copy to reuse), made beforehand: password hashing is not timed.
users = [factories.make_user(name="João Conceição", email="joao-%d-%d@example.org" % (n, time.time_ns()))
         for n in range(rounds + 1)]

def watermark():
    copy = watermarks.for_transcript(transcript, users.pop())
    assert copy.page_count == int(os.environ["BENCH_PAGES"]), copy.page_count

floor(); watermark()  # warm: imports, first queries, clients
results = {"floor": [], "watermark": [], "floor_rss": [], "watermark_rss": [], "peak_reset": reset_peak()}
for _ in range(rounds):
    for name, run in (("floor", floor), ("watermark", watermark)):
        reset_peak()
        base = rss("VmRSS")
        started = time.perf_counter()
        run()
        results[name].append(time.perf_counter() - started)
        results[name + "_rss"].append((rss("VmHWM") - base) / 1024)
print("RESULT " + json.dumps(results))
"""


def _ensure_db(env: dict) -> None:
    marker = Path(env["VAR_DIR"]) / ".migrated"
    if not marker.exists():
        _manage(env, "migrate", "--noinput")
        marker.touch()


def bench_watermark(workdir: str, pdf: Path, pages: int, extra_env: dict | None = None) -> dict:
    env = {**_env(workdir), "CELERY_TASK_ALWAYS_EAGER": "false", "CELERY_BROKER_URL": "memory://",
           "BENCH_PDF": str(pdf), "BENCH_PAGES": str(pages), **(extra_env or {})}  # fmt: skip
    _ensure_db(env)
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", WATERMARK], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    return json.loads(next(x for x in out.splitlines() if x.startswith("RESULT"))[7:])


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def print_watermark(label: str, pages: int, size_mb: float, r: dict) -> None:
    wm, fl = _median(r["watermark"]), _median(r["floor"])
    print(f"watermark {label} {pages} pages ({size_mb:.1f} MB): {wm:.2f} s = {wm / pages * 1000:.2f} ms/page, "
          f"RSS grew {max(r['watermark_rss']):.1f} MB (target < 50); copying the unmarked file (floor) {fl:.3f} s, "
          f"RSS grew {max(r['floor_rss']):.1f} MB; watermark/floor time = {wm / fl:.1f}x "
          f"(median of {len(r['watermark'])} interleaved runs{'' if r['peak_reset'] else '; peak RSS not resettable'})")  # fmt: skip


# The bundle build on S3 and its floor: the same object streamed from storage in the same chunks
# into a stored ZIP written through the same storage writer, with nothing else.
S3_BUNDLE = """
import hashlib, json, os, re, shutil, time, zipfile
from pathlib import Path
from django.utils import timezone
from media import bundles, storage as media_storage
from retreats.access import AccessProfile
from retreats.models import Track
from tests import factories

def rss(field):
    return int(re.search(rf"^{field}:\\s+(\\d+) kB", Path("/proc/self/status").read_text(), re.M).group(1))

def reset_peak():
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass

digest = hashlib.sha256()
with open(os.environ["BENCH_FILE"], "rb") as fh:
    while chunk := fh.read(1 << 20):
        digest.update(chunk)
    fh.seek(0)
    key = media_storage.put_file("retreats/bench/s3-%d.mp3" % time.time_ns(), fh)
retreat = factories.make_retreat(slug="bench-s3-%d" % time.time_ns())
track = factories.make_track(factories.make_session(retreat))
Track.objects.filter(pk=track.pk).update(audio_file=key, processing_status="ready", checksum=digest.hexdigest())
staff = factories.make_staff(email="bench-s3-%d@example.org" % time.time_ns())

def builder():
    bundle = bundles.bundle_request(profile=AccessProfile.for_user(staff), user=staff, track_ids=[track.uuid],
                                     include_transcripts=False, quality="high")
    bundles.bundle_build(bundle_id=bundle.pk)
    bundle.refresh_from_db()
    assert bundle.status == "ready", bundle.status
    media_storage.default_storage.delete(bundle.file)
    bundle.delete()

def floor():
    with media_storage.writer("bundles/floor.zip") as tmp:
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as archive:
            info = zipfile.ZipInfo("file.mp3", date_time=time.localtime()[:6])
            with archive.open(info, "w", force_zip64=True) as out:
                for chunk in media_storage.iter_chunks(key):
                    out.write(chunk)

results = {"floor": [], "builder": [], "floor_rss": [], "builder_rss": []}
for _ in range(int(os.environ.get("BENCH_ROUNDS", "2"))):
    for name, run in (("floor", floor), ("builder", builder)):
        reset_peak()
        base = rss("VmRSS")
        started = time.perf_counter()
        run()
        results[name].append(time.perf_counter() - started)
        results[name + "_rss"].append((rss("VmHWM") - base) / 1024)
print("RESULT " + json.dumps(results))
"""


class MotoServer:
    """moto's S3 server in a process of its own, with one bucket."""

    def __init__(self):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def __enter__(self) -> "MotoServer":
        import boto3
        import requests

        self.process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        for _ in range(300):
            try:
                requests.get(self.url, timeout=5)
                break
            except requests.RequestException:  # not listening yet, or slow on a busy machine
                time.sleep(0.2)
        boto3.client("s3", endpoint_url=self.url, region_name="eu-west-1", aws_access_key_id="testing",
                     aws_secret_access_key="testing").create_bucket(
            Bucket="bench", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})  # fmt: skip
        return self

    def env(self) -> dict:
        return {"STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": "bench", "AWS_S3_ENDPOINT_URL": self.url,
                "AWS_S3_ADDRESSING_STYLE": "path", "AWS_S3_PREFIX": "media", "AWS_REGION": "eu-west-1",
                "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}  # fmt: skip

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def bench_s3_bundle(workdir: str, big: Path, moto: MotoServer) -> dict:
    env = {**_env(workdir), "CELERY_TASK_ALWAYS_EAGER": "false", "CELERY_BROKER_URL": "memory://",
           "BENCH_FILE": str(big), **moto.env()}  # fmt: skip
    _ensure_db(env)
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", S3_BUNDLE], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    return json.loads(next(x for x in out.splitlines() if x.startswith("RESULT"))[7:])


PARTS = ("upload", "bundle", "transcode", "signing", "watermark", "s3")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, choices=(1, 10), default=1)
    parser.add_argument("--upload-mb", type=int, default=None, help="default 1024 × scale")
    parser.add_argument("--s3-mb", type=int, default=None, help="the S3 bundle's file; default 256 × scale")
    parser.add_argument("--pages", type=int, default=None, help="the watermarked PDF's pages; default 600 × scale")
    parser.add_argument("--talk-minutes", type=int, default=30)
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)}")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    if parts - set(PARTS):
        parser.error(f"unknown parts: {', '.join(sorted(parts - set(PARTS)))}")
    upload_mb = args.upload_mb or 1024 * args.scale
    s3_mb = args.s3_mb or 256 * args.scale
    pages = args.pages or 600 * args.scale
    print(f"scale {args.scale}: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    workdir = tempfile.mkdtemp(prefix="padmakara-bench-")
    try:
        if parts & {"upload", "bundle"}:
            big = Path(workdir) / "big.bin"
            make_big_file(big, upload_mb)
            growth, upload_rate, _session = bench_upload(workdir, big)
            Path(workdir, ".migrated").touch()
            big.unlink()
            print(f"upload    {upload_mb} MB through local chunked upload: app worker RSS grew {growth:.1f} MB "
                  f"(target < 50), {upload_rate:.0f} MB/s")  # fmt: skip
            bundle_growth, bundle_elapsed, bundle_size, path = bench_bundle(workdir)
            zip_elapsed = bench_zipfile(path, workdir)
            size_mb = bundle_size / 1024**2
            bundle_rate, zip_rate = size_mb / bundle_elapsed, size_mb / zip_elapsed
            print(f"bundle    {size_mb:.0f} MB: builder RSS grew {bundle_growth:.1f} MB (target < 50); "
                  f"{bundle_rate:.0f} MB/s vs plain zipfile in 1 MiB chunks {zip_rate:.0f} MB/s = ratio "
                  f"{bundle_rate / zip_rate:.2f} (target >= 0.8)")  # fmt: skip
        if "transcode" in parts:
            speed, elapsed = bench_transcode(workdir, args.talk_minutes)
            print(f"transcode {args.talk_minutes} min talk, probe + medium + low AAC: {elapsed:.1f} s = "
                  f"{speed:.0f}x realtime")  # fmt: skip
        if "signing" in parts:
            for name, rate in bench_signing().items():
                print(f"signing   {name}: {rate:,.0f} URLs/s")
        pdf = Path(workdir) / "transcript.pdf"
        if parts & {"watermark", "s3"}:
            make_transcript_pdf(pdf, pages)
        pdf_mb = pdf.stat().st_size / 1024**2 if pdf.exists() else 0
        if "watermark" in parts:
            print_watermark("local", pages, pdf_mb, bench_watermark(workdir, pdf, pages))
        if "s3" in parts:
            with MotoServer() as moto:
                print_watermark("S3 (moto)", pages, pdf_mb, bench_watermark(workdir, pdf, pages, moto.env()))
                big = Path(workdir) / "s3.bin"
                make_big_file(big, s3_mb)
                r = bench_s3_bundle(workdir, big, moto)
                big.unlink()
                b, f = _median(r["builder"]), _median(r["floor"])
                print(f"bundle    S3 (moto) {s3_mb} MB: builder {s3_mb / b:.0f} MB/s, RSS grew "
                      f"{max(r['builder_rss']):.1f} MB; floor (same chunks, same storage calls) {s3_mb / f:.0f} MB/s, "
                      f"RSS grew {max(r['floor_rss']):.1f} MB; ratio {f / b:.2f} (target >= 0.8)")  # fmt: skip
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
