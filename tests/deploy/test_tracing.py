"""OpenTelemetry: off unless TRACING says so; when on, spans reach the OTLP endpoint (a stand-in
collector here) and the JSON log lines carry the trace id beside the request id."""

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support import AWS_TEST_ENV, aws_client, redis_url

from .conftest import PROJECT_DIR

# What the ALB adds to a sampled request: its trace continues in the app.
ALB_TRACE_ROOT = "1-67a1b2c3-0123456789abcdef01234567"
ALB_HEADER = f"Root={ALB_TRACE_ROOT};Parent=53995c3f42cd8ad8;Sampled=1"

SCRIPT = f"""
import django
django.setup()
from django.conf import settings
from django.test import Client
print("MIDDLEWARE", settings.MIDDLEWARE[0], flush=True)
client = Client()
client.get("/health/ready")
client.get("/api/v1/no-such-thing", HTTP_X_REQUEST_ID="req-tracing-0001", HTTP_X_AMZN_TRACE_ID="{ALB_HEADER}")
if settings.TRACING:
    from opentelemetry import trace
    assert trace.get_tracer_provider().force_flush(10_000)
"""


class Collector(BaseHTTPRequestHandler):
    """Receives OTLP/HTTP trace exports, as the ADOT collector on an instance would."""

    received: list[bytes]

    def do_POST(self):
        self.received.append((self.path, self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def collector():
    handler = type("Handler", (Collector,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler.received
    server.shutdown()
    server.server_close()


def _run(env_extra: dict, scratch_database, moto_endpoint, tmp_path):
    bucket = f"padmakara-tracing-{os.getpid()}-{len(env_extra)}"
    s3 = aws_client("s3", moto_endpoint)
    if bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("DJANGO", "PADMAKARA", "OTEL"))},
        **AWS_TEST_ENV,
        "PYTHONPATH": "",
        "DJANGO_SETTINGS_MODULE": "padmakara.settings",
        "DEBUG": "1",
        "LOG_FORMAT": "json",
        "VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": scratch_database,
        "CACHE_URL": redis_url(),
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": moto_endpoint,
        "AWS_S3_ADDRESSING_STYLE": "path",
        "HEALTH_READY_CACHE_SECONDS": "0",
        **env_extra,
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    return result.stdout, lines


def _request_line(lines):
    return next(line for line in lines if line.get("request_id") == "req-tracing-0001" and "status" in line)


def test_it_traces_nothing_unless_told(scratch_database, moto_endpoint, tmp_path, collector):
    endpoint, received = collector
    stdout, lines = _run({"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint}, scratch_database, moto_endpoint, tmp_path)
    assert "MIDDLEWARE padmakara.health.HealthCheckMiddleware" in stdout
    assert "trace_id" not in _request_line(lines)
    assert received == []


def test_it_sends_spans_and_joins_trace_ids_to_request_ids(scratch_database, moto_endpoint, tmp_path, collector):
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    endpoint, received = collector
    env = {"TRACING": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_SERVICE_NAME": "padmakara-web"}
    stdout, lines = _run(env, scratch_database, moto_endpoint, tmp_path)

    assert "MIDDLEWARE opentelemetry.instrumentation.django" in stdout
    logged = _request_line(lines)
    # The ALB's trace goes on in the app, and the log line names it as X-Ray does.
    assert logged["trace_id"] == ALB_TRACE_ROOT
    assert len(logged["span_id"]) == 16

    spans = {}
    for path, body in received:
        assert path == "/v1/traces"
        export = ExportTraceServiceRequest.FromString(body)
        for resource_spans in export.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            assert attributes["service.name"] == "padmakara-web"
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    spans.setdefault(scope_spans.scope.name, []).append(span)
    # A request, its query, its cache round trip and its storage call, each instrumented.
    assert {
        "opentelemetry.instrumentation.django",
        "opentelemetry.instrumentation.psycopg",
        "opentelemetry.instrumentation.redis",
        "opentelemetry.instrumentation.botocore",
    } <= set(spans)
    request_span = next(
        span
        for span in spans["opentelemetry.instrumentation.django"]
        if any(a.key == "padmakara.request_id" and a.value.string_value == "req-tracing-0001" for a in span.attributes)
    )
    assert request_span.trace_id.hex() == ALB_TRACE_ROOT[2:].replace("-", "")
    assert request_span.span_id.hex() == logged["span_id"]
