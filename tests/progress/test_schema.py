import pytest

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/progress/track": "post",
    "/api/v1/progress/sync": "post",
    "/api/v1/progress/user": "get",
    "/api/v1/progress/stats": "get",
    "/api/v1/progress/bookmark": "post",
    "/api/v1/progress/bookmark/{bookmark_id}": "delete",
    "/api/v1/progress/bookmarks": "get",
    "/api/v1/progress/highlight": "post",
    "/api/v1/progress/highlight/{highlight_id}": "delete",
    "/api/v1/progress/highlights": "get",
}


def test_it_documents_every_progress_endpoint_in_camel_case(api):
    schema = api.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    for path, method in PATHS.items():
        assert method in schema["paths"][path], path
    components = schema["components"]["schemas"]
    assert set(components["SyncEventRequest"]["properties"]) == {
        "eventId", "trackId", "position", "completed", "playedAt", "sessionData",
    }  # fmt: skip
    assert set(components["SessionDataRequest"]["properties"]) == {"startTime", "endTime", "deviceInfo"}
    assert "rejected" in components["SyncResponse"]["properties"]
    assert set(components["RejectedEvent"]["properties"]) == {"eventId", "trackId", "code", "reason"}
    assert sorted(components["RejectedEvent"]["required"]) == ["code", "eventId", "trackId"]
