from django.conf import settings
from rest_framework import authentication


class SessionAuthentication(authentication.SessionAuthentication):
    """Session auth (browsable docs, admin staff) that still asks clients for a Bearer token.

    DRF answers 403 when the first authenticator has no ``authenticate_header``; docs/api.md wants
    401 with ``WWW-Authenticate: Bearer`` for a missing token.

    A staff session counts only once it has passed the admin's second step when that is required
    (``ADMIN_REQUIRE_MFA``, ``request.user.is_verified()`` from django-otp's middleware): else a
    password alone would open with the session what the admin keeps closed.
    """

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and settings.ADMIN_REQUIRE_MFA and result[0].is_staff:
            is_verified = getattr(result[0], "is_verified", None)
            if not (is_verified and is_verified()):
                return None
        return result

    def authenticate_header(self, request):
        return "Bearer"
