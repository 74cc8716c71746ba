import datetime
import io
import json
import re
import zipfile
from urllib.parse import urlparse

import pytest
import requests
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from media import bundles
from media.models import DownloadBundle
from media.tasks import build_bundle, delete_expired_bundles
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(public_track, stored, make_pdf):
    """An original and its Portuguese translation sharing number and title, both processed."""
    translation = factories.make_track(
        public_track.session, order=1, title=public_track.title, language="pt", original=public_track
    )
    for track, body in ((public_track, b"EN" * 5000), (translation, b"PT" * 4000)):
        track.audio_file = stored(f"src/{track.pk}.mp3", body)
        track.processing_status = "ready"
        track.file_size = len(body)
        track.save()
    pdf = make_pdf()
    factories.make_transcript(public_track, pdf_file=stored("t.pdf", pdf), file_size=len(pdf))
    return public_track, translation


def _request(user_api, tracks, **extra):
    body = {"trackIds": [str(t.uuid) for t in tracks], "quality": "high", **extra}
    return user_api.post("/api/v1/media/download", body, format="json")


def _read_zip(url: str) -> zipfile.ZipFile:
    parts = urlparse(url)
    if parts.scheme.startswith("http") and "X-Amz" in parts.query:
        return zipfile.ZipFile(io.BytesIO(requests.get(url, timeout=10).content))
    response = Client().get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_it_accepts_a_request_and_reports_it_preparing(user_api, pair):
    response = _request(user_api, pair)

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "preparing"
    assert body["estimatedSize"] == 10000 + 8000
    assert body["downloadId"] and body["expiresAt"]


def test_it_builds_a_zip_with_a_manifest_and_unique_entry_names(user_api, pair, django_capture_on_commit_callbacks):
    original, translation = pair
    with django_capture_on_commit_callbacks(execute=True):
        download_id = _request(user_api, pair, includeTranscripts=True).json()["downloadId"]

    body = user_api.get(f"/api/v1/media/download/{download_id}").json()

    assert body["status"] == "ready", body
    assert body["progress"] == 1
    archive = _read_zip(body["url"])
    names = archive.namelist()
    assert len(names) == len(set(names)) == 4
    manifest = json.loads(archive.read("manifest.json"))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", manifest["createdAt"])
    by_track = {(f["trackId"], f["type"]): f for f in manifest["files"]}
    audio_en = by_track[(str(original.uuid), "audio")]
    audio_pt = by_track[(str(translation.uuid), "audio")]
    assert audio_en["path"] != audio_pt["path"]
    assert archive.read(audio_en["path"]) == b"EN" * 5000
    assert archive.read(audio_pt["path"]) == b"PT" * 4000
    assert audio_pt["language"] == "pt" and audio_pt["size"] == 8000
    import hashlib

    assert audio_en["sha256"] == hashlib.sha256(b"EN" * 5000).hexdigest()
    assert by_track[(str(original.uuid), "transcript")]["path"].endswith(".pdf")
    assert body["size"] == default_storage.size(DownloadBundle.objects.get().file)


def test_it_shares_one_bundle_between_identical_requests(user_api, other_user, api, pair):
    first = _request(user_api, pair).json()["downloadId"]
    api.force_authenticate(other_user)

    second = _request(api, list(reversed(pair))).json()["downloadId"]

    assert first == second
    assert DownloadBundle.objects.count() == 1


def test_it_makes_a_new_bundle_for_a_different_quality(user_api, pair):
    first = _request(user_api, pair).json()["downloadId"]

    second = _request(user_api, pair, quality="low").json()["downloadId"]

    assert first != second


def test_it_answers_locked_when_a_track_may_not_be_played(user_api, pair, stored):
    retreat = factories.make_retreat(audience="free-subscribers")
    locked = factories.make_track(factories.make_session(retreat))

    response = _request(user_api, [*pair, locked])

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "locked"
    assert not DownloadBundle.objects.exists()


def test_it_answers_404_for_an_unpublished_track(user_api, pair):
    draft = factories.make_track(factories.make_session(factories.make_retreat(status="draft")))

    assert _request(user_api, [draft]).status_code == 404


def test_it_rejects_an_empty_request(user_api):
    response = user_api.post("/api/v1/media/download/", {"trackIds": []}, format="json")

    assert response.status_code == 400
    assert "trackIds" in response.json()["error"]["details"]


def test_it_hides_a_bundle_from_a_user_who_may_not_play_its_tracks(api, user, other_user, stored):
    group = factories.make_group()
    factories.make_member(factories.subscribe(user), group)
    track = factories.make_track(
        factories.make_session(factories.make_retreat(audience="retreat-group-members", groups=[group]))
    )
    api.force_authenticate(user)
    download_id = _request(api, [track]).json()["downloadId"]

    api.force_authenticate(other_user)

    assert api.get(f"/api/v1/media/download/{download_id}").status_code == 404


def test_it_ignores_a_replayed_job(user_api, pair, django_assert_num_queries):
    _request(user_api, pair)
    bundle = DownloadBundle.objects.get()
    build_bundle.delay(bundle.pk)

    with django_assert_num_queries(1):
        assert build_bundle.delay(bundle.pk).get() is False
    bundle.refresh_from_db()
    assert bundle.status == "ready"


def test_it_deletes_expired_bundles_and_their_files(user_api, pair, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _request(user_api, pair)
    bundle = DownloadBundle.objects.get()
    assert default_storage.exists(bundle.file)
    DownloadBundle.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))

    assert delete_expired_bundles.delay().get() == 1

    bundle.refresh_from_db()
    assert bundle.status == "expired"
    assert not default_storage.exists(f"bundles/{bundle.uuid}.zip")
    assert user_api.get(f"/api/v1/media/download/{bundle.uuid}").json()["status"] == "expired"


def test_it_builds_a_new_bundle_once_the_shared_one_expired(user_api, pair):
    first = _request(user_api, pair).json()["downloadId"]
    DownloadBundle.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))

    second = _request(user_api, pair).json()["downloadId"]

    assert first != second


def test_it_schedules_the_cleanup_with_celery_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["media-delete-expired-bundles"]

    assert entry["task"] == delete_expired_bundles.name


def test_it_writes_the_bundle_to_s3_and_reads_it_back(s3, user_api, pair, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        download_id = _request(user_api, pair).json()["downloadId"]

    body = user_api.get(f"/api/v1/media/download/{download_id}").json()

    archive = _read_zip(body["url"])
    assert "manifest.json" in archive.namelist()
    assert len(archive.namelist()) == 3


def test_it_builds_in_bounded_memory(pair, user_api, stored):
    """The builder streams: peak traced memory stays far below the bundle's size."""
    import tracemalloc

    big = pair[0]
    big.audio_file = stored("src/big.mp3", b"x" * (24 * 1024 * 1024))
    big.save()
    _request(user_api, [big])
    bundle = DownloadBundle.objects.get()
    tracemalloc.start()
    try:
        bundles.bundle_build(bundle_id=bundle.pk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert DownloadBundle.objects.get().size > 24 * 1024 * 1024
    assert peak < 8 * 1024 * 1024


def test_it_emails_the_listener_when_the_bundle_is_ready(
    user_api, user, pair, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        download_id = _request(user_api, pair).json()["downloadId"]

    [message] = mailoutbox
    assert message.to == [user.email]
    assert f"/downloads/{download_id}" in message.body


def test_it_sends_no_email_to_a_listener_who_turned_notifications_off(
    user_api, user, pair, mailoutbox, django_capture_on_commit_callbacks
):
    user.notifications_enabled = False
    user.save()
    with django_capture_on_commit_callbacks(execute=True):
        _request(user_api, pair)

    assert mailoutbox == []
