"""The Procfile lines themselves, started from the unpacked bundles as Elastic Beanstalk would."""

import json
import uuid

import pytest

from tests.support import aws_client, free_port

from .conftest import http_get, run_manage, start_procfile_process, stop, wait_for


def test_it_serves_health_ready_from_the_procfile_gunicorn(web_server):
    status, _headers, body = http_get(f"{web_server}/health/ready")
    assert status == 200, body
    assert json.loads(body) == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok", "storage": "ok"},
    }


def test_it_answers_the_load_balancer_health_check_sent_to_the_instance_ip(web_server):
    # The ALB sends the instance's private IP as Host and plain http: no 400, no redirect.
    status, _headers, _body = http_get(f"{web_server}/health/ready", headers={"Host": "10.0.3.17"})
    assert status == 200


def test_it_redirects_plain_http_to_https_behind_the_load_balancer(web_server):
    status, headers, _body = http_get(
        f"{web_server}/api/v1/content/retreats",
        headers={"Host": "api.padmakara.example", "X-Forwarded-Proto": "http"},
    )
    assert status == 301
    assert headers["Location"] == "https://api.padmakara.example/api/v1/content/retreats"


def test_it_serves_https_requests_with_hsts_and_a_request_id(web_server):
    status, headers, _body = http_get(
        f"{web_server}/api/v1/user/profile",  # needs a token: answers 401 without one
        headers={"Host": "api.padmakara.example", "X-Forwarded-Proto": "https", "X-Request-ID": "smoke-test-0001"},
    )
    assert status == 401
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Request-ID"] == "smoke-test-0001"


@pytest.fixture
def worker(bundles, production_env, redis_url):
    """The worker environment's `worker` process on Redis, with the cache on Redis too."""
    env = {**production_env, "CELERY_BROKER_URL": redis_url, "CACHE_URL": redis_url, "CELERY_WORKER_CONCURRENCY": "1"}
    process = start_procfile_process(bundles["worker"]["dir"], "worker", env)
    try:
        yield env, process
    finally:
        stop(process)


def test_it_runs_a_task_on_the_procfile_worker(bundles, worker):
    env, process = worker
    result = run_manage(["worker_ping", "--timeout", "60"], env=env, cwd=bundles["worker"]["dir"], timeout=90)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["mode"] == "worker"
    assert answer["request_id"]

    output = stop(process)
    # The worker's log line for the task is JSON and carries the request id the command sent.
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    ping_lines = [line for line in lines if line.get("message") == "ping answered"]
    assert ping_lines, output
    assert ping_lines[0]["request_id"] == answer["request_id"]
    assert ping_lines[0]["task_name"] == "padmakara.ping"


def test_it_starts_beat_from_the_worker_procfile(bundles, production_env, redis_url, tmp_path):
    schedule = tmp_path / "celerybeat-schedule"
    env = {**production_env, "CELERY_BROKER_URL": redis_url, "CELERY_BEAT_SCHEDULE_FILENAME": str(schedule)}
    process = start_procfile_process(bundles["worker"]["dir"], "beat", env)
    try:
        wait_for(lambda: list(tmp_path.glob("celerybeat-schedule*")), timeout=60, what="beat", process=process)
    finally:
        output = stop(process)
    assert "Traceback" not in output, output


def test_it_runs_a_task_through_sqs_with_the_production_broker_settings(
    bundles, production_env, redis_url, moto_endpoint
):
    # moto's SQS over real HTTP: the predefined queue, no queue listing or creation, no
    # broadcast (remote control off), long polling through kombu's pycurl client.
    queue_url = aws_client("sqs", moto_endpoint).create_queue(
        QueueName=f"padmakara-test-{uuid.uuid4().hex[:8]}", Attributes={"VisibilityTimeout": "7200"}
    )["QueueUrl"]
    host_port = moto_endpoint.removeprefix("http://")
    env = {
        **production_env,
        "CELERY_BROKER_URL": f"sqs://testing:testing@{host_port}",
        "CELERY_SQS_QUEUE_URL": queue_url,
        "CELERY_SQS_IS_SECURE": "false",
        "CACHE_URL": redis_url,
        "CELERY_WORKER_CONCURRENCY": "1",
    }
    process = start_procfile_process(bundles["worker"]["dir"], "worker", env)
    try:
        result = run_manage(["worker_ping", "--timeout", "60"], env=env, cwd=bundles["worker"]["dir"], timeout=90)
    finally:
        output = stop(process)
    assert result.returncode == 0, result.stderr + output
    assert json.loads(result.stdout.strip().splitlines()[-1])["mode"] == "worker"
    assert "Connected to sqs://" in output


def test_it_writes_every_web_process_line_as_json(bundles, production_env):
    port = free_port()
    process = start_procfile_process(
        bundles["web"]["dir"], "web", {**production_env, "PORT": str(port), "WEB_CONCURRENCY": "1"}
    )
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/health"), timeout=60, what="gunicorn", process=process)
        http_get(
            f"http://127.0.0.1:{port}/api/v1/user/profile",  # needs a token: answers 401 without one
            headers={"Host": "api.padmakara.example", "X-Forwarded-Proto": "https", "X-Request-ID": "json-line-0001"},
        )
    finally:
        output = stop(process)
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines)
    (request_line,) = [line for line in lines if line["logger"] == "padmakara.request"]
    assert request_line["request_id"] == "json-line-0001"
    assert request_line["status"] == 401


def _answers(url: str) -> bool:
    try:
        return http_get(url)[0] == 200
    except OSError:
        return False
