"""`make run` on a fresh checkout: only the runtime requirements, and a quiet start (one line
per request, one reloader line, no kombu warning)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import require

ROOT = Path(settings.BASE_DIR)


def _dry_run(tmp_path, target: str) -> str:
    """The commands ``make <target>`` would run in a checkout without a virtualenv."""
    require(shutil.which("make") is not None, "make")
    for name in ("Makefile", "requirements.txt", "requirements-dev.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    result = subprocess.run(
        ["make", "-n", target, "PYTHON=python3"], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    return result.stdout


def test_make_run_installs_only_the_runtime_requirements(tmp_path):
    commands = _dry_run(tmp_path, "run")

    assert "pip install --quiet -r requirements.txt" in commands
    assert "requirements-dev.txt" not in commands
    assert "manage.py serve --reload" in commands


@pytest.mark.parametrize("target", ["test", "lint"])
def test_make_test_adds_the_test_tools(tmp_path, target):
    commands = _dry_run(tmp_path, target)

    assert "-r requirements.txt" in commands and "-r requirements-dev.txt" in commands


QUIET_START = """
import logging
import django
django.setup()
logging.getLogger("django.utils.autoreload").info("reloader line")
logging.getLogger("django.server").info('"GET / HTTP/1.1" 200 1800')
from padmakara.celery import app
with app.connection_for_write() as connection:
    connection.ensure_connection()
"""


def test_a_development_start_logs_each_line_once_without_a_kombu_warning(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DATABASE_URL", "LOG_"))}
    env.update(DEBUG="1", DJANGO_SETTINGS_MODULE="padmakara.settings", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")

    result = subprocess.run(
        [sys.executable, "-c", QUIET_START], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert output.count("reloader line") == 1
    assert "GET / HTTP/1.1" not in output  # RequestIdMiddleware writes the request's one line
    assert "No hostname was supplied" not in output
