"""Cognito's passwordless sign-in (choice-based ``USER_AUTH`` with ``EMAIL_OTP``), account
creation on approval and device revocation, against botocore's Stubber: moto's server refuses
``USER_AUTH`` (docs/field-notes.md). The requests and answers are shaped as the AWS API
reference gives them (InitiateAuth, RespondToAuthChallenge, AdminCreateUser,
GetTokensFromRefreshToken)."""

import time

import jwt

from accounts.models import Device, User
from accounts.services import access_request_approve, access_request_create, device_revoke

from .cognito_stub import CLIENT_ID, POOL, SECRET, secret_hash

EMAIL = "ana@example.org"
SUB = "7b1c2d3e-0000-4000-8000-000000000001"
OTP_SESSION = "AYABeEmailOtpSession-from-cognito-0123456789"


def _token(token_use: str, *, session="cognito-origin-jti-1") -> str:
    # Read without verification by the provider (it comes straight from Cognito over TLS).
    now = int(time.time())
    claims = {
        "sub": SUB,
        "token_use": token_use,
        "origin_jti": session,
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
        "email": EMAIL,
        "email_verified": True,
    }
    return jwt.encode(claims, "k" * 32, algorithm="HS256")


def _auth_result(session="cognito-origin-jti-1") -> dict:
    return {
        "AuthenticationResult": {
            "AccessToken": _token("access", session=session),
            "IdToken": _token("id", session=session),
            "RefreshToken": "opaque-refresh",
            "ExpiresIn": 3600,
            "TokenType": "Bearer",
        },
        "ChallengeParameters": {},
    }


def _refreshed(session="cognito-origin-jti-1") -> dict:
    return {"AuthenticationResult": _auth_result(session)["AuthenticationResult"]}


def _expect_start(stub, email=EMAIL):
    stub.add_response(
        "initiate_auth",
        {
            "ChallengeName": "EMAIL_OTP",
            "Session": OTP_SESSION,
            "ChallengeParameters": {
                "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
                "CODE_DELIVERY_DESTINATION": "a***@e***",
            },
            "AvailableChallenges": ["EMAIL_OTP", "PASSWORD"],
        },
        {
            "ClientId": CLIENT_ID,
            "AuthFlow": "USER_AUTH",
            "AuthParameters": {
                "USERNAME": email,
                "PREFERRED_CHALLENGE": "EMAIL_OTP",
                "SECRET_HASH": secret_hash(email),
            },
        },
    )


def _expect_answer(stub, code, response=None):
    expected = {
        "ClientId": CLIENT_ID,
        "ChallengeName": "EMAIL_OTP",
        "Session": OTP_SESSION,
        "ChallengeResponses": {"USERNAME": EMAIL, "EMAIL_OTP_CODE": code, "SECRET_HASH": secret_hash(EMAIL)},
    }
    if response is None:
        stub.add_client_error(
            "respond_to_auth_challenge",
            "CodeMismatchException",
            "Invalid code received for user",
            400,
            expected_params=expected,
        )
    else:
        stub.add_response("respond_to_auth_challenge", response, expected)


def test_it_signs_in_with_cognitos_emailed_code(api, stub):
    _expect_start(stub)
    assert api.post("/api/v1/auth/email-code", {"email": EMAIL}).status_code == 202
    _expect_answer(stub, "123456", _auth_result())

    response = api.post(
        "/api/v1/auth/email-code/verify",
        {"email": EMAIL, "code": "123456", "device": {"name": "Ana's Pixel", "platform": "android"}},
    )

    assert response.status_code == 200
    assert response.json()["refreshToken"] == "opaque-refresh"
    user = User.objects.get(email=EMAIL)
    assert user.cognito_sub == SUB
    assert Device.objects.get(user=user).session == "cognito-origin-jti-1"


def test_it_answers_the_same_for_an_unknown_email(api, stub):
    stub.add_client_error("initiate_auth", "UserNotFoundException", "User does not exist.", 400)
    response = api.post("/api/v1/auth/email-code", {"email": "nobody@example.org"})
    assert response.status_code == 202


def test_a_code_is_single_use(api, stub):
    _expect_start(stub)
    api.post("/api/v1/auth/email-code", {"email": EMAIL})
    _expect_answer(stub, "123456", _auth_result())
    assert api.post("/api/v1/auth/email-code/verify", {"email": EMAIL, "code": "123456"}).status_code == 200

    # No call to Cognito: the session is spent.
    assert api.post("/api/v1/auth/email-code/verify", {"email": EMAIL, "code": "123456"}).status_code == 400


def test_it_drops_the_code_after_five_wrong_ones(api, stub):
    _expect_start(stub)
    api.post("/api/v1/auth/email-code", {"email": EMAIL})
    for _ in range(5):
        _expect_answer(stub, "111111")
        response = api.post("/api/v1/auth/email-code/verify", {"email": EMAIL, "code": "111111"})
        assert response.status_code == 400
        assert "code" in response.json()["error"]["details"]

    # The sixth is refused here, without asking Cognito.
    assert api.post("/api/v1/auth/email-code/verify", {"email": EMAIL, "code": "123456"}).status_code == 400


def test_it_refuses_a_code_nobody_asked_for(api, stub):
    assert api.post("/api/v1/auth/email-code/verify", {"email": EMAIL, "code": "123456"}).status_code == 400


def test_cognitos_mail_has_no_link_token(api, stub):
    assert api.post("/api/v1/auth/email-code/verify", {"token": "anything"}).status_code == 400


def test_approval_creates_the_pool_account_without_a_password(stub, staff, django_capture_on_commit_callbacks):
    stub.add_response(
        "admin_create_user",
        {
            "User": {
                "Username": SUB,
                "Attributes": [
                    {"Name": "sub", "Value": SUB},
                    {"Name": "email", "Value": "rita@example.org"},
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": "name", "Value": "Rita Sousa"},
                ],
                "Enabled": True,
                "UserStatus": "CONFIRMED",
            }
        },
        {
            "UserPoolId": POOL,
            "Username": "rita@example.org",
            "UserAttributes": [
                {"Name": "email", "Value": "rita@example.org"},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "name", "Value": "Rita Sousa"},
            ],
            "MessageAction": "SUPPRESS",
            "DesiredDeliveryMediums": ["EMAIL"],
        },
    )
    request = access_request_create(email="rita@example.org", first_name="Rita", last_name="Sousa", language="pt")

    user = access_request_approve(access_request=request, by=staff)

    assert (user.cognito_sub, user.email, user.language, user.email_verified) == (SUB, "rita@example.org", "pt", True)


def test_a_revoked_devices_refresh_token_is_refused_after_its_access_tokens_hour(api, stub, db):
    user = User.objects.create_user(email=EMAIL, cognito_sub=SUB, email_verified=True)
    device = Device.objects.create(user=user, name="Lost", platform="ios", session="cognito-origin-jti-1")
    device_revoke(user=user, device_id=device.uuid)
    User.objects.filter(pk=user.pk).update(revoked_sessions={})  # the hour has passed
    stub.add_response(
        "get_tokens_from_refresh_token",
        _refreshed(),
        {"RefreshToken": "opaque-refresh", "ClientId": CLIENT_ID, "ClientSecret": SECRET},
    )
    stub.add_response("revoke_token", {}, {"Token": "opaque-refresh", "ClientId": CLIENT_ID, "ClientSecret": SECRET})

    response = api.post("/api/v1/auth/refresh", {"refreshToken": "opaque-refresh"})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_another_devices_refresh_goes_on(api, stub, db):
    user = User.objects.create_user(email=EMAIL, cognito_sub=SUB, email_verified=True)
    device = Device.objects.create(user=user, name="Lost", platform="ios", session="cognito-origin-jti-1")
    device_revoke(user=user, device_id=device.uuid)
    stub.add_response(
        "get_tokens_from_refresh_token",
        _refreshed(session="cognito-origin-jti-2"),
        {"RefreshToken": "opaque-refresh", "ClientId": CLIENT_ID, "ClientSecret": SECRET},
    )
    assert api.post("/api/v1/auth/refresh", {"refreshToken": "opaque-refresh"}).status_code == 200


def test_approval_takes_a_pool_account_an_earlier_failed_approval_left(stub, staff):
    stub.add_client_error("admin_create_user", "UsernameExistsException", "User account already exists", 400)
    stub.add_response(
        "admin_get_user",
        {
            "Username": SUB,
            "UserAttributes": [{"Name": "sub", "Value": SUB}, {"Name": "email", "Value": "rita@example.org"}],
            "Enabled": True,
            "UserStatus": "CONFIRMED",
        },
        {"UserPoolId": POOL, "Username": "rita@example.org"},
    )
    request = access_request_create(email="rita@example.org", first_name="Rita", last_name="Sousa")

    user = access_request_approve(access_request=request, by=staff)

    assert user.cognito_sub == SUB
