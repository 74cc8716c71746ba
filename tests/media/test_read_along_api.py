import gzip

import orjson
import pytest
from django.core.files.storage import default_storage

from media import read_along
from tests import factories
from tests.media.read_alongs import document, simple

pytestmark = pytest.mark.django_db


def url(track) -> str:
    return f"/api/v1/content/track/{track.uuid}/read-along"


def attach(track, raw: bytes | None = None):
    return read_along.read_along_attach(
        track=track, document=read_along.parse(raw or simple(), duration=track.duration)
    )


@pytest.fixture
def staff_api(api, staff):
    api.force_authenticate(staff)
    return api


def test_it_serves_the_read_along_to_whoever_may_play_the_track(api, public_track, storage):
    attach(public_track)

    response = api.get(url(public_track))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = orjson.loads(response.content)
    assert [w["text"] for s in body["segments"] for w in s["words"]] == ["Good", "morning", "Let", "us"]


def test_it_keeps_the_read_along_in_storage_and_its_version_on_the_track(public_track, storage):
    track = attach(public_track)

    track.refresh_from_db()
    assert track.read_along_checksum == read_along.parse(simple(), duration=120).checksum
    assert track.read_along_file.name.endswith(".json.gz")
    with default_storage.open(track.read_along_file.name, "rb") as fh:
        assert orjson.loads(gzip.decompress(fh.read()))["version"] == 1


def test_it_deletes_the_previous_version_once_replaced(public_track, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = attach(public_track).read_along_file.name
    with django_capture_on_commit_callbacks(execute=True):
        second = attach(public_track, document((0.0, 1.0, [("Other", 0.0, 1.0)]))).read_along_file.name

    assert first != second
    assert not default_storage.exists(first) and default_storage.exists(second)


def test_it_compresses_when_the_client_accepts_gzip(api, public_track):
    attach(public_track)

    response = api.get(url(public_track), HTTP_ACCEPT_ENCODING="br, gzip;q=0.8")

    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert orjson.loads(gzip.decompress(response.content))["segments"]


def test_it_does_not_compress_when_gzip_is_refused(api, public_track):
    attach(public_track)

    response = api.get(url(public_track), HTTP_ACCEPT_ENCODING="gzip;q=0, identity")

    assert not response.has_header("Content-Encoding")
    assert orjson.loads(response.content)["segments"]


def test_it_answers_304_to_a_matching_etag(api, public_track):
    attach(public_track)
    etag = api.get(url(public_track))["ETag"]

    response = api.get(url(public_track), HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response.content == b""


def test_it_changes_its_etag_with_a_new_version(api, public_track):
    attach(public_track)
    etag = api.get(url(public_track))["ETag"]
    attach(public_track, document((0.0, 1.0, [("Other", 0.0, 1.0)])))

    response = api.get(url(public_track), HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200 and response["ETag"] != etag


def test_it_answers_404_when_the_track_has_none(api, public_track):
    response = api.get(url(public_track))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_answers_locked_for_a_track_the_user_may_not_play(user_api):
    track = factories.make_track(factories.make_session(factories.make_retreat(audience="retreat-group-members")))
    attach(track)

    response = user_api.get(url(track))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "locked"
    assert response.json()["error"]["details"] == {"reason": "subscription_required"}


def test_it_answers_locked_before_looking_at_an_etag(user_api):
    track = factories.make_track(factories.make_session(factories.make_retreat(audience="free-subscribers")))
    attach(track)

    assert user_api.get(url(track), HTTP_IF_NONE_MATCH="*").status_code == 403


def test_it_hides_tracks_of_drafts_and_unknown_ids(user_api):
    track = factories.make_track(factories.make_session(factories.make_retreat(status="draft")))
    attach(track)

    assert user_api.get(url(track)).status_code == 404
    assert user_api.get("/api/v1/content/track/7c9e6679-7425-40de-944b-e07fc1f90ae7/read-along").status_code == 404


def test_it_serves_a_member_the_track_of_their_group(user_api, user):
    group = factories.make_group()
    factories.subscribe(user)
    factories.make_member(user, group)
    track = factories.make_track(
        factories.make_session(factories.make_retreat(groups=[group], audience="retreat-group-members"))
    )
    attach(track)

    assert user_api.get(url(track)).status_code == 200


def test_it_costs_a_fixed_number_of_queries(user_api, public_track, django_assert_num_queries):
    attach(public_track)
    user_api.get(url(public_track))  # the read-along's bytes and the access profile are now in the cache

    # the track with its gathering
    with django_assert_num_queries(1):
        assert user_api.get(url(public_track)).status_code == 200


# --- Staff upload through the API ---------------------------------------------------------


def test_staff_add_a_read_along(staff_api, public_track, api):
    response = staff_api.put(url(public_track), simple(), content_type="application/json")

    assert response.status_code == 200
    assert response.json() == {
        "hasReadAlong": True,
        "version": read_along.parse(simple(), duration=120).checksum,
        "segmentCount": 2,
        "wordCount": 4,
    }
    assert api.get(f"/api/v1/content/track/{public_track.uuid}").json()["hasReadAlong"] is True


def test_it_names_the_first_bad_segment_in_the_envelope(staff_api, public_track):
    raw = document((0.0, 62.0, [("one", 0.0, 1.0)]), (61.2, 63.0, [("two", 61.2, 62.5)]))

    response = staff_api.put(url(public_track), raw, content_type="application/json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"] == "segment 2: starts at 61.2 s, before segment 1 ends (62.0 s)."
    assert error["details"] == {"segment": 2}


def test_it_refuses_a_body_that_is_not_json(staff_api, public_track):
    response = staff_api.put(url(public_track), b"{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("The read-along is not JSON")


def test_it_refuses_a_huge_body_unread(staff_api, public_track, settings):
    settings.READ_ALONG_MAX_BYTES = 2000

    response = staff_api.put(url(public_track), b" " * 5000, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert response.json()["error"]["details"] == {"maxBytes": 2000}


def test_it_takes_a_read_along_larger_than_the_api_body_limit(staff_api, public_track, settings):
    settings.API_MAX_BODY_SIZE = 100

    assert staff_api.put(url(public_track), simple(), content_type="application/json").status_code == 200


def test_listeners_cannot_add_or_remove_one(user_api, public_track):
    assert user_api.put(url(public_track), simple(), content_type="application/json").status_code == 403
    attach(public_track)
    assert user_api.delete(url(public_track)).status_code == 403
    public_track.refresh_from_db()
    assert public_track.has_read_along


def test_a_caller_without_a_token_cannot_add_one(api, public_track):
    assert api.put(url(public_track), simple(), content_type="application/json").status_code == 401


def test_staff_remove_a_read_along(staff_api, public_track, api):
    attach(public_track)

    assert staff_api.delete(url(public_track)).status_code == 204
    assert api.get(url(public_track)).status_code == 404
    assert staff_api.delete(url(public_track)).status_code == 404
