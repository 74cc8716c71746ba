"""Writes on accounts: profile, preferences, devices, account deletion, linking, staff actions,
access requests and their approval."""

from __future__ import annotations

import logging
from datetime import timedelta

import jwt
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_otp.plugins.otp_totp.models import TOTPDevice

from padmakara import mail
from padmakara.audit import audit, changes_since, values
from padmakara.errors import Conflict, DomainError

from . import revocation, signals
from .authentication import TokenError, validate_access_token
from .models import AccessRequest, Device, GroupMembership, User
from .providers import LoginResult, ProviderUser, Tokens, canonical_email, get_provider

logger = logging.getLogger(__name__)

PREFERENCE_FIELDS = {
    "language": "language",
    "content_language": "content_language",
    "biometric_enabled": "biometric_enabled",
    "notifications": "notifications_enabled",
}


@transaction.atomic
def user_create_verified(*, email: str, password: str, name: str = "", **extra) -> User:
    """An app user who can log in right away (demo content, staff-created accounts).

    On the local provider this is the whole account; with Cognito the pool account must exist
    too (create it there and link it by ``sub``), so this is meant for the local provider.
    """
    email = canonical_email(email)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, name=name, email_verified=True, **extra)
    else:
        user.set_password(password)
        user.name = name or user.name
        user.email_verified = True
        user.save()
    if not user.cognito_sub:
        user.cognito_sub = str(user.uuid)
        user.save(update_fields=["cognito_sub"])
    return user


def user_link_from_provider(*, sub: str, access_token: str | None) -> User | None:
    """First sight of a valid token's ``sub``: link or create the row if the provider still
    has the account (so a token outliving a deleted account cannot resurrect it)."""
    provider = get_provider()
    info: ProviderUser | None = provider.lookup(sub=sub, access_token=access_token)
    if info is None:
        return None
    try:
        return provider.link(info)
    except IntegrityError:  # another request linked it first
        return User.objects.filter(cognito_sub=sub).first()


def auth_logout(*, refresh_token: str, access_token: str | None = None, request=None) -> None:
    """End one session: its refresh token at the provider, and its access tokens at once.

    The local provider finds the session from the refresh token. Cognito's refresh tokens are
    opaque, so its session is the one of ``access_token`` (the caller's bearer token, when
    sent): its ``origin_jti`` is revoked until the token's ``exp``. An invalid or expired
    access token changes nothing: logging out always succeeds.
    """
    get_provider().logout(refresh_token=refresh_token)
    if not access_token:
        return
    try:
        payload = validate_access_token(access_token, request)
    except TokenError:
        return
    sid = revocation.session_id(payload)
    user_id = User.objects.filter(cognito_sub=payload["sub"]).values_list("pk", flat=True).first()
    if sid is not None and user_id is not None:
        revocation.revoke_session(
            user_id=user_id, sid=sid, until=int(payload["exp"]) + settings.IDENTITY_CLOCK_SKEW_SECONDS
        )
        Device.objects.filter(user_id=user_id, session=sid, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), push_token=None
        )


def auth_email_code_start(*, email: str, request=None) -> None:
    """Mail a sign-in code (``POST /auth/email-code``). Staff sign in with their password (and
    MFA) only: a mailbox alone must not open a staff account, so they get no code, and the
    caller hears the same as for anyone."""
    email = canonical_email(email)
    if User.objects.filter(email=email, is_staff=True).exists():
        logger.info("no sign-in code for a staff account")
        return
    get_provider().email_code_start(email=email, request=request)


def user_change_password(*, user: User, access_token: str, current_password: str, new_password: str) -> None:
    """The signed-in user's new password; every session of theirs ends, this one too."""
    get_provider().change_password(
        user=user, access_token=access_token, current_password=current_password, new_password=new_password
    )


@transaction.atomic
def user_update_profile(*, user: User, name: str | None = None, preferences: dict | None = None) -> User:
    fields = []
    if name is not None:
        user.name = name
        fields.append("name")
    for key, value in (preferences or {}).items():
        setattr(user, PREFERENCE_FIELDS[key], value)
        fields.append(PREFERENCE_FIELDS[key])
    if fields:
        user.save(update_fields=fields)
    return user


def user_update_preferences(*, user: User, preferences: dict) -> User:
    return user_update_profile(user=user, preferences=preferences)


# --- Devices: each sign-in's, and the ones that receive pushes -----------------------------


def token_session(access_token: str | None) -> str | None:
    """The session (``origin_jti``) of an access token just issued by the provider, read
    without checking its signature: it comes from the provider itself, never from a client."""
    try:
        claims = jwt.decode(access_token or "", options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return revocation.session_id(claims)


def device_sign_in(*, result: LoginResult, device: dict | None = None) -> Device | None:
    """Record the device a sign-in named (``name``, ``platform``, ``app_version``), as the
    device of its new session; an MFA challenge is no sign-in yet."""
    if result.tokens is None or result.user is None:
        return None
    session = token_session(result.tokens.access_token)
    if session is None:
        logger.warning("a sign-in's access token names no session; no device recorded")
        return None
    info = device or {}
    row, _created = Device.objects.update_or_create(
        session=session,
        defaults={
            "user": result.user,
            "name": info.get("name", ""),
            "platform": info.get("platform", ""),
            "app_version": info.get("app_version", ""),
            "last_seen_at": timezone.now(),
        },
    )
    return row


def device_refreshed(*, tokens: Tokens) -> None:
    """A refresh is a use of the session's device."""
    session = token_session(tokens.access_token)
    if session is not None:
        Device.objects.filter(session=session, revoked_at__isnull=True).update(last_seen_at=timezone.now())


@transaction.atomic
def device_register(
    *, user: User, platform: str, push_token: str, app_version: str = "", session: str | None = None
) -> tuple[Device, bool]:
    """The device of this push token, now the user's; ``created`` is False for a known token.

    With ``session`` (the caller's sign-in), the token goes to that sign-in's device, so a
    phone is listed once. A token another active account holds is refused (:class:`Conflict`):
    a push token is no secret, and taking it over would silence that account's phone, or send
    its pushes here. The phone's new account registers it once the earlier one signed out
    there (or revoked the device), or the account is deactivated; an inactive account's token moves.
    """
    holder = Device.objects.select_for_update().filter(push_token=push_token).first()
    if (
        holder is not None
        and holder.user_id != user.pk
        and User.objects.filter(pk=holder.user_id, is_active=True).exists()
    ):
        raise Conflict(_("This push token is registered to another account; sign out of it on this device first."))
    signed_in = (
        Device.objects.select_for_update().filter(user=user, session=session, revoked_at__isnull=True).first()
        if session
        else None
    )
    if signed_in is not None and holder is not None and holder.pk != signed_in.pk:
        # The token moves to this sign-in's device: an earlier one of this phone lets go of it.
        if holder.session is None:
            holder.delete()
        else:
            Device.objects.filter(pk=holder.pk).update(push_token=None)
        holder = None
    device = signed_in or holder
    created = holder is None
    if device is None:
        try:
            with transaction.atomic():
                return Device.objects.create(
                    user=user, platform=platform, push_token=push_token, app_version=app_version
                ), True
        except IntegrityError:  # registered concurrently
            device = Device.objects.select_for_update().get(push_token=push_token)
            created = False
    device.user = user
    device.platform = platform
    device.push_token = push_token
    device.app_version = app_version or device.app_version
    device.last_seen_at = timezone.now()
    device.save(update_fields=["user", "platform", "push_token", "app_version", "last_seen_at"])
    return device, created


@transaction.atomic
def device_revoke(*, user: User, device_id, by: User | None = None) -> bool:
    """Revoke one of the user's devices: its session ends (refresh tokens and, at once, access
    tokens) and it receives no more pushes. Another user's id revokes nothing (False: the view
    answers 404). ``by``: the staff member, named in the audit entry."""
    device = Device.objects.select_for_update().filter(user=user, uuid=device_id, revoked_at__isnull=True).first()
    if device is None:
        return False
    if device.session is None:  # registered for pushes only: nothing signed in to end
        device.delete()
    else:
        get_provider().end_session(user=user, session=device.session)
        revocation.revoke_session(user_id=user.pk, sid=device.session, until=revocation.access_token_horizon())
        Device.objects.filter(pk=device.pk).update(revoked_at=timezone.now(), push_token=None)
    audit(
        user=by,
        obj=user,
        message=gettext_noop("Device revoked."),
        changes={"device": (device.name or device.get_platform_display() or str(device.uuid), "revoked")},
    )
    return True


def device_delete(*, user: User, device_id) -> int:
    """:func:`device_revoke` (kept for callers that count deletions)."""
    return int(device_revoke(user=user, device_id=device_id))


def user_devices(user: User):
    """The user's live devices, last used first: not revoked, and used within a refresh
    token's lifetime (an older session cannot refresh any more)."""
    since = timezone.now() - timedelta(days=settings.IDENTITY_REFRESH_TOKEN_DAYS)
    return Device.objects.filter(user=user, revoked_at__isnull=True, last_seen_at__gt=since).order_by("-last_seen_at")


def user_foreign_keys() -> list[models.ForeignKey]:
    """Every FK or one-to-one to the user model in the project, found by introspection, so that
    models added later (progress, bookmarks, notifications…) are covered without a change here."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    found = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if (
                isinstance(field, models.ForeignKey)  # includes OneToOneField
                and field.concrete
                and field.remote_field.model is user_model
                and not model._meta.proxy
            ):
                found.append(field)
    return found


@transaction.atomic
def user_delete_account(*, user: User) -> None:
    """GDPR erasure: every personal row, the user and the identity-provider account.

    Rows that belong to the user (FK ``CASCADE``/``PROTECT``) are deleted explicitly; rows the
    user only touched (``SET_NULL``, e.g. staff authorship) lose the reference. The provider
    account goes last, inside the transaction: if it fails, nothing is deleted; if the commit
    then failed, a retry finds the provider account already gone and carries on.

    A staff account is not deleted by its owner (``staff_account``): staff's audit entries name
    them, and another superuser removes a staff account in the admin, where it is audited.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_staff or user.is_superuser:
        raise DomainError(
            _("Staff accounts cannot be deleted from the app; ask another administrator."), code="staff_account"
        )
    for field in user_foreign_keys():
        on_delete = field.remote_field.on_delete
        if on_delete in (models.SET_NULL, models.SET_DEFAULT, models.DO_NOTHING) and field.null:
            field.model._base_manager.filter(**{field.name: user}).update(**{field.name: None})
            continue
        field.model._base_manager.filter(**{field.name: user}).delete()
    user.groups.clear()
    user.user_permissions.clear()
    provider = get_provider()
    provider.delete_account(user=user)
    user.delete()
    logger.info("account %s deleted", user.uuid)


@transaction.atomic
def user_confirm(*, user: User, by=None) -> None:
    """Staff action: mark the email verified (and confirm the provider's account).
    ``by``: the staff member, named in the audit entry."""
    before = values(user, ["email_verified"])
    get_provider().admin_confirm(user=user)
    User.objects.filter(pk=user.pk).update(email_verified=True)
    user.email_verified = True
    audit(user=by, obj=user, message=gettext_noop("Email confirmed."), changes=changes_since(before, user))


@transaction.atomic
def user_disable(*, user: User, by=None) -> None:
    """Staff action: no more logins or refreshes; issued access tokens are refused too.
    ``by``: the staff member, named in the audit entry."""
    before = values(user, ["is_active"])
    User.objects.filter(pk=user.pk).update(is_active=False)
    # Issued tokens stay refused if the account is enabled again.
    revocation.revoke_all(user_id=user.pk)
    get_provider().admin_disable(user=user)
    user.is_active = False
    audit(user=by, obj=user, message=gettext_noop("Disabled."), changes=changes_since(before, user))


@transaction.atomic
def user_reset_mfa(*, user: User, by=None) -> None:
    """Staff action for a lost authenticator: next login asks for the password only.
    ``by``: the staff member, named in the audit entry."""
    get_provider().admin_reset_mfa(user=user)
    audit(user=by, obj=user, message=gettext_noop("Two-step verification reset."))


# --- The admin's second step (django-otp TOTP devices; accounts/admin_site.py) -------------


def admin_mfa_start(*, user: User) -> TOTPDevice:
    """The unconfirmed device a staff member is enrolling: the same one until confirmed, so
    reloading the page keeps the QR code they may already have scanned."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="admin", confirmed=False)
    return device


@transaction.atomic
def admin_mfa_verify(*, device: TOTPDevice, token: str) -> bool:
    """Whether ``token`` is a current code of ``device`` never used before (the row is locked,
    so two requests cannot both spend the same code)."""
    locked = TOTPDevice.objects.select_for_update().filter(pk=device.pk).first()
    if locked is None or not token.strip().isdigit():
        return False
    verified = locked.verify_token(token.strip())
    device.refresh_from_db()
    return verified


@transaction.atomic
def admin_mfa_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Enrolment ends: a right code confirms ``device``, which replaces any other of the user's."""
    if not admin_mfa_verify(device=device, token=token):
        return False
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    device.confirmed = True
    audit(user=device.user, obj=device.user, message=gettext_noop("Two-step verification for the admin set up."))
    return True


@transaction.atomic
def admin_mfa_reset(*, user: User, by=None) -> None:
    """A lost or replaced phone: the staff member's admin devices go, and their verified sessions
    with them; the next sign-in with the password leads to enrolment. ``by``: named in the audit."""
    deleted, _counts = TOTPDevice.objects.filter(user=user).delete()
    if not deleted:
        raise DomainError(_("No two-step verification for the admin is set up."), code="not_found")
    audit(user=by, obj=user, message=gettext_noop("Two-step verification for the admin reset."))


# --- Access requests: asking to join, and staff's answer -------------------------------------


def access_request_create(
    *, email: str, first_name: str, last_name: str, message: str = "", language: str = "en"
) -> AccessRequest | None:
    """A pending request, and a mail to say staff will answer. Nothing (``None``, no mail) when
    one is pending for the email or the email has an account: the caller answers the same."""
    email = canonical_email(email)
    if (
        User.objects.filter(email=email).exists()
        or AccessRequest.objects.filter(email=email, status=AccessRequest.Status.PENDING).exists()
    ):
        return None
    try:
        with transaction.atomic():
            access_request = AccessRequest.objects.create(
                email=email, first_name=first_name, last_name=last_name, message=message, language=language
            )
            transaction.on_commit(lambda: mail.send_access_request_received(access_request=access_request))
    except IntegrityError:  # the same request twice at once
        return None
    return access_request


def _pending(access_request: AccessRequest) -> AccessRequest:
    locked = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if locked.status != AccessRequest.Status.PENDING:
        raise Conflict(_("This request was already answered (%(status)s).") % {"status": locked.get_status_display()})
    return locked


@transaction.atomic
def access_request_approve(*, access_request: AccessRequest, by: User | None) -> User:
    """Create the account (no password: it signs in with emailed codes), make it a member of
    the groups staff picked, let retreats grant the gatherings they picked
    (``signals.access_request_approved``), and mail the person how to sign in.
    An email that has an account meanwhile gets the memberships and grants on that account."""
    access_request = _pending(access_request)
    user = User.objects.filter(email=access_request.email).first()
    if user is None:
        user = get_provider().create_account(
            email=access_request.email, name=access_request.full_name, language=access_request.language
        )
    for group in access_request.groups.all():
        GroupMembership.objects.get_or_create(user=user, group=group)
    AccessRequest.objects.filter(pk=access_request.pk).update(
        status=AccessRequest.Status.APPROVED, decided_at=timezone.now(), decided_by=by, user=user
    )
    access_request.refresh_from_db()
    signals.access_request_approved.send(sender=AccessRequest, access_request=access_request, user=user, by=by)
    audit(
        user=by,
        obj=access_request,
        message=gettext_noop("Access request approved."),
        changes={"status": (AccessRequest.Status.PENDING, AccessRequest.Status.APPROVED), "user": (None, user.email)},
    )
    transaction.on_commit(lambda: mail.send_access_request_approved(user=user))
    return user


@transaction.atomic
def access_request_decline(*, access_request: AccessRequest, by: User | None, notify: bool) -> None:
    """No account; with ``notify``, a kind refusal by mail. The person may ask again later."""
    access_request = _pending(access_request)
    AccessRequest.objects.filter(pk=access_request.pk).update(
        status=AccessRequest.Status.DECLINED, decided_at=timezone.now(), decided_by=by
    )
    audit(
        user=by,
        obj=access_request,
        message=gettext_noop("Access request declined, with a mail.")
        if notify
        else gettext_noop("Access request declined, without a mail."),
        changes={"status": (AccessRequest.Status.PENDING, AccessRequest.Status.DECLINED)},
    )
    if notify:
        transaction.on_commit(lambda: mail.send_access_request_declined(access_request=access_request))
