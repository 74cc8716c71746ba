"""A real Celery worker for tests and benchmarks: ``celery -A padmakara worker`` in a
subprocess, on Redis, reading the same database as the caller."""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import redis
from django.db import connection

from padmakara.celery import app

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@contextmanager
def broker(url: str):
    """Send tasks from this process to ``url`` instead of running them eagerly."""
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url, app.conf.task_always_eager = url, False
    app._after_fork()  # drop connection pools made for the old broker
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        app._after_fork()


@contextmanager
def celery_worker(
    broker_url: str, *, log_path: Path, concurrency: int = 2, env: dict | None = None, timeout: float = 60
):
    """Start a worker, wait until it says it is ready, stop it (TERM, then KILL) at the end."""
    redis.Redis.from_url(broker_url).flushdb()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "padmakara", "worker", "--loglevel", "INFO",
                "--concurrency", str(concurrency), "--without-mingle", "--without-gossip",
                "--hostname", f"test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + timeout
        while b" ready." not in log_path.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        redis.Redis.from_url(broker_url).flushdb()


def wait_for(condition, *, timeout: float = 60, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False
