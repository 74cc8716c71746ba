"""progress.updated.v1 end to end: a sync on one device reaches the user's other devices through
the real server and Redis, within a second, and nobody else."""

import time
import uuid

import pytest
from rest_framework.test import APIClient

from tests import factories

from .conftest import listener, sign_in

pytestmark = pytest.mark.redis


@pytest.fixture
def track(transactional_db):
    retreat = factories.make_retreat()
    return factories.make_track(factories.make_session(retreat), duration=600)


def _sync(token: str, track, position: float) -> dict:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.post(
        "/api/v1/progress/sync",
        {"events": [{"eventId": uuid.uuid4().hex, "trackId": str(track.uuid), "position": position,
                     "completed": False, "playedAt": "2026-01-15T10:00:00Z"}]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    return response.json()


def test_it_sends_the_merged_progress_to_the_users_other_device_within_a_second(live, devices, track):
    ana, bruno = listener(), listener()
    phone, tablet, other = sign_in(ana), sign_in(ana), sign_in(bruno)
    device_a, device_b = devices(live, phone["access"]), devices(live, tablet["access"])
    device_c = devices(live, other["access"])
    for device in (device_a, device_b, device_c):
        device.wait_ready()

    _sync(phone["access"], track, 60)  # the first request of the process pays for its imports
    assert device_b.receive(timeout=5.0)["data"]["progress"][0]["position"] == 60

    started = time.monotonic()
    _sync(phone["access"], track, 120.5)
    event = device_b.receive(timeout=1.0)

    assert time.monotonic() - started < 1.0
    assert event["type"] == "progress.updated.v1"
    assert event["data"] == {
        "progress": [
            {"trackId": str(track.uuid), "position": 120.5, "completed": False, "lastPlayed": "2026-01-15T10:00:00Z"}
        ]
    }
    assert event["id"] and event["sentAt"].endswith("Z")
    assert device_a.events(within=1.0) == []  # the device that synced knows already
    assert device_c.events(within=0.5) == []  # another user never hears of it


def test_it_sends_nothing_for_a_replayed_sync(live, devices, track):
    ana = listener()
    phone, tablet = sign_in(ana), sign_in(ana)
    watcher = devices(live, tablet["access"])
    watcher.wait_ready()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {phone['access']}")
    body = {
        "events": [{"eventId": "e-1", "trackId": str(track.uuid), "position": 5, "playedAt": "2026-01-15T10:00:00Z"}]
    }
    client.post("/api/v1/progress/sync", body, format="json")
    assert [e["type"] for e in watcher.events(within=1.0)] == ["progress.updated.v1"]

    client.post("/api/v1/progress/sync", body, format="json")

    assert watcher.events(within=1.0) == []


def test_it_lets_a_reconnecting_device_fetch_what_it_missed(live, devices, track):
    ana = listener()
    phone, tablet = sign_in(ana), sign_in(ana)
    device = devices(live, tablet["access"])
    device.wait_ready()
    _sync(phone["access"], track, 10)
    seen = device.receive(timeout=2)["id"]
    device.close()

    _sync(phone["access"], track, 20)
    _sync(phone["access"], track, 30)
    again = devices(live, tablet["access"], resume_after=seen)
    again.wait_ready()

    missed = again.events(within=1.0)
    assert [e["data"]["progress"][0]["position"] for e in missed] == [20, 30]


def test_it_tells_a_client_whose_resume_token_is_too_old_to_resync(live, devices):
    ana = listener()
    device = devices(live, sign_in(ana)["access"], resume_after=f"{int((time.time() - 3600) * 1000)}-0")
    device.wait_ready()

    assert device.receive()["type"] == "resume.gap.v1"
