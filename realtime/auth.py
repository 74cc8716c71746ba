"""Who a WebSocket connection speaks for: the API's own access-token checks
(``accounts.authentication.validate_access_token``, then ``accounts.revocation``), and why a
connection is refused or closed, as close codes (docs/api.md "Live events")."""

from dataclasses import dataclass

from django.conf import settings
from django.http.request import split_domain_port, validate_host

from accounts import revocation
from accounts.authentication import TokenError, validate_access_token
from accounts.models import User


class Close:
    """Close codes (4000–4999 are the application's) and the word sent as the close reason."""

    BAD_MESSAGE = (4400, "bad_message")
    NOT_AUTHENTICATED = (4401, "not_authenticated")
    INVALID_TOKEN = (4403, "invalid_token")
    TOKEN_EXPIRED = (4408, "token_expired")
    SESSION_ENDED = (4409, "session_ended")
    TOO_MANY_CONNECTIONS = (4429, "too_many_connections")
    MESSAGE_TOO_BIG = (1009, "message_too_big")
    TOO_SLOW = (1013, "too_slow")


class Refused(Exception):
    def __init__(self, close: tuple[int, str]):
        super().__init__(close[1])
        self.close = close


@dataclass(frozen=True)
class Identity:
    user_id: int
    session: str  # accounts.revocation.session_id: one per sign-in, so one per device
    expires_at: float  # the token's exp (epoch seconds)
    payload: dict


class ScopeRequest:
    """Just enough of a request for the identity provider to name the expected issuer: the
    local provider without IDENTITY_ISSUER takes it from the origin the client called."""

    def __init__(self, scope: dict):
        self.scope = scope
        self.headers = {
            key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope.get("headers", [])
        }

    def _scheme(self) -> str:
        header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
        if header:
            name, value = header
            name = name.removeprefix("HTTP_").replace("_", "-").lower()
            if self.headers.get(name, "").split(",")[0].strip() == value:
                return "https"
        return "https" if self.scope.get("scheme") in ("wss", "https") else "http"

    def get_host(self) -> str:
        return self.headers.get("host", "")

    def build_absolute_uri(self, location: str = "/") -> str:
        return f"{self._scheme()}://{self.get_host()}{location}"


def host_allowed(scope: dict) -> bool:
    """The Host header names this server (ALLOWED_HOSTS), as for any request."""
    host = ScopeRequest(scope).get_host()
    domain, _port = split_domain_port(host)
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return bool(domain) and validate_host(domain, allowed)


def identify(token: str, scope: dict) -> Identity:
    """The identity behind an access token, or :class:`Refused` with the close code to use.
    Sync (database): call it through ``database_sync_to_async``."""
    if not isinstance(token, str) or not token or len(token) > 8192:
        raise Refused(Close.INVALID_TOKEN)
    try:
        payload = validate_access_token(token, ScopeRequest(scope))
    except TokenError as exc:
        raise Refused(Close.TOKEN_EXPIRED if "expired" in str(exc).lower() else Close.INVALID_TOKEN) from exc
    user = User.objects.get_or_create_for_cognito(payload, token=token)
    if user is None:
        raise Refused(Close.INVALID_TOKEN)
    if not user.is_active or revocation.is_revoked(user, payload):
        raise Refused(Close.SESSION_ENDED)
    return Identity(
        user_id=user.pk,
        session=revocation.session_id(payload) or "",
        expires_at=float(payload["exp"]),
        payload=payload,
    )


def sessions_ended(identities: dict[str, Identity]) -> set[str]:
    """Of these connections (channel → identity), those whose user is gone or disabled, or
    whose session was revoked: one query for them all."""
    users = User.objects.filter(pk__in={identity.user_id for identity in identities.values()}).only(
        "pk", "is_active", "tokens_valid_after", "revoked_sessions"
    )
    by_id = {user.pk: user for user in users}
    ended = set()
    for channel, identity in identities.items():
        user = by_id.get(identity.user_id)
        if user is None or not user.is_active or revocation.is_revoked(user, identity.payload):
            ended.add(channel)
    return ended
