import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest


class FakeExpo:
    """Expo's push API as documented: a JSON list in, one ticket per message out.
    Tokens containing "gone" answer DeviceNotRegistered; ``status`` forces an HTTP error."""

    def __init__(self):
        self.requests: list[list[dict]] = []
        self.status = 200
        self.headers: list[dict] = []

    def answer(self, messages):
        tickets = []
        for message in messages:
            if "gone" in message["to"]:
                tickets.append(
                    {
                        "status": "error",
                        "message": f'"{message["to"]}" is not a registered push notification recipient',
                        "details": {"error": "DeviceNotRegistered"},
                    }
                )
            else:
                tickets.append({"status": "ok", "id": f"ticket-{len(tickets)}"})
        return {"data": tickets}


@pytest.fixture
def expo(settings):
    fake = FakeExpo()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.requests.append(body)
            fake.headers.append(dict(self.headers))
            if fake.status != 200:
                payload = b'{"errors": [{"code": "INTERNAL", "message": "try later"}]}'
                self.send_response(fake.status)
            else:
                payload = json.dumps(fake.answer(body)).encode()
                self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.PUSH_BACKEND = "notifications.push.ExpoPushBackend"
    settings.EXPO_PUSH_URL = f"http://127.0.0.1:{server.server_address[1]}/--/api/v2/push/send"
    settings.EXPO_ACCESS_TOKEN = "expo-secret"
    yield fake
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def sns(moto_endpoint, settings, monkeypatch):
    """SNS on moto's server over HTTP, with an APNs and an FCM platform application."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    client = boto3.client("sns", region_name=settings.AWS_REGION, endpoint_url=moto_endpoint)
    apns = client.create_platform_application(Name="padmakara-ios", Platform="APNS", Attributes={})
    fcm = client.create_platform_application(Name="padmakara-android", Platform="GCM", Attributes={})
    settings.PUSH_BACKEND = "notifications.push.SNSPushBackend"
    settings.SNS_ENDPOINT_URL = moto_endpoint
    settings.SNS_APNS_APPLICATION_ARN = apns["PlatformApplicationArn"]
    settings.SNS_FCM_APPLICATION_ARN = fcm["PlatformApplicationArn"]
    yield client
    for arn in (apns["PlatformApplicationArn"], fcm["PlatformApplicationArn"]):
        client.delete_platform_application(PlatformApplicationArn=arn)
