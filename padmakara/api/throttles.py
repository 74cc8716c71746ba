"""Per-user rate limits of docs/api.md. They share the cache (Redis in production) and are
politeness, not protection: hard limits belong at the load balancer or WAF."""

import hashlib

from rest_framework.throttling import SimpleRateThrottle


class _ScopedThrottle(SimpleRateThrottle):
    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ContentThrottle(_ScopedThrottle):
    scope = "content"


class ProgressThrottle(_ScopedThrottle):
    scope = "progress"


class MediaThrottle(_ScopedThrottle):
    scope = "media"


class AnonymousThrottle(SimpleRateThrottle):
    """Per client IP, for callers with no token on the reads that answer them (the content
    reads and media URLs of ``free-anyone`` gatherings); signed-in callers pass untouched."""

    scope = "anonymous"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthThrottle(SimpleRateThrottle):
    """Per client IP, for the unauthenticated /auth endpoints."""

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class _IPThrottle(SimpleRateThrottle):
    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class _EmailThrottle(SimpleRateThrottle):
    """Per email address of the request body (case-folded, hashed in the key), whoever asks:
    one address cannot be flooded with mails from many IPs. A body with no email passes
    (the view's validation answers it)."""

    def get_cache_key(self, request, view):
        email = request.data.get("email") if isinstance(request.data, dict) else None
        if not isinstance(email, str) or not email.strip():
            return None
        ident = hashlib.sha256(email.strip().casefold().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AccessRequestThrottle(_IPThrottle):
    """``POST /auth/request-access`` per client IP."""

    scope = "access_request"


class AccessRequestEmailThrottle(_EmailThrottle):
    scope = "access_request_email"


class EmailCodeThrottle(_IPThrottle):
    """``POST /auth/email-code`` and its ``/verify``, per client IP (together)."""

    scope = "email_code"


class EmailCodeEmailThrottle(_EmailThrottle):
    scope = "email_code_email"
