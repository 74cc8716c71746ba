"""Identity providers: one interface, chosen by dotted path in ``settings.IDENTITY_PROVIDER``.

Views and services talk to :class:`IdentityProvider` only; the local provider (Django
passwords, tokens signed here) and the Cognito provider (boto3 ``cognito-idp``) issue the
same Cognito-format tokens, checked by :mod:`accounts.authentication`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from padmakara.errors import DomainError

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class Tokens:
    access_token: str
    id_token: str
    expires_in: int
    refresh_token: str | None = None


@dataclass(frozen=True)
class LoginResult:
    """Either tokens for ``user``, or an MFA challenge to answer with ``session``."""

    user: User | None = None
    tokens: Tokens | None = None
    challenge: str | None = None
    session: str | None = None


@dataclass(frozen=True)
class MfaSetup:
    secret: str
    otpauth_uri: str


@dataclass(frozen=True)
class ProviderUser:
    """What the provider knows of an account seen for the first time in a token."""

    sub: str
    email: str
    name: str = ""
    email_verified: bool = False


@dataclass(frozen=True)
class TokenConfig:
    issuers: tuple[str, ...]
    client_ids: tuple[str, ...]
    jwks: Callable[[], dict]
    cache_key: tuple = field(default=())


# Errors shared by both providers, with the envelope codes of docs/api.md (statuses: padmakara.api.errors).
def invalid_credentials() -> DomainError:
    return DomainError(_("Incorrect email or password."), code="invalid_credentials")


def invalid_token(message=None) -> DomainError:
    return DomainError(message or _("The token is invalid, expired or revoked."), code="invalid_token")


def email_not_verified() -> DomainError:
    return DomainError(_("Confirm your email address first: enter the code we sent you."), code="email_not_verified")


def email_taken() -> DomainError:
    return DomainError(_("An account with this email already exists."), code="email_taken")


def invalid_code() -> DomainError:
    return DomainError(
        _("The code is wrong or has expired."),
        code="validation_error",
        details={"code": [str(_("The code is wrong or has expired."))]},
    )


def weak_password(messages: list[str]) -> DomainError:
    return DomainError(
        _("Choose a stronger password."), code="validation_error", details={"password": [str(m) for m in messages]}
    )


def mfa_proof_required() -> DomainError:
    return DomainError(
        _("Two-step verification is on: confirm with a code from your authenticator app or your password."),
        code="validation_error",
        details={"code": [str(_("Enter a current code from your authenticator app, or your password."))]},
    )


def rate_limited(wait: float) -> DomainError:
    """429 with ``Retry-After``: too many failures just now (accounts.login_limits)."""
    seconds = max(1, int(wait + 0.999))
    return DomainError(
        _("Too many attempts. Try again in a moment."), code="rate_limited", details={"retry_after": seconds}
    )


def email_refused() -> DomainError:
    message = _("Enter this email address in plain characters: it changes when written in lower case.")
    return DomainError(message, code="validation_error", details={"email": [str(message)]})


def canonical_email(email: str) -> str:
    """The form an email is stored and looked up in: NFKC, case-folded.

    An address that this would change beyond plain lower-casing is refused (``email_refused``),
    never silently turned into another one: the Kelvin sign ``K`` (U+212A) becomes an ASCII
    ``k``, ``İ`` (U+0130) an ``i`` with a combining dot, ``ß`` ``ss``, so ``\u212aate@…``
    would otherwise sign in, register or reset as ``kate@…``.
    """
    email = (email or "").strip()
    folded = email.casefold()
    if (
        unicodedata.normalize("NFKC", email) != email
        or folded != email.lower()
        or len(folded) != len(email)
        or unicodedata.normalize("NFKC", folded) != folded
    ):
        raise email_refused()
    return folded


class IdentityProvider:
    """The operations of docs/api.md "Auth", plus what deletion, linking and admin need."""

    def register(self, *, email: str, password: str, name: str) -> User:
        raise NotImplementedError

    def verify_email(self, *, email: str, code: str) -> None:
        raise NotImplementedError

    def resend_verification(self, *, email: str) -> None:
        raise NotImplementedError

    def login(self, *, email: str, password: str, request=None) -> LoginResult:
        raise NotImplementedError

    def login_mfa(self, *, email: str, session: str, code: str, request=None) -> LoginResult:
        raise NotImplementedError

    def refresh(self, *, refresh_token: str, request=None) -> Tokens:
        raise NotImplementedError

    def logout(self, *, refresh_token: str) -> None:
        """Revoke the refresh token's session with the provider. Its access tokens are revoked
        here by the caller (``accounts.services.auth_logout``) or by the provider itself."""
        raise NotImplementedError

    def change_password(self, *, user: User, access_token: str, current_password: str, new_password: str) -> None:
        """A new password for the signed-in user, who proves the current one. Every session
        of the user ends (``accounts.revocation``), this one too."""
        raise NotImplementedError

    def forgot_password(self, *, email: str) -> None:
        raise NotImplementedError

    def reset_password(self, *, email: str, code: str, new_password: str) -> None:
        raise NotImplementedError

    def mfa_setup(self, *, user: User, access_token: str, code: str = "", password: str = "") -> MfaSetup:
        """A new secret to verify. While MFA is on, only with a current ``code`` or the ``password``
        (a stolen access token alone must not move MFA to another device); MFA stays on with
        the current secret until :meth:`mfa_verify` accepts a code of the new one."""
        raise NotImplementedError

    def mfa_verify(self, *, user: User, access_token: str, code: str) -> None:
        raise NotImplementedError

    # --- onboarding: accounts staff approve, sign-in by emailed code -------------------------

    def create_account(self, *, email: str, name: str, language: str) -> User:
        """An account with no password, for a request staff approved: its owner signs in with
        emailed codes (or sets a password with "forgot password")."""
        raise NotImplementedError

    def email_code_start(self, *, email: str, request=None) -> None:
        """Mail a one-time sign-in code (and, where we send the mail, a link with a one-time
        token). Nothing tells the caller whether ``email`` has an account."""
        raise NotImplementedError

    def email_code_verify(self, *, email: str, code: str = "", token: str = "", request=None) -> LoginResult:
        """Tokens for a live code of ``email``, or for a link's ``token``; ``invalid_code`` else,
        the same for every email. Where MFA is on, its challenge instead of tokens."""
        raise NotImplementedError

    def sign_in_user(self, *, user: User, request=None, allow_staff: bool = False) -> Tokens:
        """Tokens of a new session for ``user``, whose mailbox the caller has just proven (the
        mobile app's device activation link; ``allow_staff`` only for the test support of
        docs/compat-api.md). Providers that cannot mint them refuse."""
        raise DomainError(_("This sign-in is not available with this identity provider."), code="provider_error")

    def end_session(self, *, user: User, session: str) -> None:
        """A revoked device's sign-in session: its refresh tokens die where the provider can
        reach them (its access tokens are revoked by the caller, ``accounts.revocation``)."""
        raise NotImplementedError

    def lookup(self, *, sub: str, access_token: str | None) -> ProviderUser | None:
        """The account behind a valid token whose ``sub`` we have never seen, or None."""
        raise NotImplementedError

    def link(self, info: ProviderUser) -> User | None:
        """Create or link the row for an account found by :meth:`lookup`; an existing row is
        linked by email only when the provider says the email is verified (else ``None``)."""
        raise NotImplementedError

    def delete_account(self, *, user: User) -> None:
        """Remove the provider's account; succeeds if it is already gone."""
        raise NotImplementedError

    def admin_confirm(self, *, user: User) -> None:
        raise NotImplementedError

    def admin_disable(self, *, user: User) -> None:
        raise NotImplementedError

    def admin_reset_mfa(self, *, user: User) -> None:
        raise NotImplementedError

    def token_config(self) -> TokenConfig:
        raise NotImplementedError

    def token_issuers(self, request=None) -> tuple[str, ...]:
        return self.token_config().issuers


@cache
def _provider(path: str) -> IdentityProvider:
    return import_string(path)()


def get_provider() -> IdentityProvider:
    return _provider(settings.IDENTITY_PROVIDER)


def otpauth_uri(secret: str, email: str) -> str:
    """The URI authenticator apps read from a QR code (Key Uri Format)."""
    issuer = settings.IDENTITY_MFA_ISSUER
    label = quote(f"{issuer}:{email}")
    return f"otpauth://totp/{label}?{urlencode({'secret': secret, 'issuer': issuer, 'algorithm': 'SHA1', 'digits': 6, 'period': 30})}"
