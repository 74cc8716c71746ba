"""A Celery worker process killed (SIGKILL) in the middle of a transcode: the job is
redelivered (acks_late + reject_on_worker_lost), takes over the row its dead run claimed, and
finishes; nothing is duplicated. Real worker (prefork), real Redis broker and cache, the test's
PostgreSQL database. Prints what was lost or duplicated. Target: nothing."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from media import processing
from media import storage as media_storage
from padmakara.celery import app as celery_app
from retreats.models import Track
from tests import factories
from tests.deploy.conftest import stop

from .conftest import database_url, until

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.fixture
def prefork_worker(postgres, redis_url, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "padmakara.settings",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        # Shared between the pool processes: the claim of the killed child must outlive it.
        "CACHE_URL": redis_url,
        "DATABASE_URL": database_url(5432),
        "VAR_DIR": str(tmp_path),  # MEDIA_ROOT = tmp_path/media, as this test's storage
        "SECRET_KEY": "worker-fault-test-secret",
    }
    log = open(tmp_path / "worker.log", "w+")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "padmakara", "worker", "-P", "prefork", "-c", "1", "-l", "info",
         "--without-heartbeat", "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    previous = {"task_always_eager": celery_app.conf.task_always_eager, "broker_url": celery_app.conf.broker_url}
    celery_app._after_fork()
    celery_app.conf.update(task_always_eager=False, broker_url=redis_url)
    try:
        yield process, log
    finally:
        celery_app.conf.update(previous)
        celery_app._after_fork()
        stop(process)
        log.close()


def test_it_finishes_a_transcode_whose_worker_was_killed_without_duplicates(prefork_worker, make_audio, stored):
    process, log = prefork_worker
    track = factories.make_track(factories.make_session(factories.make_retreat()), title="Killed mid-transcode")
    # Five minutes of audio: seconds of transcoding, time enough to kill it midway (the kill
    # comes as soon as ffmpeg starts).
    track.audio_file = stored(media_storage.track_audio_key(track, "long.mp3"), make_audio(300))
    track.save()

    processing.track_queue_processing(track=track)  # autocommit: on Redis at once

    def transcoding_child():
        for child in _children(process.pid):
            if any("ffmpeg" in _command(grandchild) for grandchild in _children(child)):
                return child
        return None

    assert until(lambda: process.poll() is None and transcoding_child(), timeout=60), "no transcode started"
    child = transcoding_child()
    for grandchild in _children(child):
        os.kill(grandchild, signal.SIGKILL)
    os.kill(child, signal.SIGKILL)
    killed_at = time.monotonic()
    assert Track.objects.get(pk=track.pk).processing_status == "processing"

    finished = until(lambda: Track.objects.get(pk=track.pk).processing_status in ("ready", "failed"), timeout=180)
    track.refresh_from_db()
    log.seek(0)
    output = log.read()
    folder = str(Path(track.audio_file.name).parent)
    files = sorted(default_storage.listdir(folder)[1])
    renditions = {q: r.get("key") for q, r in (track.renditions or {}).items() if isinstance(r, dict) and r.get("key")}
    duplicated = [
        name
        for name in files
        if name.count(".low.") + name.count(".medium.") and f"{folder}/{name}" not in renditions.values()
    ]
    print(
        f"\nkilled pool process {child} mid-transcode; redelivered and finished: {finished} "
        f"({track.processing_status}) {time.monotonic() - killed_at:.1f} s later; files: {files}; "
        f"lost: {0 if track.processing_status == 'ready' else 1}; duplicated renditions: {duplicated}"
    )
    assert finished and track.processing_status == "ready", (track.processing_error, output[-3000:])
    assert "WorkerLostError" in output or "Process" in output, output[-3000:]
    assert set(renditions) >= {"low", "medium"}, track.renditions
    assert not duplicated
