"""Boolean settings are read strictly: a value that is not a clear yes or no refuses to start."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from padmakara.settings import env_bool

from .conftest import PROJECT_DIR


@pytest.mark.parametrize("value", ["true", "True", "TRUE", "1", "yes", "Yes", "on", "ON", " true "])
def test_it_reads_true(monkeypatch, value):
    monkeypatch.setenv("PADMAKARA_TEST_FLAG", value)
    assert env_bool("PADMAKARA_TEST_FLAG", default=False) is True


@pytest.mark.parametrize("value", ["false", "False", "FALSE", "0", "no", "No", "off", "OFF"])
def test_it_reads_false(monkeypatch, value):
    monkeypatch.setenv("PADMAKARA_TEST_FLAG", value)
    assert env_bool("PADMAKARA_TEST_FLAG", default=True) is False


@pytest.mark.parametrize("default", [True, False])
def test_it_falls_back_to_the_default_when_the_variable_is_unset(monkeypatch, default):
    monkeypatch.delenv("PADMAKARA_TEST_FLAG", raising=False)
    assert env_bool("PADMAKARA_TEST_FLAG", default=default) is default


@pytest.mark.parametrize("value", ["ture", "flase", "", "2", "-1", "y", "n", "ok", "enabled", "None"])
def test_it_refuses_a_value_that_is_not_a_boolean(monkeypatch, value):
    monkeypatch.setenv("PADMAKARA_TEST_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match="PADMAKARA_TEST_FLAG"):
        env_bool("PADMAKARA_TEST_FLAG", default=False)


@pytest.mark.parametrize(
    "name",
    [
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_PRELOAD",
        "CELERY_TASK_ALWAYS_EAGER",
        "SNS_APNS_SANDBOX",
        "USE_SES_V2",
    ],
)
def test_it_refuses_to_start_with_a_mistyped_boolean(tmp_path, name):
    env = {"PATH": os.environ.get("PATH", ""), "VAR_DIR": str(tmp_path / "var"), name: "ture"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=PROJECT_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "padmakara.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name} must be one of true/false" in result.stderr
