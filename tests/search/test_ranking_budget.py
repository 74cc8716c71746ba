"""Transcript pages are ranked only when they can reach the page of results, and then only the
candidates of a cheap first pass (retreats.search.RANKED_PAGES); the count is always exact."""

import pytest

from retreats import search

from .content import track_in, transcript_of

pytestmark = [pytest.mark.django_db, pytest.mark.postgres, pytest.mark.usefixtures("postgres")]

FILLER = " ".join(["The teacher spoke about the path and the view of the practitioner."] * 20)


def test_it_counts_every_transcript_when_title_hits_fill_the_page(find):
    titled = track_in(title="Impermanence")
    transcript_of(track_in(title="Sunday"), ["Impermanence. " + FILLER])
    transcript_of(track_in(title="Monday"), ["Impermanence again. " + FILLER])

    body = find("impermanence", limit=1)

    assert [r["id"] for r in body["results"]] == [str(titled.uuid)]
    assert body["totalCount"] == 3 and body["hasMore"] is True


def test_it_ranks_transcripts_on_the_next_page_all_the_same(find):
    track_in(title="Impermanence")
    transcript = transcript_of(track_in(title="Sunday"), [FILLER, "Impermanence. " + FILLER])

    body = find("impermanence", limit=1, offset=1)

    [result] = body["results"]
    assert result["id"] == str(transcript.uuid) and result["page"] == 2


def test_it_ranks_the_transcripts_with_most_matching_pages_when_over_budget(find, monkeypatch):
    monkeypatch.setattr(search, "RANKED_PAGES", 1)
    transcript_of(track_in(title="Sunday"), ["Emptiness. " + FILLER])
    many = transcript_of(track_in(title="Monday"), ["Emptiness. " + FILLER, "Emptiness. " + FILLER])

    body = find("emptiness", type="transcript", limit=1)

    assert body["totalCount"] == 2
    assert [r["id"] for r in body["results"]] == [str(many.uuid)]


def test_it_ranks_every_matching_page_within_budget(find):
    one = transcript_of(track_in(title="Sunday"), ["Emptiness. " + FILLER])
    dense = transcript_of(track_in(title="Monday"), [FILLER, "Emptiness, emptiness, emptiness. " + FILLER])

    body = find("emptiness", type="transcript")

    assert [r["id"] for r in body["results"]] == [str(dense.uuid), str(one.uuid)]
    assert body["results"][0]["page"] == 2
