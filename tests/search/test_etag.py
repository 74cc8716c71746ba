import pytest

from retreats import search

from .conftest import URL
from .content import track_in

pytestmark = pytest.mark.django_db


def test_it_answers_304_until_the_index_changes(user_api, reindex, django_capture_on_commit_callbacks):
    track = track_in(title="Dzogchen")
    reindex()
    first = user_api.get(URL, {"q": "dzogchen"})

    assert user_api.get(URL, {"q": "dzogchen"}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        track.title = "Dzogchen view"
        track.save()
        search.index_tracks(track_ids=[track.pk])
    assert user_api.get(URL, {"q": "dzogchen"}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
