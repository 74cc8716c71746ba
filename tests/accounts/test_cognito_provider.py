"""The Cognito provider against moto's server on loopback: real HTTP through boto3, tokens
signed by the server and checked through its JWKS fetched over HTTP."""

import jwt
import pytest

from accounts.authentication import get_validator
from accounts.models import User
from tests.factories import make_catalogue, make_session, make_track

PASSWORD = "A-long-pass-phrase-1"


@pytest.fixture
def registered(api, db, cognito_pool):
    client, pool_id, _ = cognito_pool
    response = api.post("/api/v1/auth/register", {"name": "Ana", "email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 201, response.content
    # moto's confirm_sign_up takes any code (docs/field-notes.md); the call still goes over HTTP.
    assert api.post("/api/v1/auth/verify-email", {"email": "ana@example.org", "code": "123456"}).status_code == 200
    return User.objects.get(email="ana@example.org")


def _login(api):
    response = api.post("/api/v1/auth/login", {"email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()


def test_it_signs_up_in_the_pool_and_links_the_sub(api, registered, cognito_pool):
    client, pool_id, _ = cognito_pool
    remote = client.admin_get_user(UserPoolId=pool_id, Username="ana@example.org")
    attributes = {item["Name"]: item["Value"] for item in remote["UserAttributes"]}
    assert attributes["sub"] == registered.cognito_sub
    assert registered.email_verified
    assert not registered.has_usable_password()


def test_it_logs_in_and_the_token_opens_the_api(api, registered):
    tokens = _login(api)
    claims = jwt.decode(tokens["accessToken"], options={"verify_signature": False})
    assert claims["iss"].startswith("https://cognito-idp.eu-west-1.amazonaws.com/")
    assert tokens["user"]["id"] == str(registered.uuid)
    _, (retreat, *_) = make_catalogue(gatherings=1, sessions=1, tracks=1, translations=False)
    track = make_track(make_session(retreat))
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['accessToken']}")
    assert api.get("/api/v1/user/profile").json()["email"] == "ana@example.org"
    assert api.get(f"/api/v1/content/track/{track.uuid}").status_code == 200


def test_it_fetches_the_pools_jwks_over_http(api, registered):
    tokens = _login(api)
    validator = get_validator()
    validator.key_cache.keys = {}
    validator.key_cache.fetched_at = float("-inf")
    kid = jwt.get_unverified_header(tokens["accessToken"])["kid"]
    payload = validator.validate(tokens["accessToken"])
    assert payload["sub"] == registered.cognito_sub
    assert kid in validator.key_cache.keys


def test_it_refuses_an_id_token_as_access_token(api, registered):
    tokens = _login(api)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['idToken']}")
    response = api.get("/api/v1/user/profile")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_it_refuses_tokens_of_another_app_client(api, registered, cognito_pool):
    client, pool_id, _ = cognito_pool
    other_client = client.create_user_pool_client(
        UserPoolId=pool_id, ClientName="other", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    result = client.initiate_auth(
        ClientId=other_client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ana@example.org", "PASSWORD": PASSWORD},
    )
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {result['AuthenticationResult']['AccessToken']}")
    assert api.get("/api/v1/user/profile").status_code == 401


def test_it_refreshes(api, registered):
    tokens = _login(api)
    response = api.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]})
    assert response.status_code == 200
    assert response.json()["accessToken"]


def test_it_answers_409_for_a_taken_email(api, registered):
    response = api.post("/api/v1/auth/register", {"name": "A", "email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "email_taken"


def test_it_maps_username_exists_to_email_taken(api, db, cognito_pool):
    client, _, client_id = cognito_pool
    client.sign_up(ClientId=client_id, Username="elsewhere@example.org", Password=PASSWORD)
    response = api.post("/api/v1/auth/register", {"name": "A", "email": "elsewhere@example.org", "password": PASSWORD})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "email_taken"


def test_it_maps_a_wrong_password_to_invalid_credentials(api, registered):
    response = api.post("/api/v1/auth/login", {"email": "ana@example.org", "password": "Wrong-pass-phrase-1"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_it_answers_an_unknown_email_like_a_wrong_password(api, registered):
    wrong = api.post("/api/v1/auth/login", {"email": "ana@example.org", "password": "Wrong-pass-phrase-1"})
    unknown = api.post("/api/v1/auth/login", {"email": "nobody@example.org", "password": "Wrong-pass-phrase-1"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]


def test_it_maps_an_unconfirmed_user_to_email_not_verified(api, db, cognito_pool):
    api.post("/api/v1/auth/register", {"name": "Ana", "email": "new@example.org", "password": PASSWORD})
    response = api.post("/api/v1/auth/login", {"email": "new@example.org", "password": PASSWORD})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "email_not_verified"


def test_it_answers_forgot_password_the_same_for_unknown_emails(api, registered):
    known = api.post("/api/v1/auth/forgot-password", {"email": "ana@example.org"})
    unknown = api.post("/api/v1/auth/forgot-password", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()


def test_it_sets_up_software_token_mfa(api, registered, cognito_pool):
    tokens = _login(api)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['accessToken']}")
    setup = api.post("/api/v1/auth/mfa/setup").json()
    assert setup["otpauthUri"].startswith("otpauth://totp/")
    assert setup["secret"]
    # moto checks no TOTP unless told to; the call and the preference change still go over HTTP.
    response = api.post("/api/v1/auth/mfa/verify", {"code": "123456"})
    assert response.status_code == 200
    api.credentials()
    challenge = api.post("/api/v1/auth/login", {"email": "ana@example.org", "password": PASSWORD}).json()
    assert challenge["challenge"] == "SOFTWARE_TOKEN_MFA"
    assert challenge["session"]


def test_it_deletes_the_pool_account_with_the_user(api, registered, cognito_pool):
    client, pool_id, _ = cognito_pool
    tokens = _login(api)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['accessToken']}")
    assert api.delete("/api/v1/user/account").status_code == 204
    assert not User.objects.exists()
    with pytest.raises(client.exceptions.UserNotFoundException):
        client.admin_get_user(UserPoolId=pool_id, Username="ana@example.org")
    # The access token is still unexpired, but the account is gone: no row is recreated.
    assert api.get("/api/v1/user/profile").status_code == 401
    assert not User.objects.exists()


def test_it_links_a_pool_account_seen_first_in_a_token(api, db, cognito_pool):
    client, pool_id, client_id = cognito_pool
    client.sign_up(
        ClientId=client_id,
        Username="console@example.org",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "console@example.org"}, {"Name": "name", "Value": "Con"}],
    )
    client.admin_confirm_sign_up(UserPoolId=pool_id, Username="console@example.org")
    result = client.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "console@example.org", "PASSWORD": PASSWORD},
    )
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {result['AuthenticationResult']['AccessToken']}")
    response = api.get("/api/v1/user/profile")
    assert response.status_code == 200
    assert response.json()["email"] == "console@example.org"
    assert User.objects.get(email="console@example.org").cognito_sub


def test_it_refuses_to_set_up_mfa_again_without_the_password(api, registered, cognito_pool):
    tokens = _login(api)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['accessToken']}")
    api.post("/api/v1/auth/mfa/setup")
    api.post("/api/v1/auth/mfa/verify", {"code": "123456"})
    assert api.post("/api/v1/auth/mfa/setup").status_code == 400
    assert api.post("/api/v1/auth/mfa/setup", {"password": "not-the-password"}).status_code == 400
    assert api.post("/api/v1/auth/mfa/setup", {"password": PASSWORD}).status_code == 200


def _pool_token(cognito_pool, email: str) -> str:
    """Someone signs up in the pool with ``email`` without proving it is theirs."""
    client, pool_id, client_id = cognito_pool
    client.sign_up(
        ClientId=client_id, Username=email, Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": email}]
    )
    client.admin_confirm_sign_up(UserPoolId=pool_id, Username=email)
    result = client.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD}
    )
    return result["AuthenticationResult"]["AccessToken"]


def test_it_does_not_hand_an_existing_row_to_a_pool_account_with_an_unverified_email(api, db, cognito_pool):
    victim = User.objects.create_user(email="victim@example.org", password=PASSWORD, name="Victim")

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {_pool_token(cognito_pool, 'victim@example.org')}")

    assert api.get("/api/v1/user/profile").status_code == 401
    victim.refresh_from_db()
    assert victim.cognito_sub is None


def test_it_links_an_existing_row_when_the_pool_says_the_email_is_verified(api, db, cognito_pool):
    client, pool_id, _ = cognito_pool
    member = User.objects.create_user(email="member@example.org", password=PASSWORD, name="Member")
    token = _pool_token(cognito_pool, "member@example.org")
    client.admin_update_user_attributes(
        UserPoolId=pool_id, Username="member@example.org",
        UserAttributes=[{"Name": "email_verified", "Value": "true"}],
    )  # fmt: skip

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    assert api.get("/api/v1/user/profile").json()["id"] == str(member.uuid)
    member.refresh_from_db()
    assert member.cognito_sub
