"""MEDIA_BUNDLE_QUEUE: bundle builds go to a queue of their own on the real broker (Redis
here), so that a worker consuming only the default queue keeps processing uploads."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]

SEND = (
    "import django; django.setup(); "
    "from padmakara.celery import app; app.loader.import_default_modules(); "
    "from media import jobs; "
    "assert jobs.BUNDLE.send(101) and jobs.TRACK.send(202) and jobs.TRANSCRIPT.send(303)"
)


def _send_jobs(redis_url: str, tmp_path, **env) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SEND],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "padmakara.settings",
            "CELERY_BROKER_URL": redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "VAR_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def _queued(redis_url: str) -> dict[str, int]:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        return {name: client.llen(name) for name in ("padmakara", "padmakara-bundles")}
    finally:
        client.close()


def test_bundle_builds_go_to_their_own_queue_when_named(redis_url, tmp_path):
    _send_jobs(redis_url, tmp_path, MEDIA_BUNDLE_QUEUE="padmakara-bundles")

    assert _queued(redis_url) == {"padmakara": 2, "padmakara-bundles": 1}


def test_bundle_builds_share_the_default_queue_unless_one_is_named(redis_url, tmp_path):
    _send_jobs(redis_url, tmp_path)

    assert _queued(redis_url) == {"padmakara": 3, "padmakara-bundles": 0}
