import pytest

pytestmark = pytest.mark.django_db


def test_it_serves_an_openapi_document_without_a_token(api):
    response = api.get("/api/v1/schema", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/content/retreats" in paths
    assert "/api/v1/content/track/{track_id}" in paths


def test_it_serves_swagger_ui_from_local_assets(api):
    response = api.get("/api/v1/docs")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    assert b"cdn." not in response.content


def test_it_generates_a_valid_schema_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_it_lists_each_operation_once_without_the_trailing_slash_twin(api):
    paths = api.get("/api/v1/schema", HTTP_ACCEPT="application/json").json()["paths"]

    assert not [path for path in paths if path.endswith("/")]
