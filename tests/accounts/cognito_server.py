"""moto's server on loopback (the ``moto_endpoint`` fixture) as a Cognito stand-in, real HTTP
through boto3."""

import boto3
import pytest

REGION = "eu-west-1"


@pytest.fixture
def cognito_pool(moto_endpoint, settings):
    """A fresh user pool and app client per test, and the Cognito provider pointed at them."""
    client = boto3.client("cognito-idp", region_name=REGION, endpoint_url=moto_endpoint)
    pool_id = client.create_user_pool(
        PoolName="padmakara",
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        Schema=[{"Name": "name", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]["Id"]
    client_id = client.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="app",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    settings.IDENTITY_PROVIDER = "accounts.providers.cognito.CognitoIdentityProvider"
    settings.COGNITO_AWS_REGION = REGION
    settings.COGNITO_USER_POOL = pool_id
    settings.COGNITO_APP_CLIENT_ID = client_id
    settings.COGNITO_APP_CLIENT_SECRET = ""
    settings.COGNITO_ENDPOINT_URL = moto_endpoint
    settings.COGNITO_ISSUER = ""
    settings.IDENTITY_JWKS_URL = f"{moto_endpoint}/{pool_id}/.well-known/jwks.json"
    yield client, pool_id, client_id
    client.delete_user_pool(UserPoolId=pool_id)
