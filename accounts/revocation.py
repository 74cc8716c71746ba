"""Revoking access tokens before they expire: logout, password change or reset, disabling.

An access token is a signed JWT that lives for up to an hour; its signature cannot be taken
back. So the authenticator also asks, on every request, whether the session the token
belongs to has ended. The answer lives on the user row the authenticator reads anyway
(``User.tokens_valid_after``, ``User.revoked_sessions``): it costs no query, and it does not
depend on the cache, so there is no fail-open or fail-closed choice to make when Redis is
down: a revoked token is refused whatever the cache does.

- **Every session of a user** (password change or reset, disabling; deletion removes the row
  itself): ``tokens_valid_after`` is set to now, and a token whose session began
  (``auth_time``, else ``iat``) at or before that second is refused. Saving a new password
  does it by itself (``User.save``), so the admin's password form is covered too. Cognito
  keeps a session's ``auth_time`` across refreshes, so a Cognito refresh token that survived
  still only gets refused access tokens; the local provider refuses such refresh tokens.
- **One session** (logout): its id, ``origin_jti`` (shared by every token refreshed from one
  login, in Cognito's tokens and in ours), is listed in ``revoked_sessions`` until the last
  access token it could have issued has expired; expired entries are dropped at each write.
  A user with more live entries than ``MAX_REVOKED_SESSIONS`` (logouts within an hour) has
  every session ended instead, which errs on the safe side.

Whole seconds: token times are whole seconds. A session begun in the very second of a
revocation, after it, would look revoked; the local provider dates such a session's
``auth_time`` one second later (:func:`session_start`), Cognito's would have to log in again.
"""

from __future__ import annotations

import time
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from padmakara import realtime

from .models import User

MAX_REVOKED_SESSIONS = 100


def session_id(payload: dict) -> str | None:
    """The session a token belongs to: ``origin_jti`` (Cognito with token revocation on, and
    the local provider), else ``event_id`` (the login event), else the token's own ``jti``."""
    for claim in ("origin_jti", "event_id", "jti"):
        value = payload.get(claim)
        if isinstance(value, str) and value:
            return value
    return None


def _second(moment: datetime) -> int:
    return int(moment.timestamp())


def is_revoked(user: User, payload: dict) -> bool:
    """True when the session of this (verified) token has ended. No query: ``user`` is the row
    the authenticator read."""
    if user.tokens_valid_after is not None:
        started = payload.get("auth_time", payload.get("iat"))
        if not isinstance(started, int | float) or started <= _second(user.tokens_valid_after):
            return True
    if user.revoked_sessions:
        sid = session_id(payload)
        if sid is not None and sid in user.revoked_sessions:
            return True
    return False


def session_start(user: User, started: int) -> int:
    """The ``auth_time`` to sign for a session that began at ``started`` (local provider): never
    in the second of the last revocation, which would make the new session look revoked."""
    if user.tokens_valid_after is not None:
        return max(started, _second(user.tokens_valid_after) + 1)
    return started


def refresh_refused(user: User, *, created_at: datetime) -> bool:
    """A local refresh token made before the user's last "end every session" is refused."""
    return user.tokens_valid_after is not None and created_at <= user.tokens_valid_after


def access_token_horizon() -> int:
    """The epoch second after which no local access token issued until now can be unexpired."""
    return int(time.time()) + settings.IDENTITY_ACCESS_TOKEN_SECONDS + settings.IDENTITY_CLOCK_SKEW_SECONDS


@transaction.atomic
def revoke_session(*, user_id: int, sid: str, until: int) -> None:
    """End one session: its access tokens are refused from now on (other sessions go on)."""
    user = User.objects.select_for_update().filter(pk=user_id).only("pk", "revoked_sessions").first()
    if user is None:
        return
    now = int(time.time())
    live = {key: value for key, value in (user.revoked_sessions or {}).items() if value > now}
    live[sid] = max(int(until), live.get(sid, 0))
    if len(live) > MAX_REVOKED_SESSIONS:
        revoke_all(user_id=user_id)
        return
    User.objects.filter(pk=user_id).update(revoked_sessions=live)
    # Its live-event connections close at once (4409), not at their next heartbeat.
    transaction.on_commit(lambda: realtime.recheck_sessions(user_id=user_id))


def revoke_all(*, user_id: int) -> None:
    """End every session of the user: tokens issued until now are refused."""
    User.objects.filter(pk=user_id).update(tokens_valid_after=timezone.now(), revoked_sessions={})
    transaction.on_commit(lambda: realtime.recheck_sessions(user_id=user_id))
