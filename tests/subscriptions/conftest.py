import datetime
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from subscriptions.models import Plan

START = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def basic(db):
    return Plan.objects.get(code="basic")


@pytest.fixture
def premium(db):
    return Plan.objects.get(code="premium")


@pytest.fixture
def now(clock):
    """The wall clock stopped at START (tests move it with ``clock.advance(days=…)``)."""
    clock.freeze(START)
    return START


class EasypayStandIn:
    """A local HTTP server answering as Easypay's Payments API 2.0 does for the calls we make
    (shaped from its OpenAPI document): ``GET /single/{id}``, ``GET /subscription/{id}``,
    ``POST /single``, ``POST /subscription``, ``DELETE /subscription/{id}``; ``AccountId`` and
    ``ApiKey`` headers checked (403 otherwise). ``down`` makes it answer 503."""

    ACCOUNT_ID = "2b0f63e2-9fb5-4e52-aca0-b4bf0339bbe6"
    API_KEY = "eae4aa59-8e5b-4ec2-887d-b02768481a92"

    def __init__(self):
        self.singles: dict[str, dict] = {}
        self.subscriptions: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []
        self.down = False
        self._seq = 0
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, code: int, body: dict | None = None):
                data = json.dumps(body or {}).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _route(self, method: str):
                stand_in.requests.append((method, self.path))
                if stand_in.down:
                    return self._answer(503, {"status": "error", "message": ["Service unavailable"]})
                if (
                    self.headers.get("AccountId") != stand_in.ACCOUNT_ID
                    or self.headers.get("ApiKey") != stand_in.API_KEY
                ):
                    return self._answer(
                        403, {"status": "error", "message": "Authentication Error: Invalid AccountId or ApiKey"}
                    )
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                parts = self.path.strip("/").split("/")  # ["2.0", "single", id]
                kind, ident = parts[1], parts[2] if len(parts) > 2 else None
                store = stand_in.singles if kind == "single" else stand_in.subscriptions
                if method == "GET":
                    found = store.get(ident)
                    return (
                        self._answer(200, found)
                        if found
                        else self._answer(404, {"status": "error", "message": ["Not found"]})
                    )
                if method == "DELETE":
                    if ident in store:
                        store[ident]["status"] = "inactive"
                        return self._answer(204)
                    return self._answer(404, {"status": "error"})
                stand_in._seq += 1
                new_id = f"{kind}-{stand_in._seq:04d}-0000-0000-000000000000"
                method_type = body.get("method")
                answer_method = {"type": method_type, "status": "pending"}
                if method_type == "mb":
                    answer_method |= {"entity": "21098", "reference": f"{stand_in._seq:09d}"}
                else:
                    answer_method |= {"url": f"https://pay.test.easypay.pt/{new_id}"}
                store[new_id] = {
                    "id": new_id,
                    "key": body.get("key", ""),
                    "value": body.get("value"),
                    "currency": body.get("currency", "EUR"),
                    "method": {"type": method_type},
                    "payment_status": "pending",
                    "status": "active",
                    "transactions": [],
                }
                return self._answer(
                    201,
                    {
                        "status": "ok",
                        "message": ["Your request was successfully created"],
                        "id": new_id,
                        "method": answer_method,
                    },
                )

            def do_GET(self):
                self._route("GET")

            def do_POST(self):
                self._route("POST")

            def do_DELETE(self):
                self._route("DELETE")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/2.0"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    # What Easypay would hold after the member paid (or failed to):

    def single(
        self, payment_id: str, *, key: str, value="5.00", status="paid", method="mb", paid_at="2026-03-10 13:00:00"
    ):
        self.singles[payment_id] = {
            "id": payment_id,
            "key": key,
            "value": float(Decimal(value)),
            "currency": "EUR",
            "method": {"type": method, "status": "success" if status == "paid" else "pending"},
            "payment_status": status,
            "paid_at": paid_at if status == "paid" else None,
            "transactions": [{"id": f"t-{payment_id}", "date": paid_at, "values": {"paid": float(Decimal(value))}}]
            if status == "paid"
            else [],
        }

    def capture(
        self,
        subscription_id: str,
        transaction_id: str,
        *,
        key: str,
        value="5.00",
        status="success",
        date="2026-03-10 13:00:00",
    ):
        found = self.subscriptions.setdefault(
            subscription_id,
            {
                "id": subscription_id,
                "key": key,
                "value": float(Decimal(value)),
                "currency": "EUR",
                "method": {"type": "cc"},
                "status": "active",
                "transactions": [],
            },
        )
        found["transactions"].append(
            {
                "id": transaction_id,
                "key": key,
                "date": date,
                "status": status,
                "values": {
                    "requested": float(Decimal(value)),
                    "paid": float(Decimal(value)) if status == "success" else 0,
                },
            }
        )

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def easypay(settings):
    stand_in = EasypayStandIn()
    settings.PAYMENT_PROVIDER = "subscriptions.providers.easypay.EasypayProvider"
    settings.EASYPAY_API_URL = stand_in.url
    settings.EASYPAY_ACCOUNT_ID = stand_in.ACCOUNT_ID
    settings.EASYPAY_API_KEY = stand_in.API_KEY
    settings.EASYPAY_TIMEOUT_SECONDS = 5
    yield stand_in
    stand_in.close()


def aware(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


__all__ = ["START", "aware", "timezone"]
