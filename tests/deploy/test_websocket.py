"""The web bundle's `ws` process (uvicorn) behind the bundle's nginx: the WebSocket upgrade
passes through, and the server answers the health checks the deploy hook sends it."""

import json
import socket
import subprocess
import uuid

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.conftest import _reachable
from tests.support import aws_client, free_port

from .conftest import http_get, make_production_env, start_procfile_process, stop, wait_for
from .test_nginx import _nginx_binary, _prefix

HOST = "api.padmakara.example"


@pytest.fixture(scope="module")
def ws_server(bundles, moto_endpoint, tmp_path_factory):
    """The Procfile's `ws` line, as Elastic Beanstalk starts it, on a free port, with S3 on
    moto's server (its readiness checks storage too)."""
    port = free_port()
    env = {
        **make_production_env(tmp_path_factory.mktemp("ws")),
        "AWS_STORAGE_BUCKET_NAME": f"padmakara-media-{uuid.uuid4().hex[:12]}",
        "AWS_S3_ENDPOINT_URL": moto_endpoint,
        "AWS_S3_ADDRESSING_STYLE": "path",
        "REALTIME_BIND": f"127.0.0.1:{port}",
        "REALTIME_AUTH_TIMEOUT_SECONDS": "1",
    }
    aws_client("s3", moto_endpoint).create_bucket(
        Bucket=env["AWS_STORAGE_BUCKET_NAME"], CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    process = start_procfile_process(bundles["web"]["dir"], "ws", env)
    try:
        wait_for(lambda: _reachable("127.0.0.1", port), timeout=60, what="uvicorn", process=process)
        yield port
    finally:
        output = stop(process)
        assert "Traceback" not in output, output


@pytest.fixture(scope="module")
def ws_nginx(bundles, ws_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("nginx-ws")
    port = free_port()
    conf = _prefix(bundles["web"]["dir"], folder, listen_port=port, upstream_port=free_port())
    text = conf.read_text()
    assert "proxy_pass          http://127.0.0.1:8001;" in text, "the /ws/ proxy line changed; update this test"
    conf.write_text(text.replace("http://127.0.0.1:8001;", f"http://127.0.0.1:{ws_server};"))
    process = subprocess.Popen(
        [_nginx_binary(), "-p", str(folder), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(lambda: _reachable("127.0.0.1", port), timeout=20, what="nginx", process=process)
        yield port
    finally:
        stop(process)


def test_it_answers_the_deploy_hooks_health_check_from_the_ws_process(ws_server):
    status, _headers, body = http_get(f"http://127.0.0.1:{ws_server}/health/ready", headers={"Host": "10.0.3.17"})

    assert status == 200, body
    assert json.loads(body)["status"] == "ok"


def test_it_upgrades_a_websocket_through_nginx(ws_nginx):
    sock = socket.create_connection(("127.0.0.1", ws_nginx), timeout=10)
    with connect(
        f"ws://{HOST}/ws/v1",
        sock=sock,
        subprotocols=["padmakara.v1"],
        additional_headers={"X-Forwarded-Proto": "https"},
    ) as ws:
        assert ws.subprotocol == "padmakara.v1"
        ws.send(json.dumps({"type": "ping"}))
        assert json.loads(ws.recv(timeout=5)) == {"type": "pong"}
        # No token: the server closes it, and the close code comes back through nginx.
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4401, "not_authenticated")
