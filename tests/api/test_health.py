import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from padmakara import health


@pytest.fixture(autouse=True)
def _fresh_answer():
    health.forget_readiness()
    yield
    health.forget_readiness()


def test_it_says_the_process_is_alive_without_touching_the_database(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_it_answers_health_checks_sent_with_an_instance_ip_as_host(client, settings):
    settings.ALLOWED_HOSTS = ["api.padmakara.org"]

    response = client.get("/health/ready", HTTP_HOST="10.0.3.17")

    assert response.status_code in (200, 503)
    assert client.get("/api/v1/content/retreats", HTTP_HOST="10.0.3.17").status_code == 400


@pytest.mark.django_db
def test_it_reports_each_dependency_when_ready(client):
    response = client.get("/health/ready/")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok", "storage": "ok"}


@pytest.mark.django_db
def test_it_answers_503_when_the_database_is_down(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)

    response = client.get("/health/ready")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error"


@pytest.mark.django_db
def test_it_checks_a_real_redis_cache_and_broker(client, settings, redis_url):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from padmakara.celery import app

    app.conf.broker_url = redis_url
    try:
        response = client.get("/health/ready")
    finally:
        app.conf.broker_url = settings.CELERY_BROKER_URL or None
    assert response.status_code == 200, response.json()


@pytest.mark.django_db
def test_it_runs_the_checks_once_per_window_however_many_calls_arrive(client, settings):
    settings.HEALTH_READY_CACHE_SECONDS = 60

    with CaptureQueriesContext(connection) as queries:
        answers = [client.get("/health/ready") for _ in range(20)]

    assert {response.status_code for response in answers} == {200}
    assert [q["sql"] for q in queries.captured_queries].count("SELECT 1") == 1


@pytest.mark.django_db
def test_it_sees_a_failing_check_once_the_window_is_over(client, settings, monkeypatch):
    settings.HEALTH_READY_CACHE_SECONDS = 0.5
    assert client.get("/health/ready").status_code == 200

    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    assert client.get("/health/ready").status_code == 200  # still the remembered answer
    time.sleep(0.6)

    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error"
