"""S3 failing: processing and bundles say so on their rows in words staff can read
(waiting again for the retry, then failed after the last one), never stuck "processing"; a
signed URL is still answered (presigning needs no call to S3). S3 is moto's server behind a
loopback proxy that the test cuts."""

import pytest
from botocore.config import Config

from media import bundles, jobs, processing
from media import storage as media_storage
from media.models import DownloadBundle
from tests.media.conftest import public_track  # noqa: F401  (fixture)

from .proxy import TcpProxy

pytestmark = pytest.mark.django_db


@pytest.fixture
def s3_down_switch(s3, moto_endpoint, settings):
    """S3 through a proxy: ``.cut()`` makes every S3 call fail to connect."""
    port = int(moto_endpoint.rsplit(":", 1)[1])
    proxy = TcpProxy(port)
    options = dict(settings.STORAGES["default"]["OPTIONS"])
    options["endpoint_url"] = f"http://127.0.0.1:{proxy.port}"
    # One quick attempt per call: the task's own retries are what is under test.
    options["client_config"] = Config(
        s3={"addressing_style": "path"}, retries={"max_attempts": 1}, connect_timeout=1, read_timeout=2
    )
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"], "OPTIONS": options}}
    yield proxy
    proxy.close()


def test_it_releases_then_fails_a_track_readably_when_s3_is_down(s3_down_switch, public_track, stored, make_audio):  # noqa: F811
    track = public_track
    track.audio_file = stored(media_storage.track_audio_key(track, "x.mp3"), make_audio(1))
    track.processing_status = "pending"
    track.save()
    s3_down_switch.cut()

    with pytest.raises(jobs.TRANSIENT_ERRORS):
        processing.track_process(track_id=track.pk)  # the task retries this with backoff
    track.refresh_from_db()
    waiting = track.processing_status
    jobs.record_gave_up(kind="track", object_id=track.pk, error=ConnectionError("S3 unreachable"))
    track.refresh_from_db()
    print(
        f"\nafter a failed attempt: {waiting}; after the last retry: {track.processing_status}: {track.processing_error}"
    )

    assert waiting == "pending"  # released for the retry, not stuck "processing"
    assert track.processing_status == "failed" and "storage or network unavailable" in track.processing_error


def test_it_puts_a_bundle_back_to_preparing_when_s3_is_down(s3_down_switch, public_track, stored, make_audio, user):  # noqa: F811
    from retreats.access import AccessProfile

    public_track.audio_file = stored(media_storage.track_audio_key(public_track, "x.mp3"), make_audio(1))
    public_track.processing_status = "ready"
    public_track.save()
    bundle = bundles.bundle_request(
        profile=AccessProfile.for_user(user), user=user, track_ids=[public_track.uuid], include_transcripts=False,
        quality="high",
    )  # fmt: skip
    s3_down_switch.cut()

    with pytest.raises(jobs.TRANSIENT_ERRORS):
        bundles.bundle_build(bundle_id=bundle.pk)

    assert DownloadBundle.objects.get(pk=bundle.pk).status == "preparing"


def test_it_still_answers_a_signed_url_when_s3_is_down(s3_down_switch, public_track, user_api):  # noqa: F811
    public_track.audio_file = "media/audio/x.mp3"
    public_track.processing_status = "ready"
    public_track.save()
    s3_down_switch.cut()

    response = user_api.get(f"/api/v1/media/audio/{public_track.uuid}")

    assert response.status_code == 200, response.content
    assert response.json()["url"].startswith("http://127.0.0.1:")
