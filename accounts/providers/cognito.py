"""Amazon Cognito as the identity provider, through boto3 ``cognito-idp``.

Cognito owns passwords, codes, MFA and lock-out; we keep the ``User`` row (linked by
``cognito_sub``) for preferences, subscription and everything personal.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from functools import cache

import boto3
import jwt
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError
from django.conf import settings
from django.core.cache import cache as shared_cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import revocation
from accounts.models import Device, User
from padmakara.errors import DomainError

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

logger = logging.getLogger(__name__)

# Cognito's error codes → docs/api.md's envelope. Anything else is logged and answered 502.
ERROR_MAP = {
    "UsernameExistsException": email_taken,
    "AliasExistsException": email_taken,
    "NotAuthorizedException": invalid_credentials,
    "UserNotFoundException": invalid_credentials,
    "UserNotConfirmedException": email_not_verified,
    "CodeMismatchException": invalid_code,
    "ExpiredCodeException": invalid_code,
    "EnableSoftwareTokenMFAException": invalid_code,
    "InvalidPasswordException": lambda: weak_password([_("The password does not meet the password policy.")]),
    "InvalidParameterException": lambda: invalid_fields(),
    "PasswordResetRequiredException": lambda: DomainError(
        _("Reset your password to sign in."), code="password_reset_required"
    ),
    "LimitExceededException": lambda: rate_limited(),
    "TooManyRequestsException": lambda: rate_limited(),
    "TooManyFailedAttemptsException": lambda: rate_limited(),
}


# Wrong codes one emailed Cognito code takes before it is dropped, as the local provider's.
EMAIL_OTP_MAX_ATTEMPTS = 5


def invalid_fields() -> DomainError:
    return DomainError(_("The request has invalid fields."), code="validation_error")


def rate_limited() -> DomainError:
    return DomainError(_("Too many requests. Try again later."), code="rate_limited")


# Errors that must not tell a caller whether an email is registered.
SILENT_FOR_UNKNOWN = {
    "UserNotFoundException",
    "InvalidParameterException",
    "NotAuthorizedException",
    "LimitExceededException",
}


def error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def to_domain_error(exc: Exception) -> DomainError:
    if isinstance(exc, ClientError):
        factory = ERROR_MAP.get(error_code(exc))
        if factory is not None:
            return factory()
    if isinstance(exc, ParamValidationError):  # the client's input, refused before it left (length, pattern)
        return invalid_fields()
    logger.error("Cognito call failed: %s", exc)
    # The envelope code is server_error, answered 502: the fault is the sign-in service's.
    return DomainError(_("The sign-in service is unavailable. Try again shortly."), code="server_error")


@cache
def _client(region: str, endpoint_url: str | None):
    config = Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"})
    return boto3.client("cognito-idp", region_name=region, endpoint_url=endpoint_url, config=config)


class CognitoIdentityProvider(IdentityProvider):
    @property
    def client(self):
        return _client(settings.COGNITO_AWS_REGION, settings.COGNITO_ENDPOINT_URL)

    @property
    def client_id(self) -> str:
        return settings.COGNITO_APP_CLIENT_ID

    @property
    def pool_id(self) -> str:
        return settings.COGNITO_USER_POOL

    def secret_hash(self, username: str) -> str | None:
        """HMAC-SHA256(client secret, username + client id), when the app client has a secret."""
        secret = settings.COGNITO_APP_CLIENT_SECRET
        if not secret:
            return None
        digest = hmac.new(secret.encode(), (username + self.client_id).encode(), hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    def _with_secret(self, username: str, params: dict, key: str = "SecretHash") -> dict:
        secret_hash = self.secret_hash(username)
        if secret_hash:
            params[key] = secret_hash
        return params

    def call(self, operation: str, **params):
        try:
            return getattr(self.client, operation)(**params)
        except (ClientError, BotoCoreError) as exc:
            raise to_domain_error(exc) from exc

    # --- tokens ---------------------------------------------------------------------------

    def issuer(self) -> str:
        return (
            settings.COGNITO_ISSUER or f"https://cognito-idp.{settings.COGNITO_AWS_REGION}.amazonaws.com/{self.pool_id}"
        )

    def token_config(self) -> TokenConfig:
        from accounts.authentication import http_jwks

        url = settings.IDENTITY_JWKS_URL or f"{self.issuer()}/.well-known/jwks.json"
        issuers = (self.issuer(),)
        client_ids = (self.client_id,)
        return TokenConfig(
            issuers=issuers,
            client_ids=client_ids,
            jwks=http_jwks(url, settings.IDENTITY_JWKS_TIMEOUT),
            cache_key=("cognito", issuers, client_ids, url, settings.IDENTITY_JWKS_TIMEOUT),
        )

    def _tokens(self, result: dict) -> Tokens:
        return Tokens(
            access_token=result["AccessToken"],
            id_token=result["IdToken"],
            expires_in=int(result.get("ExpiresIn", 3600)),
            refresh_token=result.get("RefreshToken"),
        )

    def _user_from_id_token(self, id_token: str) -> User:
        # Received straight from Cognito over TLS, so its claims are read, not re-verified.
        claims = jwt.decode(id_token, options={"verify_signature": False})
        user = self._link(
            ProviderUser(
                sub=claims["sub"],
                email=claims.get("email", ""),
                name=claims.get("name", ""),
                # Cognito sends a JSON boolean; a string or a missing claim is not a proof.
                email_verified=claims.get("email_verified") in (True, "true"),
            )
        )
        if user is None:
            raise email_not_verified()
        return user

    @transaction.atomic
    def _link(self, info: ProviderUser) -> User | None:
        """The row for a Cognito account: by ``sub``, else by email, else a new one.

        An existing row is taken over by email only when Cognito says the address is
        verified: anyone can sign up (or change their address) to someone else's email, and
        must not inherit that account. ``None`` when the email is unverified and already
        belongs to a row.
        """
        user = User.objects.select_for_update().filter(cognito_sub=info.sub).first()
        if user is None and info.email:
            email = info.email.lower()
            if not info.email_verified:
                if User.objects.filter(email=email).exists():
                    logger.warning("not linking Cognito sub %s to an existing row: email not verified", info.sub)
                    return None
            else:
                user = User.objects.select_for_update().filter(email=email, cognito_sub__isnull=True).first()
        if user is None:
            user = User(email=info.email.lower(), name=info.name)
            user.set_unusable_password()
        user.cognito_sub = info.sub
        user.email_verified = user.email_verified or info.email_verified
        user.last_login = timezone.now()
        user.save()
        return user

    def _login_result(self, response: dict) -> LoginResult:
        if response.get("ChallengeName") == "SOFTWARE_TOKEN_MFA":
            return LoginResult(challenge="SOFTWARE_TOKEN_MFA", session=response["Session"])
        if "AuthenticationResult" not in response:
            logger.warning("unsupported Cognito challenge %s", response.get("ChallengeName"))
            raise invalid_credentials()
        tokens = self._tokens(response["AuthenticationResult"])
        return LoginResult(user=self._user_from_id_token(tokens.id_token), tokens=tokens)

    # --- docs/api.md "Auth" ---------------------------------------------------------------

    def register(self, *, email: str, password: str, name: str) -> User:
        email = canonical_email(email)
        if User.objects.filter(email=email).exists():
            raise email_taken()
        response = self.call(
            "sign_up",
            **self._with_secret(
                email,
                {
                    "ClientId": self.client_id,
                    "Username": email,
                    "Password": password,
                    "UserAttributes": [{"Name": "email", "Value": email}, {"Name": "name", "Value": name}],
                },
            ),
        )
        try:
            with transaction.atomic():
                user = User(email=email, name=name, cognito_sub=response["UserSub"], email_verified=False)
                user.set_unusable_password()
                user.save()
        except IntegrityError as exc:
            raise email_taken() from exc
        return user

    def verify_email(self, *, email: str, code: str) -> None:
        email = canonical_email(email)
        self.call(
            "confirm_sign_up",
            **self._with_secret(email, {"ClientId": self.client_id, "Username": email, "ConfirmationCode": str(code)}),
        )
        User.objects.filter(email=email).update(email_verified=True)

    def _silently(self, operation: str, **params) -> None:
        """For calls whose answer must be the same for unknown emails."""
        try:
            getattr(self.client, operation)(**params)
        except ClientError as exc:
            if error_code(exc) not in SILENT_FOR_UNKNOWN:
                raise to_domain_error(exc) from exc
            logger.info("Cognito %s: %s (not told to the caller)", operation, error_code(exc))
        except BotoCoreError as exc:
            raise to_domain_error(exc) from exc

    def resend_verification(self, *, email: str) -> None:
        email = canonical_email(email)
        self._silently(
            "resend_confirmation_code", **self._with_secret(email, {"ClientId": self.client_id, "Username": email})
        )

    def login(self, *, email: str, password: str, request=None) -> LoginResult:
        email = canonical_email(email)
        params = self._with_secret(email, {"USERNAME": email, "PASSWORD": password}, key="SECRET_HASH")
        response = self.call(
            "initiate_auth", ClientId=self.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params
        )
        return self._login_result(response)

    def login_mfa(self, *, email: str, session: str, code: str, request=None) -> LoginResult:
        email = canonical_email(email)
        responses = self._with_secret(
            email, {"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": str(code)}, key="SECRET_HASH"
        )
        response = self.call(
            "respond_to_auth_challenge",
            ClientId=self.client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=session,
            ChallengeResponses=responses,
        )
        return self._login_result(response)

    def refresh(self, *, refresh_token: str, request=None) -> Tokens:
        try:
            if settings.COGNITO_APP_CLIENT_SECRET:
                # REFRESH_TOKEN_AUTH would need SECRET_HASH over the user's sub, which an opaque
                # refresh token does not reveal; this call takes the client secret itself.
                response = self.client.get_tokens_from_refresh_token(
                    RefreshToken=refresh_token, ClientId=self.client_id, ClientSecret=settings.COGNITO_APP_CLIENT_SECRET
                )
            else:
                response = self.client.initiate_auth(
                    ClientId=self.client_id,
                    AuthFlow="REFRESH_TOKEN_AUTH",
                    AuthParameters={"REFRESH_TOKEN": refresh_token},
                )
        except ClientError as exc:
            if error_code(exc) in {"NotAuthorizedException", "UserNotFoundException", "RefreshTokenReuseException"}:
                raise invalid_token(_("The refresh token is invalid, expired or revoked.")) from exc
            raise to_domain_error(exc) from exc
        except BotoCoreError as exc:
            raise to_domain_error(exc) from exc
        tokens = self._tokens(response["AuthenticationResult"])
        if self._revoked(tokens.access_token):
            # Cognito still honoured a refresh token of a session we ended (a password change
            # in the admin, a sign-out Cognito missed): its tokens would be refused anyway.
            try:
                self.logout(refresh_token=refresh_token)
            except DomainError:
                logger.warning("could not revoke a refresh token of an ended session in Cognito")
            raise invalid_token(_("The refresh token is invalid, expired or revoked."))
        return tokens

    def _revoked(self, access_token: str) -> bool:
        """The session of a token just received from Cognito over TLS (read, not re-verified)
        has been ended here. Cognito keeps ``auth_time`` and ``origin_jti`` across refreshes."""
        try:
            claims = jwt.decode(access_token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return False  # not for this check to judge: the validator refuses it where it is used
        user = User.objects.filter(cognito_sub=claims.get("sub")).first()
        if user is None:
            return False
        if revocation.is_revoked(user, claims):
            return True
        # A revoked device: its session stays ended after its last access token has expired.
        sid = revocation.session_id(claims)
        return sid is not None and Device.objects.filter(user=user, session=sid, revoked_at__isnull=False).exists()

    def _sign_out_everywhere(self, user: User) -> None:
        """Cognito's refresh tokens of every session die too (AdminUserGlobalSignOut)."""
        self._admin("admin_user_global_sign_out", user)

    def logout(self, *, refresh_token: str) -> None:
        params = {"Token": refresh_token, "ClientId": self.client_id}
        if settings.COGNITO_APP_CLIENT_SECRET:
            params["ClientSecret"] = settings.COGNITO_APP_CLIENT_SECRET
        try:
            self.client.revoke_token(**params)
        except ClientError as exc:
            # An unknown or already revoked token is logged out already.
            if error_code(exc) not in {
                "UnsupportedTokenTypeException",
                "NotAuthorizedException",
                "InvalidParameterException",
            }:
                raise to_domain_error(exc) from exc
        except BotoCoreError as exc:
            raise to_domain_error(exc) from exc

    def forgot_password(self, *, email: str) -> None:
        email = canonical_email(email)
        self._silently("forgot_password", **self._with_secret(email, {"ClientId": self.client_id, "Username": email}))

    def reset_password(self, *, email: str, code: str, new_password: str) -> None:
        email = canonical_email(email)
        params = {
            "ClientId": self.client_id,
            "Username": email,
            "ConfirmationCode": str(code),
            "Password": new_password,
        }
        try:
            self.client.confirm_forgot_password(**self._with_secret(email, params))
        except ClientError as exc:
            if error_code(exc) == "UserNotFoundException":  # same answer as a wrong code
                raise invalid_code() from exc
            raise to_domain_error(exc) from exc
        except BotoCoreError as exc:
            raise to_domain_error(exc) from exc
        # A reset ends every session, as with the local provider.
        user = User.objects.filter(email=email).first()
        if user is not None:
            revocation.revoke_all(user_id=user.pk)
            self._sign_out_everywhere(user)

    def change_password(self, *, user: User, access_token: str, current_password: str, new_password: str) -> None:
        """Cognito checks the current password (and slows wrong ones); then every session ends,
        this one too, here and in Cognito."""
        self.call(
            "change_password",
            PreviousPassword=current_password,
            ProposedPassword=new_password,
            AccessToken=access_token,
        )
        revocation.revoke_all(user_id=user.pk)
        self._sign_out_everywhere(user)

    def _password_ok(self, email: str, password: str) -> bool:
        """The password is right (Cognito answers tokens or an MFA challenge, not an error)."""
        params = self._with_secret(email, {"USERNAME": email, "PASSWORD": password}, key="SECRET_HASH")
        try:
            self.client.initiate_auth(ClientId=self.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params)
        except ClientError as exc:
            if error_code(exc) in {"NotAuthorizedException", "UserNotFoundException"}:
                return False
            raise to_domain_error(exc) from exc
        except BotoCoreError as exc:
            raise to_domain_error(exc) from exc
        return True

    def mfa_setup(self, *, user: User, access_token: str, code: str = "", password: str = "") -> MfaSetup:
        # Cognito keeps the current device until the new one is verified; while MFA is on, a
        # setup needs the password too (a TOTP code cannot be checked outside a login here).
        on = "SOFTWARE_TOKEN_MFA" in (self.call("get_user", AccessToken=access_token).get("UserMFASettingList") or [])
        if on and not (password and self._password_ok(user.email, password)):
            raise mfa_proof_required()
        secret = self.call("associate_software_token", AccessToken=access_token)["SecretCode"]
        return MfaSetup(secret=secret, otpauth_uri=otpauth_uri(secret, user.email))

    def mfa_verify(self, *, user: User, access_token: str, code: str) -> None:
        response = self.call("verify_software_token", AccessToken=access_token, UserCode=str(code))
        if response.get("Status") != "SUCCESS":
            raise invalid_code()
        self.call(
            "set_user_mfa_preference",
            AccessToken=access_token,
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
        )

    # --- onboarding: Cognito's own passwordless sign-in (USER_AUTH, EMAIL_OTP) ---------------

    def create_account(self, *, email: str, name: str, language: str) -> User:
        """The pool account with no password (the pool must allow passwordless sign-in) and its
        row. Cognito sends nothing (``SUPPRESS``): our approval mail says how to sign in."""
        email = canonical_email(email)
        try:
            response = self.client.admin_create_user(
                UserPoolId=self.pool_id,
                Username=email,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    # Approved by staff; the first emailed code proves it, as with the local provider.
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": "name", "Value": name},
                ],
                MessageAction="SUPPRESS",
                DesiredDeliveryMediums=["EMAIL"],
            )
            listed = response["User"].get("Attributes", [])
        except ClientError as exc:
            if error_code(exc) != "UsernameExistsException":
                raise to_domain_error(exc) from exc
            # An approval whose transaction failed after Cognito created the account: take it.
            listed = self.call("admin_get_user", UserPoolId=self.pool_id, Username=email).get("UserAttributes", [])
        except BotoCoreError as exc:
            raise to_domain_error(exc) from exc
        attributes = {item["Name"]: item["Value"] for item in listed}
        user = self._link(ProviderUser(sub=attributes["sub"], email=email, name=name, email_verified=True))
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language
        return user

    @staticmethod
    def _otp_key(email: str) -> str:
        return "cognito-email-otp:" + hashlib.sha256(email.encode()).hexdigest()

    def email_code_start(self, *, email: str, request=None) -> None:
        """Cognito mails the code itself (its message template; no link). Its ``Session``, which
        the answer must carry, waits in the cache (shared by every web process) until then."""
        email = canonical_email(email)
        params = self._with_secret(email, {"USERNAME": email, "PREFERRED_CHALLENGE": "EMAIL_OTP"}, key="SECRET_HASH")
        try:
            response = self.client.initiate_auth(ClientId=self.client_id, AuthFlow="USER_AUTH", AuthParameters=params)
        except ClientError as exc:
            if error_code(exc) not in SILENT_FOR_UNKNOWN:
                raise to_domain_error(exc) from exc
            logger.info("Cognito USER_AUTH: %s (not told to the caller)", error_code(exc))
            return
        except BotoCoreError as exc:
            raise to_domain_error(exc) from exc
        if response.get("ChallengeName") != "EMAIL_OTP":
            logger.warning("Cognito USER_AUTH answered %s, not EMAIL_OTP", response.get("ChallengeName"))
            return
        shared_cache.set(
            self._otp_key(email),
            {"session": response["Session"], "attempts": 0},
            settings.COGNITO_EMAIL_OTP_SESSION_SECONDS,
        )

    def email_code_verify(self, *, email: str, code: str = "", token: str = "", request=None) -> LoginResult:
        if token or not email or not code:
            raise invalid_code()  # Cognito's mail carries the code only
        email = canonical_email(email)
        key = self._otp_key(email)
        pending = shared_cache.get(key)
        if pending is None or pending["attempts"] >= EMAIL_OTP_MAX_ATTEMPTS:
            raise invalid_code()
        responses = self._with_secret(email, {"USERNAME": email, "EMAIL_OTP_CODE": str(code)}, key="SECRET_HASH")
        try:
            response = self.client.respond_to_auth_challenge(
                ClientId=self.client_id,
                ChallengeName="EMAIL_OTP",
                Session=pending["session"],
                ChallengeResponses=responses,
            )
        except ClientError as exc:
            if error_code(exc) in {"CodeMismatchException", "ExpiredCodeException", "NotAuthorizedException"}:
                pending["attempts"] += 1
                shared_cache.set(key, pending, settings.COGNITO_EMAIL_OTP_SESSION_SECONDS)
                raise invalid_code() from exc
            raise to_domain_error(exc) from exc
        except BotoCoreError as exc:
            raise to_domain_error(exc) from exc
        shared_cache.delete(key)  # single use
        return self._login_result(response)

    def end_session(self, *, user: User, session: str) -> None:
        """Cognito's refresh tokens are opaque and not kept here: the device's row, revoked,
        makes :meth:`refresh` refuse its session (and revoke that refresh token in Cognito)."""

    # --- linking, deletion, admin ---------------------------------------------------------

    def lookup(self, *, sub: str, access_token: str | None) -> ProviderUser | None:
        if not access_token:
            return None
        try:
            response = self.client.get_user(AccessToken=access_token)
        except ClientError as exc:
            logger.info("token for sub %s has no live Cognito account: %s", sub, error_code(exc))
            return None
        except BotoCoreError as exc:
            raise to_domain_error(exc) from exc
        attributes = {item["Name"]: item["Value"] for item in response.get("UserAttributes", [])}
        if attributes.get("sub", sub) != sub or not attributes.get("email"):
            return None
        return ProviderUser(
            sub=sub,
            email=attributes["email"],
            name=attributes.get("name", ""),
            email_verified=attributes.get("email_verified", "false") == "true",
        )

    def link(self, info: ProviderUser) -> User | None:
        return self._link(info)

    def _admin(self, operation: str, user: User, **params) -> None:
        try:
            getattr(self.client, operation)(UserPoolId=self.pool_id, Username=user.email, **params)
        except ClientError as exc:
            if error_code(exc) != "UserNotFoundException":
                raise to_domain_error(exc) from exc
        except BotoCoreError as exc:
            raise to_domain_error(exc) from exc

    def delete_account(self, *, user: User) -> None:
        self._admin("admin_delete_user", user)

    def admin_confirm(self, *, user: User) -> None:
        try:
            self.client.admin_confirm_sign_up(UserPoolId=self.pool_id, Username=user.email)
        except ClientError as exc:
            # Already confirmed is what we want.
            if error_code(exc) not in {"UserNotFoundException", "NotAuthorizedException"}:
                raise to_domain_error(exc) from exc

    def admin_disable(self, *, user: User) -> None:
        self._admin("admin_disable_user", user)
        self._admin("admin_user_global_sign_out", user)

    def admin_reset_mfa(self, *, user: User) -> None:
        self._admin(
            "admin_set_user_mfa_preference", user, SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False}
        )
