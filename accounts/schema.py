"""OpenAPI description of the Bearer token for drf-spectacular (/api/v1/schema, /docs)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class CognitoTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.CognitoTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A Cognito-format RS256 access token from /auth/login or /auth/refresh.",
        }


class StaffSessionScheme(OpenApiAuthenticationExtension):
    """Staff browsing /docs while logged into the admin."""

    target_class = "padmakara.api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
