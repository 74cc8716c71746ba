import json
import logging

import pytest

from padmakara import tasks
from padmakara.observability import JsonFormatter, RequestIdFilter, request_id_var


@pytest.mark.django_db
def test_it_returns_a_new_request_id_with_every_response(client):
    first = client.get("/api/v1/content/retreats")["X-Request-ID"]
    second = client.get("/api/v1/content/retreats")["X-Request-ID"]
    assert len(first) == 32
    assert first != second


@pytest.mark.django_db
def test_it_keeps_the_callers_request_id(client):
    response = client.get("/api/v1/content/retreats", headers={"X-Request-ID": "app-7f3a9c21-retry-1"})
    assert response["X-Request-ID"] == "app-7f3a9c21-retry-1"


@pytest.mark.django_db
def test_it_replaces_a_request_id_that_could_forge_log_lines(client):
    response = client.get("/api/v1/content/retreats", headers={"X-Request-ID": 'x" level=ERROR\nforged'})
    assert response["X-Request-ID"] != 'x" level=ERROR\nforged'
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_it_uses_the_load_balancer_trace_id_when_the_caller_sends_none(client):
    trace = "Root=1-67891233-abcdef012345678912345678;Sampled=0"
    response = client.get("/api/v1/content/retreats", headers={"X-Amzn-Trace-Id": trace})
    assert response["X-Request-ID"] == "1-67891233-abcdef012345678912345678"


@pytest.mark.django_db
def test_it_logs_one_line_per_request_with_its_id(client, caplog):
    caplog.handler.addFilter(RequestIdFilter())  # as the console handler has it
    with caplog.at_level(logging.INFO, logger="padmakara.request"):
        response = client.get("/api/v1/content/retreats")
    (record,) = [r for r in caplog.records if r.name == "padmakara.request"]
    assert (record.method, record.path, record.status) == ("GET", "/api/v1/content/retreats", response.status_code)
    assert record.request_id == response["X-Request-ID"]
    assert record.duration_ms >= 0


def test_it_writes_json_log_lines_with_the_request_id_and_extras():
    record = logging.LogRecord("padmakara.test", logging.WARNING, __file__, 1, "bundle %s failed", ("b1",), None)
    record.bundle_id = 42
    token = request_id_var.set("req-0123456789")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "bundle b1 failed"
    assert line["level"] == "WARNING"
    assert line["request_id"] == "req-0123456789"
    assert line["bundle_id"] == 42
    assert line["time"].endswith("+00:00")


def test_it_keeps_the_request_id_in_an_eager_task():
    token = request_id_var.set("req-eager-000001")
    try:
        answer = tasks.ping.delay("eager-token").get()
    finally:
        request_id_var.reset(token)
    assert answer["request_id"] == "req-eager-000001"


def test_it_ignores_a_replayed_ping():
    first = tasks.ping.apply(args=("same-token",)).get()
    second = tasks.ping.apply(args=("same-token",)).get()
    assert first["token"] == second["token"] == "same-token"
