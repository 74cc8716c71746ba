"""A real Celery worker on Redis processes a track queued the way the admin queues it."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from media import processing
from media import storage as media_storage
from padmakara.celery import app as celery_app
from retreats.models import Track, Transcript
from tests import factories
from tests.media import pdfs

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(postgres, transactional_db, redis_url, tmp_path):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "padmakara.settings",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "VAR_DIR": str(tmp_path),  # the worker's MEDIA_ROOT is tmp_path/media, as this test's
        "SECRET_KEY": "worker-test-secret",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "padmakara",
            "worker",
            "-P",
            "solo",
            "-l",
            "info",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    previous = {"task_always_eager": celery_app.conf.task_always_eager, "broker_url": celery_app.conf.broker_url}
    # Drop the connection pools made earlier in this process (an eager run builds one for the
    # empty broker URL) so that messages really go to Redis; Celery does the same after a fork.
    celery_app._after_fork()
    celery_app.conf.update(task_always_eager=False, broker_url=redis_url)
    try:
        yield process
    finally:
        celery_app.conf.update(previous)
        celery_app._after_fork()
        if process.poll() is None:
            _stop(process)


def _stop(process) -> str:
    process.terminate()
    try:
        return process.communicate(timeout=20)[0].decode(errors="replace")
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[0].decode(errors="replace")


def test_it_processes_a_track_on_a_real_worker(worker, make_audio, stored):
    assert settings.MEDIA_ROOT  # the autouse fixture points storage at tmp_path/media
    retreat = factories.make_retreat(slug="worker-gathering")
    track = factories.make_track(factories.make_session(retreat), title="On a worker")
    track.audio_file = stored(media_storage.track_audio_key(track, "a.mp3"), make_audio(2))
    track.save()

    processing.track_queue_processing(track=track)  # autocommit: sent to Redis at once
    track.refresh_from_db()
    assert track.processing_status == "pending"  # not run in this process

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        track.refresh_from_db()
        if track.processing_status in ("ready", "failed"):
            break
        assert worker.poll() is None, "the worker exited"
        time.sleep(0.5)
    if track.processing_status != "ready":
        pytest.fail(
            f"not processed ({track.processing_status}: {track.processing_error}); worker said:\n{_stop(worker)}"
        )
    assert track.duration == pytest.approx(2, abs=0.1)
    assert Track.objects.get(pk=track.pk).renditions["low"]["key"].endswith(".low.m4a")
    output = _stop(worker)
    assert "media.tasks.process_track" in output and "succeeded" in output, output


def test_a_real_worker_stops_at_the_page_limit_of_a_hostile_pdf(worker, stored):
    """1.9 KB whose page tree repeats its kids into 10,000 pages: the worker marks it failed
    with the reason instead of indexing 10,000 pages (MEDIA_PDF_MAX_PAGES, 2000 by default)."""
    track = factories.make_track(factories.make_session(factories.make_retreat(slug="hostile-pdf")))
    transcript = Transcript.objects.create(
        track=track, language="en", pdf_file=stored("hostile.pdf", pdfs.repeated_page_tree(fanout=100))
    )

    processing.transcript_queue_processing(transcript=transcript)

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        transcript.refresh_from_db()
        if transcript.status in ("ready", "no_text", "failed"):
            break
        assert worker.poll() is None, "the worker exited"
        time.sleep(0.5)
    if transcript.status != "failed":
        pytest.fail(f"{transcript.status}: {transcript.processing_error}; worker said:\n{_stop(worker)}")
    assert "more than 2000 pages" in transcript.processing_error
    assert not transcript.pages.exists()
