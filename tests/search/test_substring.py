"""The embedded default's search: substring matching behind the same interface."""

import pytest

from .conftest import URL
from .content import track_in, transcript_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def substring(settings):
    settings.SEARCH_BACKEND = "substring"


def test_it_finds_titles_descriptions_and_pages_in_that_order(find):
    described = track_in(title="Evening", description="On the Guru Yoga of Mipham.")
    titled = track_in(title="Guru yoga")
    transcript = transcript_of(track_in(title="Morning"), ["Nothing here.", "Then GURU YOGA <again> & more."])

    body = find("guru yoga")

    assert [r["id"] for r in body["results"]] == [str(titled.uuid), str(described.uuid), str(transcript.uuid)]
    assert body["totalCount"] == 3
    assert body["results"][0]["highlights"] == ["<mark>Guru</mark> <mark>yoga</mark>"]
    assert body["results"][1]["highlights"] == ["On the <mark>Guru</mark> <mark>Yoga</mark> of Mipham."]
    page_hit = body["results"][2]
    assert page_hit["page"] == 2 and page_hit["type"] == "transcript"
    assert page_hit["highlights"] == ["Then <mark>GURU</mark> <mark>YOGA</mark> &lt;again&gt; &amp; more."]


def test_it_matches_every_word_and_leaves_out_minus_words(find):
    track_in(title="Guru yoga")
    track_in(title="Deity yoga")

    assert [r["title"] for r in find("yoga guru")["results"]] == ["Guru yoga"]
    assert [r["title"] for r in find("yoga -guru")["results"]] == ["Deity yoga"]
    assert [r["title"] for r in find('"yoga guru"')["results"]] == []


def test_it_pages_across_types(find):
    for n in range(3):
        track_in(title=f"Shamatha {n}")
        transcript_of(track_in(title=f"Talk {n}"), ["Shamatha."])

    first, second = find("shamatha", limit=4), find("shamatha", limit=4, offset=4)

    assert first["totalCount"] == 6 and first["hasMore"] is True
    assert [r["type"] for r in first["results"]] == ["track"] * 3 + ["transcript"]
    assert [r["type"] for r in second["results"]] == ["transcript"] * 2 and second["hasMore"] is False


def test_it_filters_by_type_and_language(find, user):
    user.content_language = "en-pt"
    user.save()
    track_in(title="Shamatha")
    track_in(title="Shamatha em português", language="pt")

    assert [r["title"] for r in find("shamatha", language="pt")["results"]] == ["Shamatha em português"]
    assert find("shamatha", type="transcript")["totalCount"] == 0


def test_it_answers_on_the_url_with_a_trailing_slash(user_api):
    assert user_api.get(URL + "/", {"q": "x"}).status_code == 200


def test_it_ignores_the_word_or(find):
    track_in(title="Guru yoga")

    assert find("guru or yoga")["totalCount"] == 1
