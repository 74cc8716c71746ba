from accounts.providers import get_provider
from accounts.providers.cognito import CognitoIdentityProvider
from accounts.providers.local import LocalIdentityProvider


def test_it_uses_the_local_provider_by_default():
    assert isinstance(get_provider(), LocalIdentityProvider)


def test_it_loads_the_provider_named_by_dotted_path(settings):
    settings.IDENTITY_PROVIDER = "accounts.providers.cognito.CognitoIdentityProvider"
    assert isinstance(get_provider(), CognitoIdentityProvider)


def test_it_serves_no_local_jwks_when_cognito_issues_the_tokens(api, db, settings):
    settings.IDENTITY_PROVIDER = "accounts.providers.cognito.CognitoIdentityProvider"
    response = api.get("/.well-known/jwks.json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
