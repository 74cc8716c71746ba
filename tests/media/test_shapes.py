"""The media shapes build every documented field, in the documented order."""

import datetime
import uuid

import pytest

from media import shapes
from media.models import DownloadBundle
from media.selectors import AudioSource
from media.signing import SignedURL
from retreats.models import Transcript

MOMENT = datetime.datetime(2026, 1, 15, 10, 0, 0, 123456, tzinfo=datetime.UTC)
SIGNED = SignedURL("https://media.example/a.mp3?signature=x", MOMENT)


def _bundle(**fields) -> DownloadBundle:
    return DownloadBundle(uuid=uuid.uuid4(), progress=0.12345, size=0, estimated_size=10, expires_at=MOMENT, **fields)


BODIES = {
    "AudioURL": lambda: shapes.AudioURL.build(SIGNED, AudioSource("a.mp3", "high", "audio/mpeg", 10), 61.5),
    "TranscriptURL": lambda: shapes.TranscriptURL.build(SIGNED, Transcript(page_count=3), watermarked=True),
    "DownloadBundle": lambda: shapes.DownloadBundle.build(_bundle(status="ready"), SIGNED),
}


@pytest.mark.parametrize("name", BODIES)
def test_it_builds_every_documented_field_in_order(name):
    body = BODIES[name]()

    assert list(body) == list(getattr(shapes, name)().fields)
    assert body["expiresAt"] == "2026-01-15T10:00:00Z"


def test_a_bundle_being_built_is_preparing_without_a_url():
    body = shapes.DownloadBundle.build(_bundle(status="building", error=""), None)

    assert (body["status"], body["url"], body["error"], body["progress"]) == ("preparing", None, None, 0.123)
