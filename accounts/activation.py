"""Device activation: how the mobile app in the stores signs in (docs/compat-api.md "Accounts").

The app names its device by a fingerprint and asks for a link by email; opening the link
activates that device, and the app collects its tokens by polling with the fingerprint, or
at once through the link's deep link. What the old backends lacked, here:

* the link is single-use and short-lived, and kept only as an HMAC (as are fingerprints);
* tokens are handed out once per activation (a later poll answers ``not_activated``);
* an ``already_activated`` sign-in (a known, unrevoked device asking again) is rate-limited per
  email and device, and moves that device's session, so it shows in the device list;
* every activation is a ``Device`` of the user, which the user or staff can revoke.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from padmakara import mail

from . import revocation
from .models import AccessRequest, Device, DeviceActivation, User
from .providers import LoginResult, Tokens, canonical_email, get_provider
from .services import access_request_create, device_revoke, device_sign_in, token_session

LINK_MINUTES = 15
ALREADY_ACTIVATED_PER_HOUR = 5
PLATFORMS = {"ios", "android", "web"}


def _hmac(kind: str, value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def fingerprint_hash(fingerprint: str) -> str:
    return _hmac("device-fingerprint", fingerprint)


def link_hash(token: str) -> str:
    return _hmac("device-activation-link", token)


@dataclass(frozen=True)
class Activation:
    """An answer of the sign-in: ``status`` and, where the device is signed in, its tokens."""

    status: str
    user: User | None = None
    tokens: Tokens | None = None
    device: Device | None = None


def _live_device(user: User, fingerprint: str) -> DeviceActivation | None:
    """The user's last collected activation of this device, if its device is not revoked."""
    return (
        DeviceActivation.objects.filter(
            user=user,
            fingerprint_hash=fingerprint_hash(fingerprint),
            claimed_at__isnull=False,
            device__revoked_at__isnull=True,
        )
        .select_related("device")
        .order_by("-claimed_at")
        .first()
    )


def _rate_limited(email: str, fingerprint: str) -> bool:
    key = "activation:already:" + hashlib.sha256(f"{email}\n{fingerprint}".encode()).hexdigest()
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > ALREADY_ACTIVATED_PER_HOUR


def request_link(
    *, email: str, fingerprint: str, device_name: str, platform: str, activate_url, request=None
) -> Activation:
    """``POST /auth/request-magic-link``. An unknown (or inactive, or staff) address:
    ``approval_required``. A known, unrevoked device of this account: ``already_activated``
    with new tokens (rate-limited: past the limit, a link is mailed instead). Otherwise a
    single-use link is mailed (``magic_link_sent``); ``activate_url(token)`` builds its URL."""
    email = canonical_email(email)
    user = User.objects.filter(email=email, is_active=True, is_staff=False).first()
    if user is None:
        return Activation("approval_required")
    known = _live_device(user, fingerprint)
    if known is not None and known.device is not None and not _rate_limited(email, fingerprint):
        tokens = _move_session(known, request=request)
        return Activation("already_activated", user=user, tokens=tokens, device=known.device)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        DeviceActivation.objects.create(
            user=user,
            fingerprint_hash=fingerprint_hash(fingerprint),
            device_name=device_name[:100],
            platform=platform if platform in PLATFORMS else "",
            link_hash=link_hash(token),
            expires_at=timezone.now() + timedelta(minutes=LINK_MINUTES),
        )
        link = activate_url(token)
        name = device_name[:100] or "your device"
        transaction.on_commit(
            lambda: mail.send_device_activation(user=user, link=link, device_name=name, minutes=LINK_MINUTES)
        )
    return Activation("magic_link_sent", user=user)


def _move_session(activation: DeviceActivation, *, request=None) -> Tokens:
    """New tokens for a known device: its earlier session ends, the device row takes the new one."""
    device = activation.device
    assert device is not None
    tokens = get_provider().sign_in_user(user=activation.user, request=request)
    if device.session:
        get_provider().end_session(user=activation.user, session=device.session)
        revocation.revoke_session(
            user_id=activation.user.pk, sid=device.session, until=revocation.access_token_horizon()
        )
    Device.objects.filter(pk=device.pk).update(session=token_session(tokens.access_token), last_seen_at=timezone.now())
    return tokens


def _device_info(activation: DeviceActivation) -> dict:
    return {"name": activation.device_name, "platform": activation.platform}


def request_approval(*, email: str, first_name: str, last_name: str, message: str = "", language: str = "en") -> str:
    """``POST /auth/request-approval``: ``approval_requested``, or ``already_pending`` when a
    request for the address waits (or the address has an account: the same answer, so the
    endpoint does not tell who is a member)."""
    created = access_request_create(
        email=email, first_name=first_name, last_name=last_name, message=message, language=language
    )
    if created is not None:
        return "approval_requested"
    return "already_pending"


@transaction.atomic
def activate_link(*, token: str) -> DeviceActivation | None:
    """Opening the mailed link: the device is activated (once; an expired or used link, None)."""
    row = (
        DeviceActivation.objects.select_for_update()
        .select_related("user")
        .filter(link_hash=link_hash(token or ""))
        .first()
    )
    if row is None or row.activated_at is not None or row.expires_at <= timezone.now() or not row.user.is_active:
        return None
    DeviceActivation.objects.filter(pk=row.pk).update(activated_at=timezone.now())
    row.activated_at = timezone.now()
    return row


def _claim(row: DeviceActivation, *, request=None) -> Activation:
    """Hand out the activation's tokens (once): the session's device is recorded."""
    claimed = DeviceActivation.objects.filter(pk=row.pk, claimed_at__isnull=True).update(claimed_at=timezone.now())
    if not claimed:  # collected meanwhile
        return Activation("not_activated")
    tokens = get_provider().sign_in_user(user=row.user, request=request)
    device = device_sign_in(result=LoginResult(user=row.user, tokens=tokens), device=_device_info(row))
    DeviceActivation.objects.filter(pk=row.pk).update(device=device)
    return Activation("activated", user=row.user, tokens=tokens, device=device)


@transaction.atomic
def discover(*, fingerprint: str, request=None) -> Activation:
    """``POST /auth/device/discover``: the tokens of this device's activation, once; then (and
    before the link is opened) ``not_activated``."""
    since = timezone.now() - timedelta(minutes=LINK_MINUTES * 2)
    row = (
        DeviceActivation.objects.select_for_update()
        .select_related("user")
        .filter(
            fingerprint_hash=fingerprint_hash(fingerprint),
            activated_at__isnull=False,
            claimed_at__isnull=True,
            created_at__gt=since,
        )
        .order_by("-activated_at")
        .first()
    )
    if row is None or not row.user.is_active:
        return Activation("not_activated")
    return _claim(row, request=request)


@transaction.atomic
def auto_activate(*, token: str, fingerprint: str, request=None) -> Activation:
    """``POST /auth/auto-activate`` (the link's deep link, on the device that asked): the link is
    used up if it was not yet, and the tokens handed out once. The fingerprint must be the one
    the link was asked for."""
    row = (
        DeviceActivation.objects.select_for_update()
        .select_related("user")
        .filter(link_hash=link_hash(token or ""))
        .first()
    )
    if (
        row is None
        or not hmac.compare_digest(row.fingerprint_hash, fingerprint_hash(fingerprint))
        or row.claimed_at is not None
        or not row.user.is_active
    ):
        return Activation("not_activated")
    if row.activated_at is None:
        if row.expires_at <= timezone.now():
            return Activation("not_activated")
        DeviceActivation.objects.filter(pk=row.pk).update(activated_at=timezone.now())
    return _claim(row, request=request)


def deactivate(*, user: User, fingerprint: str) -> int:
    """``POST /auth/device/deactivate``: the user's devices activated with this fingerprint are
    revoked (their sessions end). The number revoked."""
    uuids = Device.objects.filter(
        user=user,
        revoked_at__isnull=True,
        pk__in=DeviceActivation.objects.filter(user=user, fingerprint_hash=fingerprint_hash(fingerprint)).values(
            "device_id"
        ),
    ).values_list("uuid", flat=True)
    return sum(device_revoke(user=user, device_id=device_uuid, by=user) for device_uuid in list(uuids))


def pending_request_exists(email: str) -> bool:
    return AccessRequest.objects.filter(email=canonical_email(email), status=AccessRequest.Status.PENDING).exists()
