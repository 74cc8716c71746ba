"""A client that stops reading holds up nobody: its messages wait for it alone, and it is
disconnected when it does not take one in time."""

import json
import socket
import time
from urllib.parse import urlsplit

import pytest
from websockets.client import ClientProtocol
from websockets.frames import Close
from websockets.http11 import Response
from websockets.uri import parse_uri

from padmakara import realtime

from .conftest import SEND_TIMEOUT, listener, sign_in

pytestmark = pytest.mark.redis


class StalledClient:
    """A WebSocket client on a raw socket with a tiny receive buffer, which reads nothing once
    it is authenticated: the server's writes to it back up as they would to a phone gone quiet."""

    def __init__(self, url: str, token: str):
        self.protocol = ClientProtocol(parse_uri(f"{url}/ws/v1"), subprotocols=["padmakara.v1"])
        address = urlsplit(url)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting: the window stays small
        self.sock.settimeout(10)
        self.sock.connect((address.hostname, address.port))
        self.protocol.send_request(self.protocol.connect())
        self.flush()
        self.wait_for(lambda event: isinstance(event, Response))
        assert self.protocol.handshake_exc is None, self.protocol.handshake_exc
        self.protocol.send_text(json.dumps({"type": "auth", "token": token}).encode())
        self.flush()
        self.wait_for(lambda event: getattr(event, "data", b"").startswith(b'{"type":"ready.v1"'))

    def flush(self) -> None:
        for data in self.protocol.data_to_send():
            self.sock.sendall(data)

    def wait_for(self, predicate, timeout: float = 10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.protocol.events_received():
                if predicate(event):
                    return event
            data = self.sock.recv(65536)
            if not data:
                self.protocol.receive_eof()
            else:
                self.protocol.receive_data(data)
            self.flush()
        raise AssertionError("not received in time")

    def close_code(self) -> tuple[int, str]:
        """Read everything that waited, up to the server's close frame."""
        self.sock.settimeout(30)
        self.wait_for(lambda event: getattr(event, "opcode", None) is not None and event.opcode.name == "CLOSE", 30)
        close = self.protocol.close_rcvd or Close(1006, "")
        return close.code, close.reason


def test_a_client_that_stops_reading_delays_nobody_else_and_is_disconnected(live, devices, transactional_db, request):
    stalled_user, other_user = listener(), listener()
    stalled = StalledClient(live, sign_in(stalled_user)["access"])
    request.addfinalizer(stalled.sock.close)
    other = devices(live, sign_in(other_user)["access"])
    other.wait_ready()

    bulky = {"padding": "x" * 60_000}
    for _ in range(200):  # 12 MB: far more than the sockets' buffers hold
        realtime.publish(user_ids=[stalled_user.pk], event_type="test.bulky.v1", data=bulky)
    started = time.monotonic()
    realtime.publish(user_ids=[other_user.pk], event_type="test.ping.v1", data={})

    assert other.receive(timeout=1.0)["type"] == "test.ping.v1"
    assert time.monotonic() - started < 1.0
    time.sleep(SEND_TIMEOUT + 1)
    assert stalled.close_code() == (1013, "too_slow")
