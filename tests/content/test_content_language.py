"""Tracks follow the listener's content language (docs/api.md "Content"): a track is shown
when any of its languages is wanted; a session with none in those languages shows every track."""

import pytest

from tests.factories import make_catalogue, make_group, make_retreat, make_session, make_track

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(db):
    retreat = make_retreat(groups=[make_group()])
    session = make_session(retreat)
    original = make_track(session, order=1, title="Teaching")
    make_track(session, order=1, language="pt", original=original, title="Ensinamento")
    make_track(session, order=2, title="Bodhicitta with interpretation", languages=["en", "pt"])
    return session


def _titles(api, session, **params):
    body = api.get(f"/api/v1/content/gathering/{session.retreat.uuid}", params).json()
    return [track["title"] for track in body["sessions"][0]["tracks"]], body["trackCount"]


@pytest.mark.parametrize(
    ("content_language", "titles"),
    [
        ("en", ["Teaching", "Bodhicitta with interpretation"]),
        ("pt", ["Ensinamento", "Bodhicitta with interpretation"]),
        ("en-pt", ["Teaching", "Ensinamento", "Bodhicitta with interpretation"]),
    ],
)
def test_it_shows_the_tracks_heard_in_the_content_language(user, user_api, session, content_language, titles):
    user.content_language = content_language
    user.save(update_fields=["content_language"])

    assert _titles(user_api, session) == (titles, len(titles))


def test_it_takes_the_content_language_of_the_request_over_the_preference(user_api, session):
    assert _titles(user_api, session, contentLanguage="pt")[0] == ["Ensinamento", "Bodhicitta with interpretation"]


def test_it_shows_every_track_of_a_session_with_none_in_the_content_language(user_api, session):
    tibetan = make_session(session.retreat)
    make_track(tibetan, order=1, language="tib", title="Refuge")
    make_track(tibetan, order=1, language="fr", title="Refuge (français)")

    body = user_api.get(f"/api/v1/content/gathering/{session.retreat.uuid}").json()

    assert {t["title"] for t in body["sessions"][1]["tracks"]} == {"Refuge", "Refuge (français)"}
    assert body["trackCount"] == 4  # two English in the first session, both of the second


def test_it_counts_the_same_tracks_in_the_catalogue_list(user_api, session):
    body = user_api.get("/api/v1/content/retreats", {"contentLanguage": "en-pt"}).json()

    assert body["retreatGroups"][0]["gatherings"][0]["trackCount"] == 3


def test_it_refuses_an_unknown_content_language(user_api, session):
    response = user_api.get(f"/api/v1/content/gathering/{session.retreat.uuid}", {"contentLanguage": "fr"})

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"contentLanguage": ["Must be en, pt or en-pt."]}


def test_it_describes_the_languages_of_each_track(user_api, session):
    body = user_api.get(f"/api/v1/content/gathering/{session.retreat.uuid}", {"contentLanguage": "en-pt"}).json()

    summaries = {
        t["title"]: (t["language"], t["languages"], t["originalLanguage"]) for t in body["sessions"][0]["tracks"]
    }
    assert summaries == {
        "Teaching": ("en", ["en"], "en"),
        "Ensinamento": ("pt", ["pt"], "en"),
        "Bodhicitta with interpretation": ("en", ["en", "pt"], "en"),
    }


def test_it_costs_the_same_queries_for_one_session_or_many(user_api, django_assert_num_queries):
    _, [small] = make_catalogue(gatherings=1, sessions=1, tracks=1)
    _, [big] = make_catalogue(gatherings=1, sessions=6, tracks=5)
    make_track(big.sessions.first(), order=9, language="tib")

    user_api.get(f"/api/v1/content/gathering/{small.uuid}")  # the access profile, cached from here on
    with django_assert_num_queries(5) as small_queries:  # gathering, its row, places, sessions, tracks
        user_api.get(f"/api/v1/content/gathering/{small.uuid}?contentLanguage=pt")
    with django_assert_num_queries(len(small_queries.captured_queries)):
        user_api.get(f"/api/v1/content/gathering/{big.uuid}?contentLanguage=pt")
