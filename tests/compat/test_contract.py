"""A client of docs/compat-api.md: every endpoint, for each seeded caller (anonymous included),
checked for status, keys, types, casing, ``Z`` times, flat errors and no slash redirects."""

import re

import pytest

from compat import dataset as e2e

from .conftest import CALLERS, OPENS, USER_KEYS

Z_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
# Keys the contract writes in snake_case.
SNAKE_KEYS = {
    "access_token",
    "refresh_token",
    "request_id",
    "download_url",
    "progress_percent",
    "error_message",
    "expires_in",
    "dharma_name",
    "retreat_groups",
    "created_at",
    "last_login",
    "device_name",
    "device_type",
    "activated_at",
    "last_used",
}

EVENT_KEYS = {
    "id",
    "titleEn",
    "titlePt",
    "mainThemesEn",
    "mainThemesPt",
    "startDate",
    "endDate",
    "status",
    "audience",
    "featuredAt",
    "createdAt",
    "updatedAt",
    "eventTeachers",
    "eventPlaces",
    "eventRetreatGroups",
}
SESSION_KEYS = {
    "id",
    "titleEn",
    "titlePt",
    "sessionNumber",
    "timePeriod",
    "partNumber",
    "sessionDate",
    "eventId",
    "tracks",
}
TRACK_KEYS = {
    "id",
    "title",
    "durationSeconds",
    "fileSizeBytes",
    "trackNumber",
    "sessionId",
    "originalLanguage",
    "languages",
    "speaker",
    "speakerName",
    "isTranslation",
    "isPractice",
    "hasReadAlong",
}
GROUP_KEYS = {"id", "nameEn", "namePt", "abbreviation", "slug", "createdAt", "updatedAt"}
USER_KEYS_SHAPE = {
    "id",
    "name",
    "email",
    "avatar",
    "dharma_name",
    "retreat_groups",
    "preferences",
    "subscription",
    "created_at",
    "last_login",
}


def check_casing(body) -> None:
    """camelCase keys everywhere, but for the contract's snake_case ones; times end in Z."""
    if isinstance(body, dict):
        for key, value in body.items():
            assert "_" not in key or key in SNAKE_KEYS, f"{key} is not camelCase"
            if isinstance(value, str) and (key.endswith("At") or key in ("lastPlayed", "created_at", "last_login")):
                assert Z_TIME.match(value), f"{key}={value} is not a UTC time with Z"
            check_casing(value)
    elif isinstance(body, list):
        for item in body:
            check_casing(item)


def check_error(response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["code"], str) and re.match(r"^[a-z_]+$", body["code"])
    if code:
        assert body["code"] == code


def check_event(event: dict) -> None:
    assert set(event) >= EVENT_KEYS
    assert isinstance(event["id"], int)
    assert DATE.match(event["startDate"]) and DATE.match(event["endDate"])
    assert event["status"] in ("draft", "published", "archived")
    assert set(event["audience"]) == {"slug"}
    for link in event["eventTeachers"]:
        assert {"id", "name", "abbreviation", "photoUrl", "avatarUrl", "heroUrl"} <= set(link["teacher"])
    for link in event["eventRetreatGroups"]:
        assert link["retreatGroupId"] == link["retreatGroup"]["id"]
        assert {"id", "nameEn", "namePt", "abbreviation"} <= set(link["retreatGroup"])


def ids(seeded, code: str) -> dict:
    return seeded["events"][code]


# --- Catalogue ---------------------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
def test_it_lists_public_events_to_everyone(as_caller, seeded, caller):
    response = as_caller(caller).get("/api/events/public")
    assert response.status_code == 200
    body = response.json()
    assert [event["id"] for event in body] == [ids(seeded, "E2E-ANYONE")["eventId"]]
    check_event(body[0])
    check_casing(body)


@pytest.mark.parametrize("caller", CALLERS)
def test_it_features_one_public_event(as_caller, seeded, caller):
    response = as_caller(caller).get("/api/events/featured")
    assert response.status_code == 200
    assert response.json()["id"] == ids(seeded, "E2E-ANYONE")["eventId"]


def test_it_features_null_without_public_events(api, db):
    response = api.get("/api/events/featured")
    assert response.status_code == 200
    assert response.content == b"null"


@pytest.mark.parametrize("caller", USER_KEYS)
def test_it_lists_the_events_each_user_may_open(as_caller, seeded, caller):
    response = as_caller(caller).get("/api/events")
    assert response.status_code == 200
    body = response.json()
    expected = {ids(seeded, code)["eventId"] for code, callers in OPENS.items() if caller in callers}
    assert {event["id"] for event in body} == expected
    for event in body:
        check_event(event)
    check_casing(body)


def test_it_asks_for_a_token_on_the_event_list(as_caller, seeded):
    response = as_caller("anonymous").get("/api/events")
    check_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("code", list(OPENS))
def test_it_opens_an_event_only_to_its_audience(as_caller, seeded, caller, code):
    event = ids(seeded, code)
    response = as_caller(caller).get(f"/api/events/{event['eventId']}")
    if caller not in OPENS[code]:
        check_error(response, 403)
        return
    assert response.status_code == 200
    body = response.json()
    check_event(body)
    check_casing(body)
    assert body["titleEn"] == e2e.event_title(code)
    assert [session["id"] for session in body["sessions"]] == event["sessionIds"]
    session = body["sessions"][0]
    assert set(session) >= SESSION_KEYS and session["timePeriod"] == "morning"
    assert [track["id"] for track in session["tracks"]] == event["trackIds"]
    for track in session["tracks"]:
        assert set(track) >= TRACK_KEYS
        assert isinstance(track["durationSeconds"], int) and track["sessionId"] == session["id"]
    assert [transcript["id"] for transcript in body["transcripts"]] == event["transcriptIds"]
    assert {"id", "language", "pageCount", "updatedAt", "originalFilename"} <= set(body["transcripts"][0])


@pytest.mark.parametrize("caller", CALLERS)
def test_it_opens_public_events_by_their_public_path_only(as_caller, seeded, caller):
    client = as_caller(caller)
    assert client.get(f"/api/events/public/{ids(seeded, 'E2E-ANYONE')['eventId']}").status_code == 200
    check_error(client.get(f"/api/events/public/{ids(seeded, 'E2E-SUBS')['eventId']}"), 403)


def test_it_answers_404_for_an_unknown_event(as_caller, seeded):
    check_error(as_caller("admin").get("/api/events/999999"), 404, "not_found")


def test_it_treats_a_bad_token_as_anonymous_on_public_endpoints(seeded, api):
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert api.get("/api/events/public").status_code == 200
    assert api.get(f"/api/events/{ids(seeded, 'E2E-ANYONE')['eventId']}").status_code == 200
    check_error(api.get("/api/events"), 401)


@pytest.mark.parametrize("caller", USER_KEYS)
def test_it_lists_the_groups_of_each_user(as_caller, seeded, caller):
    response = as_caller(caller).get("/api/groups")
    assert response.status_code == 200
    body = response.json()
    check_casing(body)
    expected = [seeded["groups"][0]["id"]] if caller in ("groupmember", "admin") else []
    assert [group["id"] for group in body] == expected
    for group in body:
        assert set(group) >= GROUP_KEYS


@pytest.mark.parametrize("key", ["id", "slug", "abbreviation", "abbreviation-lower"])
def test_it_finds_a_group_by_id_slug_or_abbreviation(as_caller, seeded, key):
    group = seeded["groups"][0]
    value = {
        "id": group["id"],
        "slug": group["slug"],
        "abbreviation": group["abbreviation"],
        "abbreviation-lower": group["abbreviation"].lower(),
    }[key]
    response = as_caller("groupmember").get(f"/api/groups/{value}/events")
    assert response.status_code == 200
    assert [event["id"] for event in response.json()] == [ids(seeded, "E2E-GROUP")["eventId"]]


def test_it_shows_a_non_member_no_events_of_the_group(as_caller, seeded):
    response = as_caller("subscriber").get(f"/api/groups/{seeded['groups'][0]['id']}/events")
    assert response.status_code == 200 and response.json() == []
    check_error(as_caller("subscriber").get("/api/groups/nope/events"), 404)


@pytest.mark.parametrize("caller", CALLERS)
def test_it_lists_teachers(as_caller, seeded, caller):
    body = as_caller(caller).get("/api/teachers").json()
    assert [teacher["abbreviation"] for teacher in body] == ["E2ET"]
    check_casing(body)
    assert as_caller(caller).get("/api/teachers/e2et").json()["name"] == "E2E Teacher"
    check_error(as_caller(caller).get("/api/teachers/NOPE"), 404)


def test_a_teacher_carries_their_photos(as_caller, seeded):
    from retreats.models import Teacher

    assert as_caller("anonymous").get("/api/teachers/E2ET").json()["avatarUrl"] is None
    Teacher.objects.filter(abbreviation="E2ET").update(
        avatar="teachers/avatars/e2et.jpg", hero="teachers/heroes/e2et.jpg"
    )
    body = as_caller("anonymous").get("/api/teachers/E2ET").json()
    assert "e2et.jpg" in body["avatarUrl"] and "e2et.jpg" in body["heroUrl"]
    assert body["photoUrl"] == body["avatarUrl"] and body["avatarUpdatedAt"].endswith("Z")


@pytest.mark.parametrize("caller", CALLERS)
def test_it_lists_no_publications(as_caller, seeded, caller):
    response = as_caller(caller).get("/api/publications?sort=recent&language=en")
    assert response.json() == {"publications": [], "hasHiddenPublications": False}
    check_error(as_caller(caller).get("/api/publications/1"), 404)
    check_error(as_caller(caller).get("/api/publications/1/pdf"), 404)


@pytest.mark.parametrize("caller", CALLERS)
def test_it_tells_sync_versions(as_caller, seeded, caller):
    body = as_caller(caller).get("/api/sync/versions").json()
    assert set(body) == {"events", "groups", "teachers", "publications"}
    for versions in body.values():
        assert set(versions) == {"global", "user"}
        assert all(isinstance(value, int) for value in versions.values())


@pytest.mark.parametrize("caller", CALLERS)
def test_it_searches_what_each_caller_may_open(as_caller, seeded, caller):
    response = as_caller(caller).get("/api/search?q=E2E&lang=en")
    assert response.status_code == 200
    body = response.json()
    check_casing(body)
    assert set(body) == {"results", "totalResults", "query"} and body["query"] == "E2E"
    expected = {ids(seeded, code)["eventId"] for code, callers in OPENS.items() if caller in callers}
    assert {result["event"]["id"] for result in body["results"]} == expected
    assert body["totalResults"] == len(expected)
    for result in body["results"]:
        assert {"event", "sessions", "snippets", "totalScore"} <= set(result)
        assert {"id", "titleEn", "titlePt", "startDate", "endDate", "teachers"} <= set(result["event"])
        for session in result["sessions"]:
            assert {"id", "titleEn", "sessionNumber", "score", "matchedFields", "matchedTracks"} <= set(session)


def test_it_finds_an_event_by_its_title(as_caller, seeded):
    body = as_caller("groupmember").get("/api/search?q=Retreat Group Members").json()
    assert [result["event"]["id"] for result in body["results"]] == [ids(seeded, "E2E-GROUP")["eventId"]]
    assert as_caller("groupmember").get("/api/search?q=zzznomatchzzz").json()["results"] == []


# --- Listening and bookmarks -------------------------------------------------------------


def test_it_records_progress_and_reads_it_back(as_caller, seeded):
    client = as_caller("groupmember")
    track_id = ids(seeded, "E2E-GROUP")["trackIds"][0]
    response = client.post("/api/content/progress", {"trackId": track_id, "positionSeconds": 3}, format="json")
    assert response.status_code == 200
    row = response.json()
    assert row["trackId"] == track_id and row["positionSeconds"] == 3
    assert row["completionPct"] == 50 and row["isCompleted"] is False
    assert Z_TIME.match(row["lastPlayed"])
    # A rewind is taken as it comes.
    client.post("/api/content/progress", {"trackId": track_id, "positionSeconds": 1}, format="json")
    assert client.get(f"/api/content/progress/{track_id}").json()["positionSeconds"] == 1
    listed = client.get("/api/content/progress").json()
    assert [item["trackId"] for item in listed] == [track_id]
    check_casing(listed)
    last = client.get("/api/content/last-played").json()
    assert last["trackId"] == track_id and last["event"]["id"] == ids(seeded, "E2E-GROUP")["eventId"]
    assert {"track", "session", "event", "positionSeconds", "isCompleted", "lastPlayed"} <= set(last)


def test_it_marks_a_track_completed_near_its_end(as_caller, seeded):
    client = as_caller("nosub")
    track_id = ids(seeded, "E2E-ANYONE")["trackIds"][1]
    row = client.post("/api/content/progress", {"trackId": track_id, "positionSeconds": 6}, format="json").json()
    assert row["isCompleted"] is True and row["completionPct"] == 100


@pytest.mark.parametrize("code", ["E2E-SUBS", None])
def test_it_skips_progress_on_locked_or_unknown_tracks(as_caller, seeded, code):
    track_id = ids(seeded, code)["trackIds"][0] if code else 999999
    response = as_caller("nosub").post(
        "/api/content/progress", {"trackId": track_id, "positionSeconds": 1}, format="json"
    )
    assert response.status_code == 200 and response.json()["skipped"] is True


def test_it_answers_empty_progress_for_an_unplayed_track(as_caller, seeded):
    body = as_caller("nosub").get(f"/api/content/progress/{ids(seeded, 'E2E-ANYONE')['trackIds'][0]}").json()
    assert body == {"positionSeconds": 0, "completionPct": 0, "isCompleted": False}
    assert as_caller("nosub").get("/api/content/last-played").content == b"null"


@pytest.mark.parametrize("body", [{}, {"trackId": "x", "positionSeconds": 1}, {"trackId": 1, "positionSeconds": -1}])
def test_it_refuses_bad_progress_with_a_flat_error(as_caller, seeded, body):
    check_error(as_caller("nosub").post("/api/content/progress", body, format="json"), 400, "validation_error")


def test_it_keeps_track_bookmarks(as_caller, seeded):
    client = as_caller("subscriber")
    track_id = ids(seeded, "E2E-SUBS")["trackIds"][0]
    created = client.post("/api/content/track-bookmarks", {"trackId": track_id}, format="json")
    assert created.status_code == 201
    row = created.json()
    assert row["trackId"] == track_id and row["track"]["session"]["event"]["id"] == ids(seeded, "E2E-SUBS")["eventId"]
    again = client.post("/api/content/track-bookmarks", {"trackId": track_id}, format="json").json()
    assert again["id"] == row["id"]
    listed = client.get("/api/content/track-bookmarks").json()
    assert [item["trackId"] for item in listed] == [track_id]
    check_casing(listed)
    assert client.delete(f"/api/content/track-bookmarks/{track_id}").status_code == 204
    check_error(client.delete(f"/api/content/track-bookmarks/{track_id}"), 404)


def test_it_refuses_bookmarks_of_locked_tracks(as_caller, seeded):
    track_id = ids(seeded, "E2E-PART")["trackIds"][0]
    check_error(as_caller("subscriber").post("/api/content/track-bookmarks", {"trackId": track_id}, format="json"), 403)


def test_it_keeps_event_bookmarks(as_caller, seeded):
    client = as_caller("granted")
    event_id = ids(seeded, "E2E-INIT")["eventId"]
    created = client.post("/api/content/event-bookmarks", {"eventId": event_id}, format="json")
    assert created.status_code == 201
    assert created.json()["event"]["id"] == event_id
    listed = client.get("/api/content/event-bookmarks").json()
    assert [item["eventId"] for item in listed] == [event_id]
    check_event(listed[0]["event"])
    assert client.delete(f"/api/content/event-bookmarks/{event_id}").status_code == 204
    check_error(client.delete(f"/api/content/event-bookmarks/{event_id}"), 404)


def test_it_does_not_bookmark_an_event_the_user_may_not_open(as_caller, seeded):
    event_id = ids(seeded, "E2E-INIT")["eventId"]
    check_error(as_caller("subscriber").post("/api/content/event-bookmarks", {"eventId": event_id}, format="json"), 404)


def test_it_does_not_delete_another_users_bookmark(as_caller, seeded):
    event_id = ids(seeded, "E2E-ANYONE")["eventId"]
    as_caller("nosub").post("/api/content/event-bookmarks", {"eventId": event_id}, format="json")
    check_error(as_caller("subscriber").delete(f"/api/content/event-bookmarks/{event_id}"), 404)
    assert len(as_caller("nosub").get("/api/content/event-bookmarks").json()) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/content/progress",
        "/api/content/last-played",
        "/api/content/track-bookmarks",
        "/api/content/event-bookmarks",
        "/api/groups",
        "/api/auth/user",
        "/api/auth/devices",
    ],
)
def test_it_asks_anonymous_callers_for_a_token(as_caller, seeded, path):
    check_error(as_caller("anonymous").get(path), 401)


# --- Media and downloads -----------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("code", ["E2E-ANYONE", "E2E-PART"])
def test_it_signs_audio_only_for_the_audience(as_caller, seeded, caller, code):
    track_id = ids(seeded, code)["trackIds"][0]
    response = as_caller(caller).get(f"/api/media/audio/{track_id}")
    if caller not in OPENS[code]:
        check_error(response, 403)
        return
    body = response.json()
    assert set(body) == {"url", "expiresIn"} and body["expiresIn"] >= 6 + 15 * 60


def test_it_serves_a_transcript_pdf_with_the_token_in_the_query(as_caller, seeded, api):
    from .conftest import access_token, seeded_user

    transcript_id = ids(seeded, "E2E-PART")["transcriptIds"][0]
    response = api.get(f"/api/media/transcript/{transcript_id}?token={access_token(seeded_user('participant'))}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "filename=" in response["Content-Disposition"]
    served = b"".join(response.streaming_content)
    assert served.startswith(b"%PDF")
    # the listener's own watermarked copy, as through /api/v1: their email in every page's footer
    from io import BytesIO

    from pypdf import PdfReader

    email = seeded_user("participant").email
    assert all(email in page.extract_text() for page in PdfReader(BytesIO(served)).pages)
    check_error(as_caller("nosub").get(f"/api/media/transcript/{transcript_id}"), 403)
    check_error(as_caller("nosub").get("/api/media/transcript/999999"), 404)


def test_it_serves_a_read_along_where_there_is_one(as_caller, seeded):
    from media import read_along
    from retreats.models import Track
    from tests.media.read_alongs import simple

    track_id = ids(seeded, "E2E-ANYONE")["trackIds"][0]
    check_error(as_caller("nosub").get(f"/api/media/readalong/{track_id}"), 404)

    track = Track.objects.get(pk=track_id)
    read_along.read_along_attach(track=track, document=read_along.parse(simple(), duration=track.duration))
    response = as_caller("nosub").get(f"/api/media/readalong/{track_id}")
    assert response.status_code == 200
    body = response.json()
    [first, _second] = body["clean_segments"]
    assert (first["text"], first["start"], first["end"], first["confidence"]) == ("Good morning", 0.0, 2.0, "high")
    assert first["words"][0] == {"word": "Good", "start": 0.0, "end": 0.8, "confidence": "high"}
    assert body["stats"] == {"clean_words": 4, "words_high": 4, "words_medium": 0, "words_low": 0, "usable_pct": 100.0}
    event = as_caller("nosub").get(f"/api/events/{ids(seeded, 'E2E-ANYONE')['eventId']}").json()
    tracks = [t for session in event["sessions"] for t in session["tracks"]]
    assert [t["hasReadAlong"] for t in tracks if t["id"] == track_id] == [True]


def test_it_builds_an_event_download(as_caller, seeded, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client = as_caller("participant")
    response = client.post(f"/api/events/{ids(seeded, 'E2E-PART')['eventId']}/request-download")
    assert response.status_code == 202
    request_id = response.json()["request_id"]
    status = client.get(f"/api/download-requests/{request_id}/status").json()
    assert set(status) == {"status", "progress_percent", "error_message"}
    assert status["status"] in ("pending", "processing", "ready")
    # Another user who may not play the event learns nothing of it.
    check_error(as_caller("nosub").get(f"/api/download-requests/{request_id}/status"), 404)
    check_error(as_caller("nosub").post(f"/api/events/{ids(seeded, 'E2E-PART')['eventId']}/request-download"), 403)


def test_it_hands_out_a_ready_download(as_caller, seeded):
    from media.bundles import bundle_build
    from media.models import DownloadBundle

    client = as_caller("nosub")
    request_id = client.post(f"/api/events/public/{ids(seeded, 'E2E-ANYONE')['eventId']}/request-download").json()[
        "request_id"
    ]
    check_error(client.get(f"/api/download-requests/{request_id}/download"), 409, "not_ready")
    bundle_build(bundle_id=DownloadBundle.objects.get(uuid=request_id).pk)
    assert client.get(f"/api/download-requests/{request_id}/status").json()["status"] == "ready"
    body = client.get(f"/api/download-requests/{request_id}/download").json()
    assert body["success"] is True and body["download_url"]


# --- Conventions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/events/", "/api/sync/versions/", "/api/teachers/", "/api/search/", "/api/nothing-here"]
)
def test_it_never_redirects_a_trailing_slash_and_answers_a_flat_404(as_caller, seeded, path):
    response = as_caller("admin").get(path)
    check_error(response, 404, "not_found")


def test_it_keeps_the_v1_envelope_under_api_v1(api, db):
    body = api.get("/api/v1/nothing-here").json()
    assert isinstance(body["error"], dict) and body["error"]["code"] == "not_found"


def test_it_answers_a_flat_error_for_a_bad_json_body(as_caller, seeded):
    response = as_caller("nosub").generic("POST", "/api/content/progress", "{nope", content_type="application/json")
    check_error(response, 400)


def test_it_answers_cors_for_the_apps_web_origin(seeded, api, settings):
    settings.CORS_ALLOWED_ORIGINS = ["http://localhost:8181"]
    response = api.options(
        "/api/events/public",
        HTTP_ORIGIN="http://localhost:8181",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )
    assert response["Access-Control-Allow-Origin"] == "http://localhost:8181"
    assert "authorization" in response["Access-Control-Allow-Headers"].lower()


# --- Test support ------------------------------------------------------------------------


def test_it_hides_test_support_unless_the_setting_is_on(api, seeded):
    check_error(api.get("/api/test/dataset"), 404)
    check_error(api.post("/api/test/token", {"userId": 1}, format="json"), 404)


def test_it_mints_tokens_and_tells_the_dataset_with_test_support_on(api, seeded, settings):
    settings.COMPAT_TEST_SUPPORT = True
    user = api.get("/api/test/user-by-email?email=e2e-admin@example.com").json()
    assert user["role"] == "admin" and isinstance(user["id"], int)
    token = api.post("/api/test/token", {"userId": user["id"], "email": user["email"], "role": "admin"}, format="json")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['token']}")
    assert len(api.get("/api/events").json()) == 6
    body = api.get("/api/test/dataset").json()
    assert set(body["events"]) == set(OPENS)
    assert body["groups"][0]["nameEn"] == e2e.GROUP_NAME
    check_error(api.get("/api/test/user-by-email?email=nobody@example.com"), 404)


# --- Calls the app makes beyond the written contract --------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("code", ["E2E-ANYONE", "E2E-GROUP"])
def test_it_opens_a_session_and_a_track_under_the_events_rule(as_caller, seeded, caller, code):
    event = ids(seeded, code)
    client = as_caller(caller)
    session = client.get(f"/api/events/sessions/{event['sessionIds'][0]}")
    track = client.get(f"/api/events/tracks/{event['trackIds'][0]}")
    if caller not in OPENS[code]:
        check_error(session, 403)
        check_error(track, 403)
        return
    body = session.json()
    assert set(body) >= SESSION_KEYS and body["event"]["id"] == event["eventId"]
    assert [row["id"] for row in body["tracks"]] == event["trackIds"]
    body = track.json()
    assert set(body) >= TRACK_KEYS and body["session"]["event"]["id"] == event["eventId"]
    check_casing(body)


def test_it_answers_404_for_an_unknown_session_or_track(as_caller, seeded):
    check_error(as_caller("admin").get("/api/events/sessions/999999"), 404)
    check_error(as_caller("admin").get("/api/events/tracks/999999"), 404)
