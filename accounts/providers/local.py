"""The embedded identity provider: Django password hashing, tokens in Cognito's format signed
here with RS256, email codes through Django's email backend, TOTP MFA with pyotp."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from datetime import timedelta

import jwt
import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import keys, login_limits, revocation
from accounts.models import Device, EmailCode, LocalCredentials, RefreshToken, User
from padmakara import mail

from . import (
    IdentityProvider,
    LoginResult,
    MfaSetup,
    ProviderUser,
    TokenConfig,
    Tokens,
    canonical_email,
    email_not_verified,
    email_taken,
    invalid_code,
    invalid_credentials,
    invalid_token,
    mfa_proof_required,
    otpauth_uri,
    weak_password,
)

CODE_LIFETIME = {
    EmailCode.Purpose.VERIFY: timedelta(hours=24),
    EmailCode.Purpose.RESET: timedelta(hours=1),
    EmailCode.Purpose.SIGNIN: timedelta(minutes=10),
}
CODE_MAX_ATTEMPTS = 5
MFA_SESSION_SECONDS = 300
MFA_SALT = "accounts.local.mfa-session"


def _hash_refresh(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _hash_code(user_id: int, purpose: str, code: str) -> str:
    message = f"{user_id}:{purpose}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _hash_link(token: str) -> str:
    """The stored form of a sign-in link's token (looked up by it, so no salt per user)."""
    return hmac.new(settings.SECRET_KEY.encode(), f"signin-link:{token}".encode(), hashlib.sha256).hexdigest()


def _normalize(email: str) -> str:
    return canonical_email(email)


def _totp_step(secret: str, code: str, *, after: int = 0) -> int | None:
    """The time step (now, or one either side for clock drift) whose code ``code`` is, if any
    is later than ``after`` (the last step already used)."""
    totp = pyotp.TOTP(secret)
    now = totp.timecode(timezone.now())
    for step in (now - 1, now, now + 1):
        if step > after and hmac.compare_digest(totp.generate_otp(step), str(code)):
            return step
    return None


def _burn_password_hash(password: str) -> None:
    """Hash against nothing, so an unknown email costs what a known one does."""
    User().set_password(password)


class LocalIdentityProvider(IdentityProvider):
    # --- tokens ---------------------------------------------------------------------------

    def issuer(self, request=None) -> str:
        if settings.IDENTITY_ISSUER:
            return settings.IDENTITY_ISSUER
        if request is None:
            raise ValueError("IDENTITY_ISSUER is empty and there is no request to take the origin from.")
        return request.build_absolute_uri("/").rstrip("/")

    def token_config(self) -> TokenConfig:
        if settings.IDENTITY_JWKS_URL:
            from accounts.authentication import http_jwks

            source = http_jwks(settings.IDENTITY_JWKS_URL, settings.IDENTITY_JWKS_TIMEOUT)
        else:
            # In-process: a single sync worker fetching its own /.well-known/jwks.json would deadlock.
            source = keys.jwks
        issuers = (settings.IDENTITY_ISSUER,) if settings.IDENTITY_ISSUER else ()
        client_ids = (settings.IDENTITY_CLIENT_ID,)
        return TokenConfig(
            issuers=issuers,
            client_ids=client_ids,
            jwks=source,
            cache_key=("local", issuers, client_ids, settings.IDENTITY_JWKS_URL, keys.signing_key().kid),
        )

    def token_issuers(self, request=None) -> tuple[str, ...]:
        if settings.IDENTITY_ISSUER or request is None:
            return (settings.IDENTITY_ISSUER,)
        return (self.issuer(request),)

    def _sign(self, claims: dict) -> str:
        key = keys.signing_key()
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})

    def _tokens(self, user: User, *, request, origin_jti: str, auth_time: int, refresh_token: str | None) -> Tokens:
        """``origin_jti`` is the session (the refresh token family): logout revokes it."""
        now = int(time.time())
        lifetime = settings.IDENTITY_ACCESS_TOKEN_SECONDS
        common = {
            "sub": user.cognito_sub,
            "iss": self.issuer(request),
            "origin_jti": origin_jti,
            "event_id": str(uuid.uuid4()),
            "auth_time": revocation.session_start(user, auth_time),
            "iat": now,
            "exp": now + lifetime,
        }
        access = self._sign(
            {
                **common,
                "token_use": "access",
                "client_id": settings.IDENTITY_CLIENT_ID,
                "scope": "aws.cognito.signin.user.admin",
                "username": user.cognito_sub,
                "jti": str(uuid.uuid4()),
            }
        )
        id_token = self._sign(
            {
                **common,
                "token_use": "id",
                "aud": settings.IDENTITY_CLIENT_ID,
                "cognito:username": user.cognito_sub,
                "email": user.email,
                "email_verified": user.email_verified,
                "name": user.name,
                "jti": str(uuid.uuid4()),
            }
        )
        return Tokens(access_token=access, id_token=id_token, expires_in=lifetime, refresh_token=refresh_token)

    def _new_refresh_token(self, user: User, *, family: uuid.UUID) -> str:
        token = secrets.token_urlsafe(48)
        RefreshToken.objects.create(
            user=user,
            token_hash=_hash_refresh(token),
            family=family,
            expires_at=timezone.now() + timedelta(days=settings.IDENTITY_REFRESH_TOKEN_DAYS),
        )
        return token

    def _issue(self, user: User, request) -> Tokens:
        family = uuid.uuid4()  # the new session: its refresh tokens and the origin_jti of its tokens
        refresh = self._new_refresh_token(user, family=family)
        user.last_login = timezone.now()
        User.objects.filter(pk=user.pk).update(last_login=user.last_login)
        return self._tokens(
            user, request=request, origin_jti=str(family), auth_time=int(time.time()), refresh_token=refresh
        )

    # --- email codes ----------------------------------------------------------------------

    def _send_code(self, user: User, purpose: str) -> None:
        now = timezone.now()
        # A new code replaces any earlier one of the same purpose.
        EmailCode.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(used_at=now)
        code = f"{secrets.randbelow(1_000_000):06d}"
        EmailCode.objects.create(
            user=user,
            purpose=purpose,
            code_hash=_hash_code(user.pk, purpose, code),
            expires_at=now + CODE_LIFETIME[purpose],
        )
        # Templated mail in the user's language (en/pt), sent once the code is stored.
        send = mail.send_verification_code if purpose == EmailCode.Purpose.VERIFY else mail.send_password_reset_code
        transaction.on_commit(lambda: send(user=user, code=code))

    @transaction.atomic
    def _consume_code(self, user: User | None, purpose: str, code: str) -> bool:
        """True if ``code`` is the user's live code for ``purpose``; it is then used up.
        Wrong guesses count, and the code dies after a few, so it cannot be brute-forced."""
        if user is None:
            return False
        row = (
            EmailCode.objects.select_for_update()
            .filter(user=user, purpose=purpose, used_at__isnull=True, expires_at__gt=timezone.now())
            .order_by("-created_at")
            .first()
        )
        if row is None or row.attempts >= CODE_MAX_ATTEMPTS:
            return False
        if not hmac.compare_digest(row.code_hash, _hash_code(user.pk, purpose, str(code))):
            EmailCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
            return False
        EmailCode.objects.filter(pk=row.pk).update(used_at=timezone.now())
        return True

    # --- docs/api.md "Auth" ---------------------------------------------------------------

    def register(self, *, email: str, password: str, name: str) -> User:
        email = _normalize(email)
        try:
            validate_password(password, user=User(email=email, name=name))
        except ValidationError as exc:
            raise weak_password(exc.messages) from exc
        try:
            with transaction.atomic():
                if User.objects.filter(email__iexact=email).exists():
                    raise email_taken()
                user = User.objects.create_user(email=email, password=password, name=name, email_verified=False)
                user.cognito_sub = str(user.uuid)
                user.save(update_fields=["cognito_sub"])
                self._send_code(user, EmailCode.Purpose.VERIFY)
        except IntegrityError as exc:  # two registrations of one email at the same moment
            raise email_taken() from exc
        return user

    def verify_email(self, *, email: str, code: str) -> None:
        user = User.objects.filter(email=_normalize(email)).first()
        if not self._consume_code(user, EmailCode.Purpose.VERIFY, code):
            raise invalid_code()
        User.objects.filter(pk=user.pk).update(email_verified=True)

    def resend_verification(self, *, email: str) -> None:
        user = User.objects.filter(email=_normalize(email), is_active=True, email_verified=False).first()
        if user is not None:
            with transaction.atomic():
                self._send_code(user, EmailCode.Purpose.VERIFY)

    def _credentials(self, user: User) -> LocalCredentials:
        return LocalCredentials.objects.get_or_create(user=user)[0]

    def login(self, *, email: str, password: str, request=None) -> LoginResult:
        email = _normalize(email)
        # Slowed, never locked (accounts/login_limits.py); by the email as typed, account or not.
        login_limits.check(email=email, request=request)
        user = User.objects.filter(email=email).first()
        if user is None or not user.has_usable_password():
            _burn_password_hash(password)
            login_limits.record_failure(email=email, request=request)
            raise invalid_credentials()
        if not user.check_password(password) or not user.is_active:
            login_limits.record_failure(email=email, request=request)
            raise invalid_credentials()
        credentials = self._credentials(user)
        if not user.email_verified:
            raise email_not_verified()
        if credentials.mfa_enabled:
            # The count ends only with the second step: else the password alone would let wrong
            # codes be guessed without ever waiting.
            session = signing.dumps({"u": str(user.uuid), "n": secrets.token_hex(8)}, salt=MFA_SALT)
            return LoginResult(challenge="SOFTWARE_TOKEN_MFA", session=session)
        login_limits.clear(email=email)
        return LoginResult(user=user, tokens=self._issue(user, request))

    def _accept_totp(self, credentials: LocalCredentials, code: str) -> bool:
        """A code of the current step (±1 for clock drift), never one already used."""
        if not credentials.mfa_secret:
            return False
        step = _totp_step(credentials.mfa_secret, code, after=credentials.mfa_last_step)
        if step is None:
            return False
        return bool(
            LocalCredentials.objects.filter(pk=credentials.pk, mfa_last_step__lt=step).update(mfa_last_step=step)
        )

    def login_mfa(self, *, email: str, session: str, code: str, request=None) -> LoginResult:
        try:
            data = signing.loads(session, salt=MFA_SALT, max_age=MFA_SESSION_SECONDS)
        except signing.BadSignature as exc:
            raise invalid_credentials() from exc
        email = _normalize(email)
        user = User.objects.filter(uuid=data.get("u"), email=email, is_active=True).first()
        if user is None:
            raise invalid_credentials()
        login_limits.check(email=email, request=request)
        credentials = self._credentials(user)
        if not credentials.mfa_enabled or not self._accept_totp(credentials, code):
            login_limits.record_failure(email=email, request=request)
            raise invalid_code()
        login_limits.clear(email=email)
        return LoginResult(user=user, tokens=self._issue(user, request))

    def refresh(self, *, refresh_token: str, request=None) -> Tokens:
        with transaction.atomic():
            row = (
                RefreshToken.objects.select_for_update()
                .select_related("user")
                .filter(token_hash=_hash_refresh(refresh_token or ""))
                .first()
            )
            if row is None:
                raise invalid_token(_("The refresh token is invalid, expired or revoked."))
            if row.revoked_at is not None:
                # A rotated token came back: someone kept a copy. End the whole session.
                RefreshToken.objects.filter(family=row.family, revoked_at__isnull=True).update(
                    revoked_at=timezone.now()
                )
                reused = True
            else:
                reused = False
        if (
            reused
            or row.expires_at <= timezone.now()
            or not row.user.is_active
            # A password change or reset, or disabling, since this token was made.
            or revocation.refresh_refused(row.user, created_at=row.created_at)
        ):
            raise invalid_token(_("The refresh token is invalid, expired or revoked."))
        with transaction.atomic():
            rotated = RefreshToken.objects.filter(pk=row.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
            if not rotated:  # a concurrent refresh won the race
                raise invalid_token(_("The refresh token is invalid, expired or revoked."))
            new_refresh = self._new_refresh_token(row.user, family=row.family)
        return self._tokens(
            row.user,
            request=request,
            origin_jti=str(row.family),
            auth_time=int(row.created_at.timestamp()),
            refresh_token=new_refresh,
        )

    def logout(self, *, refresh_token: str) -> None:
        """Ends the session of the refresh token: its refresh tokens and, at once, its access
        tokens (the family is their ``origin_jti``)."""
        row = RefreshToken.objects.filter(token_hash=_hash_refresh(refresh_token or "")).first()
        if row is not None:
            with transaction.atomic():
                RefreshToken.objects.filter(family=row.family, revoked_at__isnull=True).update(
                    revoked_at=timezone.now()
                )
                Device.objects.filter(session=str(row.family), revoked_at__isnull=True).update(
                    revoked_at=timezone.now(), push_token=None
                )
                revocation.revoke_session(
                    user_id=row.user_id, sid=str(row.family), until=revocation.access_token_horizon()
                )

    def change_password(self, *, user: User, access_token: str, current_password: str, new_password: str) -> None:
        """Needs the current password (a stolen access token alone must not take the account
        over); wrong ones are slowed like failed logins. Ends every session, this one too."""
        login_limits.check(email=user.email)
        if not user.check_password(current_password):
            login_limits.record_failure(email=user.email)
            raise invalid_credentials()
        try:
            validate_password(new_password, user=user)
        except ValidationError as exc:
            raise weak_password(exc.messages) from exc
        with transaction.atomic():
            user.set_password(new_password)
            user.save(update_fields=["password"])  # also ends every session (User.save)
            RefreshToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        login_limits.clear(email=user.email)

    def forgot_password(self, *, email: str) -> None:
        user = User.objects.filter(email=_normalize(email), is_active=True).first()
        if user is not None:
            with transaction.atomic():
                self._send_code(user, EmailCode.Purpose.RESET)

    def reset_password(self, *, email: str, code: str, new_password: str) -> None:
        user = User.objects.filter(email=_normalize(email), is_active=True).first()
        # The code first: only its holder learns anything about the password rules, so a
        # stranger gets "the code is wrong" whether the email has an account or not.
        with transaction.atomic():
            accepted = self._consume_code(user, EmailCode.Purpose.RESET, code)
            if accepted:
                try:
                    validate_password(new_password, user=user)
                except ValidationError as exc:
                    raise weak_password(exc.messages) from exc  # rolls back: the code stays usable
        if not accepted or user is None:
            raise invalid_code()
        with transaction.atomic():
            user.set_password(new_password)
            # Receiving the code proves the address; a reset also ends every session and login wait.
            user.email_verified = True
            user.save(update_fields=["password", "email_verified"])
            RefreshToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        login_limits.clear(email=user.email)

    def mfa_setup(self, *, user: User, access_token: str, code: str = "", password: str = "") -> MfaSetup:
        credentials = self._credentials(user)
        if credentials.mfa_enabled:
            login_limits.check(email=user.email)
            proven = (code and self._accept_totp(credentials, code)) or (password and user.check_password(password))
            if not proven:
                login_limits.record_failure(email=user.email)
                raise mfa_proof_required()
        secret = pyotp.random_base32()
        LocalCredentials.objects.filter(pk=credentials.pk).update(mfa_pending_secret=secret)
        return MfaSetup(secret=secret, otpauth_uri=otpauth_uri(secret, user.email))

    def mfa_verify(self, *, user: User, access_token: str, code: str) -> None:
        """A code of the pending secret makes it the secret, and MFA on."""
        credentials = self._credentials(user)
        pending = credentials.mfa_pending_secret
        if not pending:
            raise invalid_code()
        step = _totp_step(pending, code)
        swapped = step is not None and LocalCredentials.objects.filter(
            pk=credentials.pk, mfa_pending_secret=pending
        ).update(mfa_secret=pending, mfa_pending_secret="", mfa_enabled=True, mfa_last_step=step)
        if not swapped:
            raise invalid_code()

    # --- onboarding -------------------------------------------------------------------------

    def create_account(self, *, email: str, name: str, language: str) -> User:
        user = User.objects.create_user(
            email=_normalize(email), password=None, name=name, language=language, email_verified=False
        )
        user.cognito_sub = str(user.uuid)
        user.save(update_fields=["cognito_sub"])
        return user

    def email_code_start(self, *, email: str, request=None) -> None:
        user = User.objects.filter(email=_normalize(email), is_active=True).first()
        if user is None:
            return
        purpose = EmailCode.Purpose.SIGNIN
        with transaction.atomic():
            now = timezone.now()
            # A new code (and link) replaces any earlier one.
            EmailCode.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(used_at=now)
            code = f"{secrets.randbelow(1_000_000):06d}"
            token = secrets.token_urlsafe(32)
            EmailCode.objects.create(
                user=user,
                purpose=purpose,
                code_hash=_hash_code(user.pk, purpose, code),
                link_hash=_hash_link(token),
                expires_at=now + CODE_LIFETIME[purpose],
            )
            transaction.on_commit(lambda: mail.send_sign_in_code(user=user, code=code, token=token))

    @transaction.atomic
    def _consume_link(self, token: str, email: str) -> User | None:
        """The user of a live sign-in link's token, which is then used up (with its code)."""
        row = (
            EmailCode.objects.select_for_update()
            .select_related("user")
            .filter(link_hash=_hash_link(token), purpose=EmailCode.Purpose.SIGNIN)
            .first()
        )
        if (
            row is None
            or row.used_at is not None
            or row.expires_at <= timezone.now()
            or row.attempts >= CODE_MAX_ATTEMPTS
            or (email and row.user.email != email)
        ):
            return None
        EmailCode.objects.filter(pk=row.pk).update(used_at=timezone.now())
        return row.user

    def email_code_verify(self, *, email: str, code: str = "", token: str = "", request=None) -> LoginResult:
        email = _normalize(email) if email else ""
        if token:
            user = self._consume_link(token, email)
        else:
            user = User.objects.filter(email=email).first() if email else None
            if not self._consume_code(user, EmailCode.Purpose.SIGNIN, code):
                user = None
        if user is None or not user.is_active or user.is_staff:  # staff: password and MFA only
            raise invalid_code()
        if not user.email_verified:  # the code reached the address
            User.objects.filter(pk=user.pk).update(email_verified=True)
            user.email_verified = True
        if self._credentials(user).mfa_enabled:
            # The emailed code stands for the password, not for the second step.
            session = signing.dumps({"u": str(user.uuid), "n": secrets.token_hex(8)}, salt=MFA_SALT)
            return LoginResult(challenge="SOFTWARE_TOKEN_MFA", session=session)
        login_limits.clear(email=user.email)
        return LoginResult(user=user, tokens=self._issue(user, request))

    def sign_in_user(self, *, user: User, request=None, allow_staff: bool = False) -> Tokens:
        if not user.is_active or (user.is_staff and not allow_staff):  # staff: password and MFA only
            raise invalid_code()
        if not user.email_verified:  # the link reached the address
            User.objects.filter(pk=user.pk).update(email_verified=True)
            user.email_verified = True
        return self._issue(user, request)

    def end_session(self, *, user: User, session: str) -> None:
        try:
            family = uuid.UUID(session)
        except ValueError:
            return
        RefreshToken.objects.filter(user=user, family=family, revoked_at__isnull=True).update(revoked_at=timezone.now())

    # --- linking, deletion, admin ---------------------------------------------------------

    def lookup(self, *, sub: str, access_token: str | None) -> ProviderUser | None:
        return None  # every local account has its row from registration on; an unknown sub was deleted

    def delete_account(self, *, user: User) -> None:
        """Nothing beyond the rows, which the deletion service removes."""

    def admin_confirm(self, *, user: User) -> None:
        """Confirming is the ``email_verified`` flag itself."""

    def admin_disable(self, *, user: User) -> None:
        RefreshToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())

    def admin_reset_mfa(self, *, user: User) -> None:
        LocalCredentials.objects.filter(user=user).update(
            mfa_enabled=False, mfa_secret="", mfa_pending_secret="", mfa_last_step=0
        )
