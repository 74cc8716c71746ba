"""Push backends, chosen by dotted path in ``PUSH_BACKEND``.

A backend takes a list of :class:`PushMessage` and answers one :class:`PushResult` per
message, in order. A token the provider says is dead comes back ``invalid=True`` and the
caller disables that device, so it is never tried again. A failure worth retrying (network,
throttling, the provider's 5xx) comes back ``retry=True``: the caller leaves that
notification waiting and the task tries again later. Backends never raise for one bad
message, so messages already handed over are never sent twice by a retry.
"""

import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class PushTemporaryError(Exception):
    """The provider could not take the messages now; try again later."""


@dataclass(frozen=True)
class PushMessage:
    device_id: int
    platform: str  # ios | android | web
    token: str
    title: str
    body: str
    data: dict = field(default_factory=dict)
    endpoint_arn: str = ""  # SNS only: the platform endpoint already made for this device


@dataclass(frozen=True)
class PushResult:
    device_id: int
    ok: bool
    invalid: bool = False  # the token is dead: disable the device
    retry: bool = False  # a transient failure: try again later
    error: str = ""
    endpoint_arn: str = ""  # SNS: a newly made platform endpoint, to keep for next time


class PushBackend:
    def send(self, messages: list[PushMessage]) -> list[PushResult]:
        raise NotImplementedError


def get_backend() -> PushBackend:
    return import_string(settings.PUSH_BACKEND)()


class LocalPushBackend(PushBackend):
    """Records what would be sent, in the database (admin: Local pushes) and the log."""

    def send(self, messages):
        from .models import LocalPush

        LocalPush.objects.bulk_create(
            LocalPush(platform=m.platform, token=m.token, title=m.title, body=m.body, data=m.data) for m in messages
        )
        logger.info("push (local): %d message(s) recorded", len(messages))
        return [PushResult(device_id=m.device_id, ok=True) for m in messages]


class ExpoPushBackend(PushBackend):
    """Expo's push HTTP API: batches of at most 100 messages, one ticket per message."""

    BATCH = 100

    def __init__(self):
        self.url = settings.EXPO_PUSH_URL
        self.timeout = settings.PUSH_HTTP_TIMEOUT
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json", "Accept-Encoding": "gzip, deflate"})
        if settings.EXPO_ACCESS_TOKEN:
            self.session.headers["Authorization"] = f"Bearer {settings.EXPO_ACCESS_TOKEN}"

    def send(self, messages):
        results = []
        for start in range(0, len(messages), self.BATCH):
            batch = messages[start : start + self.BATCH]
            try:
                results.extend(self._send_batch(batch))
            except PushTemporaryError as exc:
                logger.warning("Expo push batch will be retried: %s", exc)
                results.extend(PushResult(device_id=m.device_id, ok=False, retry=True, error=str(exc)) for m in batch)
        return results

    def _send_batch(self, batch):
        payload = [{"to": m.token, "title": m.title, "body": m.body, "data": m.data, "sound": "default"} for m in batch]
        try:
            response = self.session.post(self.url, json=payload, timeout=self.timeout)
        except requests.RequestException as exc:
            raise PushTemporaryError(f"Expo push: {exc.__class__.__name__}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise PushTemporaryError(f"Expo push answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise PushTemporaryError(f"Expo push answered HTTP {response.status_code} without JSON") from None
        if response.status_code >= 400 or not isinstance(body.get("data"), list):
            # A request-level error (bad payload, too many messages): not retried, every message failed.
            error = "; ".join(e.get("message", "") for e in body.get("errors", [])) or f"HTTP {response.status_code}"
            return [PushResult(device_id=m.device_id, ok=False, error=error[:500]) for m in batch]
        results = []
        for message, ticket in zip(batch, body["data"], strict=False):
            if ticket.get("status") == "ok":
                results.append(PushResult(device_id=message.device_id, ok=True))
                continue
            code = (ticket.get("details") or {}).get("error", "")
            results.append(
                PushResult(
                    device_id=message.device_id,
                    ok=False,
                    invalid=code == "DeviceNotRegistered",
                    error=f"{code}: {ticket.get('message', '')}"[:500],
                )
            )
        # Tickets missing from a short answer count as failed, never as sent.
        results.extend(PushResult(device_id=m.device_id, ok=False, error="no ticket") for m in batch[len(results) :])
        return results


class SNSPushBackend(PushBackend):
    """Amazon SNS mobile push: one platform endpoint per device (made on first send and kept),
    then ``publish`` to it. APNs for iOS, FCM for Android and web."""

    def __init__(self):
        import boto3
        from botocore.config import Config

        self.client = boto3.client(
            "sns",
            region_name=settings.AWS_REGION,
            endpoint_url=settings.SNS_ENDPOINT_URL,
            config=Config(
                connect_timeout=settings.PUSH_HTTP_TIMEOUT,
                read_timeout=settings.PUSH_HTTP_TIMEOUT,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )
        self.applications = {
            "ios": settings.SNS_APNS_APPLICATION_ARN,
            "android": settings.SNS_FCM_APPLICATION_ARN,
            "web": settings.SNS_FCM_APPLICATION_ARN,
        }
        self.apns_key = "APNS_SANDBOX" if settings.SNS_APNS_SANDBOX else "APNS"

    def send(self, messages):
        # One HTTP call per message (SNS has no batch publish to endpoints): a few in parallel.
        # boto3 clients are safe to share between threads.
        if len(messages) <= 1:
            return [self._send_one(m) for m in messages]
        with ThreadPoolExecutor(max_workers=settings.SNS_PUBLISH_CONCURRENCY) as pool:
            return list(pool.map(self._send_one, messages))

    def _payload(self, m: PushMessage) -> str:
        if m.platform == "ios":
            inner = {"aps": {"alert": {"title": m.title, "body": m.body}, "sound": "default"}, **m.data}
            return json.dumps({"default": m.body, self.apns_key: json.dumps(inner)})
        inner = {"notification": {"title": m.title, "body": m.body}, "data": {k: str(v) for k, v in m.data.items()}}
        return json.dumps({"default": m.body, "GCM": json.dumps(inner)})

    def _endpoint_for(self, application_arn: str, token: str) -> str:
        from botocore.exceptions import ClientError

        try:
            # Idempotent at SNS for the same token and attributes: it answers the existing endpoint.
            return self.client.create_platform_endpoint(PlatformApplicationArn=application_arn, Token=token)[
                "EndpointArn"
            ]
        except ClientError as exc:
            # The token has an endpoint SNS disabled earlier (its attributes differ). The app has
            # just registered it again, so it is worth one more try: enable it (AWS's own recipe).
            existing = _EXISTING_ENDPOINT.search(exc.response.get("Error", {}).get("Message", ""))
            if exc.response.get("Error", {}).get("Code") != "InvalidParameter" or not existing:
                raise
            arn = existing.group(1)
            self.client.set_endpoint_attributes(EndpointArn=arn, Attributes={"Token": token, "Enabled": "true"})
            return arn

    def _send_one(self, m: PushMessage) -> PushResult:
        from botocore.exceptions import BotoCoreError, ClientError

        application_arn = self.applications.get(m.platform, "")
        if not application_arn:
            return PushResult(device_id=m.device_id, ok=False, error=f"no SNS application for {m.platform}")
        created_arn = ""
        try:
            arn = m.endpoint_arn
            if not arn:
                arn = created_arn = self._endpoint_for(application_arn, m.token)
            self.client.publish(TargetArn=arn, Message=self._payload(m), MessageStructure="json")
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            detail = f"{code}: {exc.response.get('Error', {}).get('Message', '')}"[:500]
            if code in _DEAD_TOKEN_CODES:
                return PushResult(device_id=m.device_id, ok=False, invalid=True, error=detail, endpoint_arn=created_arn)
            return PushResult(
                device_id=m.device_id,
                ok=False,
                retry=code in _TRANSIENT_CODES,
                error=detail,
                endpoint_arn=created_arn,
            )
        except BotoCoreError as exc:  # unreachable, timed out: the provider may be back later
            return PushResult(
                device_id=m.device_id,
                ok=False,
                retry=True,
                error=f"SNS: {exc.__class__.__name__}",
                endpoint_arn=created_arn,
            )
        return PushResult(device_id=m.device_id, ok=True, endpoint_arn=created_arn)


# EndpointDisabled: APNs/FCM told SNS the token is dead. InvalidParameter: SNS refuses the
# token itself. NotFound: the endpoint was deleted. None of these gets better by retrying.
_DEAD_TOKEN_CODES = {"EndpointDisabled", "InvalidParameter", "InvalidParameterValue", "NotFound"}
_TRANSIENT_CODES = {"Throttling", "ThrottlingException", "InternalError", "InternalFailure", "ServiceUnavailable"}
_EXISTING_ENDPOINT = re.compile(r"Endpoint (arn:[^ ]+) already exists with the same [Tt]oken")
