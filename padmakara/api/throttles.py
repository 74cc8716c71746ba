"""Per-user rate limits of docs/api.md. They share the cache (Redis in production) and are
politeness, not protection: hard limits belong at the load balancer or WAF."""

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
