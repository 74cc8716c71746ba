"""Each listener's allowance of offline bundles (MEDIA_BUNDLE_USER_*): a flood of distinct
requests from one account answers 429 quota_exceeded instead of building a ZIP for each."""

import datetime
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from media import bundles
from media.models import DownloadBundle
from padmakara.errors import QuotaExceeded
from retreats.access import AccessProfile
from tests import factories

pytestmark = pytest.mark.django_db

TRACK_BYTES = 10_000


@pytest.fixture
def tracks(public_track):
    """Twelve processed tracks of a public gathering, TRACK_BYTES of audio each."""
    session = public_track.session
    made = [public_track] + [factories.make_track(session) for _ in range(11)]
    for track in made:
        track.audio_file = f"src/{track.pk}.mp3"
        track.processing_status = "ready"
        track.file_size = TRACK_BYTES
        track.save()
    return made


def _ask(client, *tracks, quality="high"):
    body = {"trackIds": [str(t.uuid) for t in tracks], "quality": quality}
    return client.post("/api/v1/media/download", body, format="json")


def _error(response):
    assert response.status_code == 429, response.content
    return response.json()["error"]


def test_a_flood_of_distinct_requests_builds_only_the_allowance(user_api, tracks, settings):
    """The reported attack: 40 distinct requests from one free account in a few seconds."""
    settings.MEDIA_BUNDLE_USER_MAX_BUILDING = 2

    answers = [_ask(user_api, track, quality=quality) for track in tracks for quality in ("high", "medium", "low")]
    answers += [_ask(user_api, *tracks[:n]) for n in range(2, 6)]

    assert len(answers) == 40
    assert [r.status_code for r in answers[:2]] == [202, 202]
    assert {r.status_code for r in answers[2:]} == {429}
    assert DownloadBundle.objects.count() == 2
    error = answers[-1].json()["error"]
    assert error["code"] == "quota_exceeded"
    assert error["details"]["limit"] == "bundles_building"
    assert "2 downloads being prepared" in error["message"]
    assert "Retry-After" not in answers[-1].headers  # no known time: it is free when one is built


def test_an_identical_request_still_gets_its_bundle_at_the_limit(user_api, api, other_user, tracks, settings):
    settings.MEDIA_BUNDLE_USER_MAX_BUILDING = 1
    first = _ask(user_api, tracks[0]).json()["downloadId"]

    assert _ask(user_api, tracks[0]).json()["downloadId"] == first
    assert _ask(user_api, tracks[1]).status_code == 429
    # Another listener at their own limit shares the existing bundle too: it costs nothing more.
    api.force_authenticate(other_user)
    assert _ask(api, tracks[2]).status_code == 202
    assert _ask(api, tracks[0]).json()["downloadId"] == first
    assert DownloadBundle.objects.count() == 2


def test_it_caps_the_bundles_alive_at_once_and_says_when_one_expires(user_api, tracks, settings):
    settings.MEDIA_BUNDLE_USER_MAX_BUILDING = 10
    settings.MEDIA_BUNDLE_USER_MAX_LIVE = 3
    for track in tracks[:3]:
        assert _ask(user_api, track).status_code == 202
    now = timezone.now()
    DownloadBundle.objects.update(status="ready", expires_at=now + datetime.timedelta(hours=30))
    DownloadBundle.objects.filter(track_ids=[str(tracks[1].uuid)]).update(expires_at=now + datetime.timedelta(hours=2))

    response = _ask(user_api, tracks[3])

    error = _error(response)
    assert error["code"] == "quota_exceeded"
    assert error["details"]["limit"] == "bundles_live"
    assert 2 * 3600 - 60 < int(response.headers["Retry-After"]) <= 2 * 3600
    assert error["details"]["retryAfter"] == int(response.headers["Retry-After"])
    # An expired bundle no longer counts.
    DownloadBundle.objects.filter(track_ids=[str(tracks[1].uuid)]).update(expires_at=now)
    assert _ask(user_api, tracks[3]).status_code == 202


def test_it_caps_the_bytes_asked_for_in_a_day(user_api, tracks, settings):
    settings.MEDIA_BUNDLE_USER_MAX_BUILDING = 10
    settings.MEDIA_BUNDLE_USER_MAX_LIVE = 10
    settings.MEDIA_BUNDLE_USER_MAX_BYTES_PER_DAY = 3 * TRACK_BYTES
    assert _ask(user_api, tracks[0]).status_code == 202
    assert _ask(user_api, tracks[1], tracks[2]).status_code == 202
    DownloadBundle.objects.filter(track_ids=[str(tracks[0].uuid)]).update(
        created_at=timezone.now() - datetime.timedelta(hours=23)
    )

    response = _ask(user_api, tracks[3])

    error = _error(response)
    assert error["details"]["limit"] == "bytes_per_day"
    assert "daily allowance" in error["message"]
    # Free again when the 23-hour-old bundle leaves the 24-hour window.
    assert 3600 - 60 < int(response.headers["Retry-After"]) <= 3600
    assert DownloadBundle.objects.count() == 2


def test_failed_and_older_bundles_do_not_count_against_the_day(user_api, tracks, settings):
    settings.MEDIA_BUNDLE_USER_MAX_BUILDING = 10
    settings.MEDIA_BUNDLE_USER_MAX_BYTES_PER_DAY = 2 * TRACK_BYTES
    assert _ask(user_api, tracks[0]).status_code == 202
    assert _ask(user_api, tracks[1]).status_code == 202
    DownloadBundle.objects.filter(track_ids=[str(tracks[0].uuid)]).update(status="failed")
    DownloadBundle.objects.filter(track_ids=[str(tracks[1].uuid)]).update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )

    assert _ask(user_api, tracks[2], tracks[3]).status_code == 202


def test_a_request_larger_than_the_daily_allowance_says_so(user_api, tracks, settings):
    settings.MEDIA_BUNDLE_USER_MAX_BYTES_PER_DAY = 2 * TRACK_BYTES

    response = _ask(user_api, *tracks[:3])

    error = _error(response)
    assert error["details"]["limit"] == "bytes_per_day"
    assert "larger than the daily allowance" in error["message"]
    assert "Retry-After" not in response.headers
    assert not DownloadBundle.objects.exists()


def test_staff_have_no_allowance(api, tracks, settings):
    settings.MEDIA_BUNDLE_USER_MAX_BUILDING = 1
    settings.MEDIA_BUNDLE_USER_MAX_LIVE = 1
    settings.MEDIA_BUNDLE_USER_MAX_BYTES_PER_DAY = TRACK_BYTES
    api.force_authenticate(factories.make_staff(name="Staff"))

    answers = [_ask(api, *tracks[:n]) for n in range(1, 5)]

    assert {r.status_code for r in answers} == {202}
    assert DownloadBundle.objects.count() == 4


@pytest.mark.postgres
def test_two_requests_at_once_cannot_both_pass_on_the_same_count(postgres, transactional_db, tracks, settings):
    """A request counts the listener's bundles under a lock on the listener's row: one that
    arrives while another holds it waits, then sees the other's bundle and is refused."""
    settings.MEDIA_BUNDLE_USER_MAX_BUILDING = 1
    user = factories.make_user(name="Ana")
    outcome: dict = {}

    def other_request():
        try:
            outcome["bundle"] = bundles.bundle_request(
                profile=AccessProfile.for_user(user),
                user=user,
                track_ids=[tracks[1].uuid],
                include_transcripts=False,
                quality="high",
            )
        except QuotaExceeded as exc:
            outcome["refused"] = exc
        finally:
            connection.close()

    with transaction.atomic():
        # This transaction plays the first request: it holds the row while it creates its bundle.
        User.objects.select_for_update().get(pk=user.pk)
        thread = threading.Thread(target=other_request)
        thread.start()
        for _ in range(600):  # until the other request waits for the row (or, unlocked, is done)
            if not thread.is_alive() or _waiting_for_a_lock():
                break
            thread.join(0.05)
        DownloadBundle.objects.create(
            request_key="first",
            track_ids=[str(tracks[0].uuid)],
            created_by=user,
            expires_at=timezone.now() + datetime.timedelta(hours=1),
        )
    thread.join(60)

    assert "refused" in outcome, outcome
    assert outcome["refused"].details["limit"] == "bundles_building"
    assert DownloadBundle.objects.count() == 1


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0
