"""Durations read one way in the admin, the dashboard and the upload page: ``h:mm:ss``.
Languages read as names, never as codes."""

import datetime

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from padmakara.api.formats import clock
from progress.models import Bookmark, ListeningSession, TrackProgress
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, "0:00:00"), (0, "0:00:00"), (3, "0:00:03"), (60, "0:01:00"), (185.4, "0:03:05"), (3725, "1:02:05"),
     (4_440_000, "1233:20:00")],
)  # fmt: skip
def test_clock_reads_hours_minutes_and_seconds(seconds, shown):
    assert clock(seconds) == shown


def test_the_template_filter_is_the_same_clock():
    template = Template("{% load durations %}{{ a|duration }} {{ b|duration }} {{ c|duration }}")

    assert template.render(Context({"a": 60, "b": 185.0, "c": None})) == "0:01:00 0:03:05 —"


@pytest.fixture
def listened(staff):
    track = factories.make_track(factories.make_session(factories.make_retreat()), duration=185.0, language="pt")
    played = timezone.now() - datetime.timedelta(hours=1)
    TrackProgress.objects.create(
        user=staff, track=track, position=65, last_played=played, created_at=played, updated_at=played
    )
    session = ListeningSession.objects.create(
        user=staff, track=track, event_id="e1", played_at=played, position=65, seconds=3725, created_at=played
    )
    bookmark = Bookmark.objects.create(user=staff, track=track, position=65)
    return track, session, bookmark


def _page(client, name, *args) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def test_admin_lists_write_durations_as_a_clock(staff_client, listened):
    track, session, bookmark = listened

    tracks = _page(staff_client, "admin:retreats_track_changelist")
    sessions = _page(staff_client, "admin:retreats_session_changelist")
    gatherings = _page(staff_client, "admin:retreats_retreat_changelist")
    progress = _page(staff_client, "admin:progress_trackprogress_changelist")
    listening = _page(staff_client, "admin:progress_listeningsession_changelist")
    bookmarks = _page(staff_client, "admin:progress_bookmark_changelist")

    assert ">0:03:05<" in tracks and ">0:03:05<" in sessions and ">0:03:05<" in gatherings
    assert ">0:01:05<" in progress and ">1:02:05<" in progress
    assert ">0:01:05<" in listening and ">1:02:05<" in listening and "3725" not in listening
    assert ">0:01:05<" in bookmarks and "65.0" not in bookmarks


def test_admin_pages_write_durations_as_a_clock(staff_client, staff, listened):
    track, session, bookmark = listened

    track_page = _page(staff_client, "admin:retreats_track_change", track.pk)
    session_page = _page(staff_client, "admin:retreats_session_change", track.session_id)
    listening_page = _page(staff_client, "admin:progress_listeningsession_change", session.pk)
    bookmark_page = _page(staff_client, "admin:progress_bookmark_change", bookmark.pk)
    user_page = _page(staff_client, "admin:accounts_user_change", staff.pk)

    assert "0:03:05" in track_page and "1:02:05" in track_page  # duration; time listened
    assert "0:03:05" in session_page
    assert "0:01:05" in listening_page and "1:02:05" in listening_page and "3725" not in listening_page
    assert "0:01:05" in bookmark_page and "65.0" not in bookmark_page
    assert "0:01:05" in user_page


def test_the_upload_page_writes_durations_and_languages_as_staff_read_them(staff_client):
    track = factories.make_track(factories.make_session(factories.make_retreat()), duration=60.0, language="pt")

    page = _page(staff_client, "admin:media_session_upload", track.session_id)
    listed = staff_client.get(reverse("admin:media_session_status", args=[track.session_id])).json()["files"]

    assert "<td>0:01:00</td>" in page and "<td>Portuguese</td>" in page
    assert listed[0]["languageLabel"] == "Portuguese" and listed[0]["duration"] == 60.0


def test_languages_read_as_names(staff_client):
    track = factories.make_track(factories.make_session(factories.make_retreat()), language="pt")
    transcript = factories.make_transcript(track, language="pt")

    with translation.override("pt"):
        label = str(transcript)
    transcripts = staff_client.get(reverse("admin:retreats_transcript_changelist"), HTTP_ACCEPT_LANGUAGE="pt")

    assert label.endswith("(Português)")
    body = transcripts.content.decode()
    assert "[pt]" not in body and ">Português<" in body


@pytest.mark.parametrize(
    ("start", "end", "english", "portuguese"),
    [
        ((2024, 4, 12), (2024, 4, 14), "12–14 Apr 2024", "12–14 Abr 2024"),
        ((2024, 4, 30), (2024, 5, 2), "30 Apr – 2 May 2024", "30 Abr – 2 Mai 2024"),
        ((2024, 12, 30), (2025, 1, 2), "30 Dec 2024 – 2 Jan 2025", "30 Dez 2024 – 2 Jan 2025"),
        ((2024, 4, 12), (2024, 4, 12), "12 Apr 2024", "12 Abr 2024"),
        ((2024, 4, 12), None, "12 Apr 2024", "12 Abr 2024"),
    ],
)
def test_a_gathering_lists_its_dates_in_one_short_column(start, end, english, portuguese):
    from retreats.admin import date_span

    start, end = datetime.date(*start), end and datetime.date(*end)
    with translation.override("en"):
        assert date_span(start, end) == english
    with translation.override("pt"):
        assert date_span(start, end) == portuguese
