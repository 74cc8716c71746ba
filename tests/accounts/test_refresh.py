import datetime

from django.utils import timezone

from accounts.models import RefreshToken


def test_it_issues_new_tokens_and_rotates_the_refresh_token(api, tokens):
    response = api.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]})
    assert response.status_code == 200
    body = response.json()
    assert {"accessToken", "idToken", "expiresIn", "refreshToken"} <= set(body)
    assert body["refreshToken"] != tokens["refreshToken"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {body['accessToken']}")
    assert api.get("/api/v1/user/profile").status_code == 200


def test_it_stores_refresh_tokens_hashed(tokens):
    row = RefreshToken.objects.get()
    assert tokens["refreshToken"] not in row.token_hash
    assert len(row.token_hash) == 64


def test_it_refuses_a_rotated_token_and_ends_its_session(api, tokens):
    new = api.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]}).json()["refreshToken"]
    replay = api.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]})
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "invalid_token"
    # The copy was used: the legitimate holder's newer token dies with it.
    assert api.post("/api/v1/auth/refresh", {"refreshToken": new}).status_code == 401


def test_it_refuses_a_refresh_token_after_logout(api, tokens):
    response = api.post("/api/v1/auth/logout", {"refreshToken": tokens["refreshToken"]})
    assert response.status_code == 200
    refused = api.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_token"


def test_it_refuses_an_expired_refresh_token(api, tokens):
    RefreshToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert api.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]}).status_code == 401


def test_it_refuses_an_unknown_refresh_token(api, db):
    response = api.post("/api/v1/auth/refresh", {"refreshToken": "made-up"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_it_keeps_other_sessions_on_logout(api, tokens, login):
    other = login()
    api.post("/api/v1/auth/logout", {"refreshToken": tokens["refreshToken"]})
    assert api.post("/api/v1/auth/refresh", {"refreshToken": other["refreshToken"]}).status_code == 200
