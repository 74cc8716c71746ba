"""PostgreSQL full-text search through the API: stemming, accents, highlights, ranking."""

import pytest

from tests.factories import make_retreat, make_session, make_track

from .content import track_in, transcript_of

pytestmark = [pytest.mark.django_db, pytest.mark.postgres, pytest.mark.usefixtures("postgres")]

FILLER = " ".join(["The teacher spoke about the path and the view of the practitioner."] * 40)


def ids(body):
    return [result["id"] for result in body["results"]]


def test_it_finds_compassion_when_asked_for_compassionate(find):
    track = track_in(title="On compassion")
    track_in(title="On patience")

    body = find("compassionate")

    assert ids(body) == [str(track.uuid)]


def test_it_stems_portuguese(find):
    track = track_in(title="A prática diária", language="pt")

    assert ids(find("praticar")) == [str(track.uuid)]


def test_it_folds_accents_both_ways(find):
    track = track_in(title="Meditação e sabedoria", language="pt")

    assert ids(find("meditacao")) == [str(track.uuid)]
    assert ids(find("MEDITAÇÃO")) == [str(track.uuid)]


def test_it_folds_accents_in_english_text(find):
    track = track_in(title="A naïve café conversation")

    assert ids(find("naive cafe")) == [str(track.uuid)]


def test_it_answers_in_the_shape_of_the_api(find):
    track = track_in(title="Compassion in action", description="How compassion grows.", duration=1234.5)

    body = find("compassion")

    assert body["totalCount"] == 1 and body["hasMore"] is False
    [result] = body["results"]
    assert result == {
        "id": str(track.uuid),
        "type": "track",
        "title": "Compassion in action",
        "description": "How compassion grows.",
        "duration": 1234.5,
        "language": "en",
        "relevanceScore": result["relevanceScore"],
        "highlights": ["<mark>Compassion</mark> in action", "How <mark>compassion</mark> grows."],
        "trackId": str(track.uuid),
        "page": None,
    }
    assert 0.5 <= result["relevanceScore"] < 1


def test_it_finds_transcript_text_with_its_page(find):
    track = track_in(title="Saturday morning")
    transcript = transcript_of(track, [FILLER, FILLER + " Bodhicitta is the wish to awaken for all beings. " + FILLER])

    [result] = find("bodhicitta")["results"]

    assert result["type"] == "transcript"
    assert result["id"] == str(transcript.uuid)
    assert result["trackId"] == str(track.uuid)
    assert result["title"] == "Saturday morning"
    assert result["page"] == 2
    [highlight] = result["highlights"]
    assert "<mark>Bodhicitta</mark> is the wish to awaken" in highlight
    assert len(highlight) < 400  # a fragment, not the whole page


def test_it_lists_a_transcript_once_at_its_best_page(find):
    transcript = transcript_of(
        track_in(), ["Emptiness once. " + FILLER, "Emptiness, emptiness and emptiness again. " + FILLER, FILLER]
    )

    body = find("emptiness")

    assert body["totalCount"] == 1
    assert body["results"][0]["id"] == str(transcript.uuid) and body["results"][0]["page"] == 2


def test_it_escapes_html_in_highlights(find):
    transcript_of(track_in(), ["Rigpa <script>alert(1)</script> & awareness."])

    [result] = find("awareness")["results"]

    assert "<script>" not in result["highlights"][0]
    assert "<mark>awareness</mark>" in result["highlights"][0]


def test_it_ranks_a_title_hit_above_a_deep_transcript_hit(find):
    deep = track_in(title="Sunday afternoon")
    transcript_of(deep, [FILLER] * 30 + [("Impermanence. " * 12) + FILLER])
    titled = track_in(title="Impermanence")

    results = find("impermanence")["results"]

    assert [r["trackId"] for r in results] == [str(titled.uuid), str(deep.uuid)]
    assert results[0]["relevanceScore"] > results[1]["relevanceScore"]


def test_it_ranks_a_title_hit_above_a_description_hit(find):
    described = track_in(title="Evening talk", description="About refuge and devotion.")
    titled = track_in(title="Refuge")

    assert ids(find("refuge")) == [str(titled.uuid), str(described.uuid)]


def test_it_understands_phrases_and_exclusions(find):
    both = track_in(title="Calm abiding and clear seeing")
    apart = track_in(title="Seeing is clear when abiding is calm")

    assert ids(find('"calm abiding"')) == [str(both.uuid)]
    assert set(ids(find("calm abiding"))) == {str(both.uuid), str(apart.uuid)}
    assert ids(find("calm -clear")) == []
    assert ids(find("abiding -seeing")) == []


def test_it_filters_by_type(find):
    track = track_in(title="Devotion")
    transcript = transcript_of(track_in(title="Other"), ["On devotion."])

    assert ids(find("devotion", type="track")) == [str(track.uuid)]
    assert ids(find("devotion", type="transcript")) == [str(transcript.uuid)]


def test_it_filters_by_content_language(find, user):
    user.content_language = "en-pt"
    user.save()
    session = make_session(make_retreat())
    english = make_track(session, title="Devotion and practice")
    portuguese = make_track(session, title="Devoção e prática", language="pt", original=english, order=english.order)

    assert ids(find("devotion", language="en")) == [str(english.uuid)]
    assert ids(find("devoção", language="pt")) == [str(portuguese.uuid)]


def test_it_pages_through_results(find):
    for n in range(5):
        track_in(title=f"Patience {n}")

    first = find("patience", limit=2)
    last = find("patience", limit=2, offset=4)
    beyond = find("patience", limit=2, offset=10)

    assert first["totalCount"] == 5 and first["hasMore"] is True and len(first["results"]) == 2
    assert last["totalCount"] == 5 and last["hasMore"] is False and len(last["results"]) == 1
    assert beyond == {"results": [], "totalCount": 5, "hasMore": False}
    every = ids(find("patience", limit=2)) + ids(find("patience", limit=2, offset=2)) + ids(last)
    assert len(set(every)) == 5


def test_it_finds_other_languages_without_stemming(find):
    track = track_in(title="Dewachen mönlam", language="tib")
    transcript = transcript_of(track, ["Dewachen mönlam recitation."])

    body = find("monlam")

    assert {(r["id"], r["language"]) for r in body["results"]} == {
        (str(track.uuid), "tib"),
        (str(transcript.uuid), "tib"),
    }
