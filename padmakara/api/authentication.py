from rest_framework import authentication


class SessionAuthentication(authentication.SessionAuthentication):
    """Session auth (browsable docs, admin staff) that still asks clients for a Bearer token.

    DRF answers 403 when the first authenticator has no ``authenticate_header``; docs/api.md wants
    401 with ``WWW-Authenticate: Bearer`` for a missing token.
    """

    def authenticate_header(self, request):
        return "Bearer"
