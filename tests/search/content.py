"""Builders the search tests share."""

from tests.factories import make_retreat, make_session, make_track, make_transcript


def track_in(retreat=None, **extra):
    """A track in a fresh session of ``retreat`` (a public published gathering by default)."""
    session = make_session(retreat or make_retreat())
    return make_track(session, **extra)


def transcript_of(track, pages, **extra):
    return make_transcript(track, pages=pages, **extra)
