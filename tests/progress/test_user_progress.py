import datetime

import pytest

from progress.models import Bookmark, Highlight
from progress.services import progress_sync
from tests.factories import make_track

from .events import event, iso

URL = "/api/v1/progress/user"
pytestmark = pytest.mark.django_db


def test_it_lists_progress_newest_first_with_listening_time_and_bookmarks(
    user_api, user, other_user, track, second_track, now
):
    progress_sync(user=user, events=[
        event(track, at=now - datetime.timedelta(hours=2), position=100, seconds=60),
        event(track, at=now - datetime.timedelta(hours=1), position=200, seconds=90),
        event(second_track, at=now, position=2000, seconds=30),
    ], now=now)  # fmt: skip
    progress_sync(user=other_user, events=[event(track, at=now, position=5, seconds=999)], now=now)
    bookmark = Bookmark.objects.create(user=user, track=track, position=150, note="here")
    Bookmark.objects.create(user=other_user, track=track, position=1)
    Highlight.objects.create(user=user, track=track, page=1, text="x")

    body = user_api.get(URL).json()

    assert (body["totalCount"], body["hasMore"]) == (2, False)
    newest, older = body["progress"]
    assert newest == {
        "trackId": str(second_track.uuid), "position": 2000.0, "completed": True, "lastPlayed": iso(now),
        "totalListeningTime": 30.0, "bookmarks": [],
    }  # fmt: skip
    assert (older["trackId"], older["position"], older["totalListeningTime"]) == (str(track.uuid), 200.0, 150.0)
    assert older["bookmarks"] == [
        {"id": str(bookmark.uuid), "trackId": str(track.uuid), "position": 150.0, "note": "here",
         "createdAt": iso(bookmark.created_at.replace(microsecond=0))}
    ]  # fmt: skip
    assert body["statistics"] == {
        "totalTracks": 2, "completedTracks": 1, "totalListeningTime": 180.0, "totalBookmarks": 1, "totalHighlights": 1,
    }  # fmt: skip


def test_it_filters_by_track(user_api, user, track, second_track, now):
    progress_sync(
        user=user, events=[event(track, at=now, position=1), event(second_track, at=now, position=2)], now=now
    )

    body = user_api.get(URL, {"trackId": str(track.uuid)}).json()

    assert [p["trackId"] for p in body["progress"]] == [str(track.uuid)]
    assert body["totalCount"] == 1


def test_it_answers_an_empty_page_for_a_new_listener(user_api):
    assert user_api.get(URL).json() == {
        "progress": [],
        "statistics": {"totalTracks": 0, "completedTracks": 0, "totalListeningTime": 0.0, "totalBookmarks": 0,
                       "totalHighlights": 0},
        "totalCount": 0,
        "hasMore": False,
    }  # fmt: skip


def test_it_costs_the_same_queries_for_2_and_60_tracks(user_api, user, track, now, django_assert_num_queries):
    def listen(count):
        tracks = [make_track(track.session) for _ in range(count)]
        events = [event(t, at=now, position=1, seconds=5) for t in tracks]
        progress_sync(user=user, events=events, now=now)
        for t in tracks:
            Bookmark.objects.create(user=user, track=t, position=1)

    listen(2)
    with django_assert_num_queries(4):  # count, page, bookmarks of the page, statistics
        assert len(user_api.get(URL).json()["progress"]) == 2
    listen(58)
    with django_assert_num_queries(4):
        body = user_api.get(URL, {"limit": 100}).json()
    assert len(body["progress"]) == 60
    assert all(len(p["bookmarks"]) == 1 for p in body["progress"])
