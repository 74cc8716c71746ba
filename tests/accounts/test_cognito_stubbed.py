"""Cognito calls moto's server gets wrong (docs/field-notes.md: revoke_token and
resend_confirmation_code answer 500, no SECRET_HASH checks, refresh with a client secret),
checked against recorded Cognito responses with botocore's Stubber."""

import jwt
import pytest
from botocore.stub import ANY

from accounts.models import User

from .cognito_stub import CLIENT_ID, POOL, SECRET, SESSION, secret_hash


def _id_token(sub="7b1c2d3e-0000-4000-8000-000000000001", email="ana@example.org"):
    # Read without verification by the provider (it comes straight from Cognito over TLS).
    return jwt.encode(
        {"sub": sub, "email": email, "email_verified": True, "token_use": "id"}, "k" * 32, algorithm="HS256"
    )


AUTH_RESULT = {
    "AuthenticationResult": {
        "AccessToken": "access.jwt.value",
        "IdToken": _id_token(),
        "RefreshToken": "opaque-refresh",
        "ExpiresIn": 3600,
        "TokenType": "Bearer",
    }
}


def test_it_sends_secret_hash_on_login(api, stub):
    stub.add_response(
        "initiate_auth",
        AUTH_RESULT,
        {
            "ClientId": CLIENT_ID,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {
                "USERNAME": "ana@example.org",
                "PASSWORD": "pass-phrase-1",
                "SECRET_HASH": secret_hash("ana@example.org"),
            },
        },
    )
    response = api.post("/api/v1/auth/login", {"email": "ana@example.org", "password": "pass-phrase-1"})
    assert response.status_code == 200
    assert response.json()["refreshToken"] == "opaque-refresh"
    assert User.objects.get(email="ana@example.org").cognito_sub == "7b1c2d3e-0000-4000-8000-000000000001"


def test_it_answers_an_mfa_challenge(api, stub):
    stub.add_response(
        "initiate_auth", {"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": SESSION, "ChallengeParameters": {}}, None
    )
    stub.add_response(
        "respond_to_auth_challenge",
        AUTH_RESULT,
        {
            "ClientId": CLIENT_ID,
            "ChallengeName": "SOFTWARE_TOKEN_MFA",
            "Session": SESSION,
            "ChallengeResponses": {
                "USERNAME": "ana@example.org",
                "SOFTWARE_TOKEN_MFA_CODE": "123456",
                "SECRET_HASH": secret_hash("ana@example.org"),
            },
        },
    )
    challenge = api.post("/api/v1/auth/login", {"email": "ana@example.org", "password": "pass-phrase-1"}).json()
    assert challenge == {"challenge": "SOFTWARE_TOKEN_MFA", "session": SESSION}
    response = api.post("/api/v1/auth/login/mfa", {"email": "ana@example.org", "session": SESSION, "code": "123456"})
    assert response.status_code == 200
    assert response.json()["accessToken"] == "access.jwt.value"


def test_it_maps_a_wrong_mfa_code(api, stub):
    stub.add_client_error("respond_to_auth_challenge", "CodeMismatchException", "Invalid code received for user", 400)
    response = api.post("/api/v1/auth/login/mfa", {"email": "ana@example.org", "session": SESSION, "code": "000000"})
    assert response.status_code == 400
    assert response.json()["error"]["details"]["code"]


def test_it_refreshes_with_the_client_secret(api, stub):
    stub.add_response(
        "get_tokens_from_refresh_token",
        {
            "AuthenticationResult": {
                "AccessToken": "new.access",
                "IdToken": "new.id",
                "ExpiresIn": 3600,
                "TokenType": "Bearer",
            }
        },
        {"RefreshToken": "opaque-refresh", "ClientId": CLIENT_ID, "ClientSecret": SECRET},
    )
    response = api.post("/api/v1/auth/refresh", {"refreshToken": "opaque-refresh"})
    assert response.status_code == 200
    assert response.json() == {"accessToken": "new.access", "idToken": "new.id", "expiresIn": 3600}


def test_it_answers_invalid_token_for_a_revoked_refresh_token(api, stub):
    stub.add_client_error(
        "get_tokens_from_refresh_token", "NotAuthorizedException", "Refresh Token has been revoked", 400
    )
    response = api.post("/api/v1/auth/refresh", {"refreshToken": "revoked"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_it_revokes_the_refresh_token_on_logout(api, stub):
    stub.add_response("revoke_token", {}, {"Token": "opaque-refresh", "ClientId": CLIENT_ID, "ClientSecret": SECRET})
    response = api.post("/api/v1/auth/logout", {"refreshToken": "opaque-refresh"})
    assert response.status_code == 200


def test_it_resends_the_confirmation_code_with_secret_hash(api, stub):
    stub.add_response(
        "resend_confirmation_code",
        {"CodeDeliveryDetails": {"Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}},
        {"ClientId": CLIENT_ID, "Username": "ana@example.org", "SecretHash": secret_hash("ana@example.org")},
    )
    assert api.post("/api/v1/auth/resend-verification", {"email": "ana@example.org"}).status_code == 202


def test_it_hides_an_unknown_email_on_resend(api, stub):
    stub.add_client_error(
        "resend_confirmation_code", "UserNotFoundException", "Username/client id combination not found.", 400
    )
    response = api.post("/api/v1/auth/resend-verification", {"email": "nobody@example.org"})
    assert response.status_code == 202


@pytest.mark.parametrize(
    ("cognito_code", "status", "code"),
    [
        ("CodeMismatchException", 400, "validation_error"),
        ("ExpiredCodeException", 400, "validation_error"),
        ("InvalidPasswordException", 400, "validation_error"),
        ("LimitExceededException", 429, "rate_limited"),
        ("InternalErrorException", 502, "server_error"),
    ],
)
def test_it_maps_reset_errors_to_the_envelope(api, stub, cognito_code, status, code):
    stub.add_client_error("confirm_forgot_password", cognito_code, "from Cognito", 400)
    response = api.post(
        "/api/v1/auth/reset-password", {"email": "ana@example.org", "code": "123456", "newPassword": "Pass-phrase-2"}
    )
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert "Cognito" not in response.json()["error"]["message"]


def test_it_signs_a_disabled_user_out_everywhere(stub):
    from accounts.services import user_disable

    user = User.objects.create_user(email="ana@example.org", cognito_sub="sub-1")
    stub.add_response("admin_disable_user", {}, {"UserPoolId": POOL, "Username": "ana@example.org"})
    stub.add_response("admin_user_global_sign_out", {}, {"UserPoolId": POOL, "Username": "ana@example.org"})
    user_disable(user=user)
    user.refresh_from_db()
    assert not user.is_active


def test_it_keeps_the_rows_when_the_pool_refuses_deletion(stub):
    from accounts.services import user_delete_account
    from padmakara.errors import DomainError

    user = User.objects.create_user(email="ana@example.org", cognito_sub="sub-1")
    stub.add_client_error(
        "admin_delete_user",
        "InternalErrorException",
        "boom",
        500,
        expected_params={"UserPoolId": POOL, "Username": ANY},
    )
    with pytest.raises(DomainError):
        user_delete_account(user=user)
    assert User.objects.filter(pk=user.pk).exists()


@pytest.mark.parametrize("claim", [{"email_verified": False}, {"email_verified": "false"}, {}])
def test_it_refuses_a_login_that_would_take_over_a_row_by_an_unverified_email(api, stub, claim):
    victim = User.objects.create_user(email="ana@example.org", password="pass-phrase-1")
    claims = {"sub": "7b1c2d3e-0000-4000-8000-0000000000ff", "email": "ana@example.org", "token_use": "id", **claim}
    result = {**AUTH_RESULT["AuthenticationResult"], "IdToken": jwt.encode(claims, "k" * 32, algorithm="HS256")}
    stub.add_response("initiate_auth", {"AuthenticationResult": result}, None)

    response = api.post("/api/v1/auth/login", {"email": "ana@example.org", "password": "pass-phrase-1"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "email_not_verified"
    victim.refresh_from_db()
    assert victim.cognito_sub is None
