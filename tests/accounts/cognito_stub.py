"""The Cognito provider with botocore's Stubber on its client: every call is answered by the
test, as the AWS API reference shapes it; nothing leaves the process."""

import base64
import hashlib
import hmac

import pytest
from botocore.stub import Stubber

from accounts.providers import get_provider

CLIENT_ID = "4tcbm7b5app1client"
SECRET = "s3cr3t-of-the-app-client"
POOL = "eu-west-1_AbCdEfGhI"
SESSION = "AYABeC0ffee-session-from-cognito-0123456789"


def secret_hash(username: str) -> str:
    return base64.b64encode(
        hmac.new(SECRET.encode(), (username + CLIENT_ID).encode(), hashlib.sha256).digest()
    ).decode()


@pytest.fixture
def stub(settings, db):
    settings.IDENTITY_PROVIDER = "accounts.providers.cognito.CognitoIdentityProvider"
    settings.COGNITO_AWS_REGION = "eu-west-1"
    settings.COGNITO_USER_POOL = POOL
    settings.COGNITO_APP_CLIENT_ID = CLIENT_ID
    settings.COGNITO_APP_CLIENT_SECRET = SECRET
    # Never contacted: the Stubber answers every call on this client.
    settings.COGNITO_ENDPOINT_URL = "http://127.0.0.1:9"
    settings.COGNITO_ISSUER = ""
    settings.IDENTITY_JWKS_URL = ""
    with Stubber(get_provider().client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()
