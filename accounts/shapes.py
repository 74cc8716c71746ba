"""The Auth and User API's response shapes (docs/api.md "Auth", "User"): each declared once, built
from the user row, the provider's results (``accounts.providers``) or a device."""

from collections.abc import Callable
from dataclasses import dataclass

from rest_framework import serializers

from padmakara.api.formats import iso_datetime
from padmakara.api.shapes import Shape, WrapperShape, message_shape

from .models import Device as DeviceModel
from .models import User
from .providers import LoginResult as LoginResultRow
from .providers import MfaSetup as MfaSetupRow
from .providers import Tokens
from .selectors import UserExport

AuthMessage = message_shape("AuthMessage")


class Preferences(Shape):
    language = serializers.ChoiceField(choices=User.Language.choices)
    contentLanguage = serializers.ChoiceField(choices=User.ContentLanguage.choices)
    biometricEnabled = serializers.BooleanField()
    notifications = serializers.BooleanField()

    @classmethod
    def build(cls, user: User) -> dict:
        return {
            "language": user.language,
            "contentLanguage": user.content_language,
            "biometricEnabled": user.biometric_enabled,
            "notifications": user.notifications_enabled,
        }


class Subscription(Shape):
    status = serializers.ChoiceField(choices=["active", "inactive", "expired"])
    plan = serializers.CharField(allow_blank=True)
    expiresAt = serializers.DateTimeField(allow_null=True)

    @classmethod
    def build(cls, user: User) -> dict:
        return {
            "status": user.effective_subscription_status,
            "plan": user.subscription_plan,
            "expiresAt": iso_datetime(user.subscription_expires_at),
        }


class UserProfile(Shape):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    name = serializers.CharField()
    preferences = Preferences()
    subscription = Subscription()
    createdAt = serializers.DateTimeField()
    lastLogin = serializers.DateTimeField(allow_null=True)

    @classmethod
    def build(cls, user: User) -> dict:
        return {
            "id": str(user.uuid),
            "email": user.email,
            "name": user.name,
            "preferences": Preferences.build(user),
            "subscription": Subscription.build(user),
            "createdAt": iso_datetime(user.date_joined),
            "lastLogin": iso_datetime(user.last_login),
        }


# --- Profile sections -----------------------------------------------------------------------
# ``GET /user/profile`` lists more than the user row: what higher apps know of the listener (the
# access rule's grants and attendances, from retreats). accounts may not import those apps
# (tests/test_import_graph.py), so they register a section here from their AppConfig.ready().
# Only ``GET /user/profile`` builds the sections (``ListenerProfile``); the ``user`` embedded in
# login, MFA and ``PUT /user/profile`` answers is ``UserProfile`` alone and pays for none.


@dataclass(frozen=True)
class ProfileSection:
    name: str  # the key in the profile, as on the wire
    field: Callable[[], serializers.Field]  # its OpenAPI shape (a fresh field per call)
    build: Callable[[User], object]  # its body for one user (at most one query, please)


_profile_sections: dict[str, ProfileSection] = {}


def register_profile_section(
    name: str, *, field: Callable[[], serializers.Field], build: Callable[[User], object]
) -> None:
    """Add ``name`` to ``GET /user/profile``; registering a name again replaces it (reloads)."""
    if name in UserProfile._declared_fields:
        raise ValueError(f"{name!r} is a field of the user profile itself")
    _profile_sections[name] = ProfileSection(name, field, build)


def profile_sections() -> list[ProfileSection]:
    return list(_profile_sections.values())


class ListenerProfile(UserProfile):
    # ``UserProfile`` and the registered sections, in the order of registration.

    def get_fields(self):
        fields = super().get_fields()
        for section in profile_sections():
            fields[section.name] = section.field()
        return fields

    @classmethod
    def build(cls, user: User) -> dict:
        body = UserProfile.build(user)
        for section in profile_sections():
            body[section.name] = section.build(user)
        return body


class Registered(Shape):
    message = serializers.CharField()
    userId = serializers.UUIDField()

    @classmethod
    def build(cls, message, user: User) -> dict:
        return {"message": message, "userId": str(user.uuid)}


class LoginResult(Shape):
    accessToken = serializers.CharField(required=False)
    refreshToken = serializers.CharField(required=False)
    idToken = serializers.CharField(required=False)
    expiresIn = serializers.IntegerField(required=False)
    user = UserProfile(required=False)
    # Where MFA is on: the challenge to answer at /auth/login/mfa instead of tokens.
    challenge = serializers.CharField(required=False)
    session = serializers.CharField(required=False)

    @classmethod
    def build(cls, result: LoginResultRow) -> dict:
        if result.challenge:
            return {"challenge": result.challenge, "session": result.session}
        tokens = result.tokens
        return {
            "accessToken": tokens.access_token,
            "refreshToken": tokens.refresh_token,
            "idToken": tokens.id_token,
            "expiresIn": tokens.expires_in,
            "user": UserProfile.build(result.user),
        }


class RefreshResult(Shape):
    accessToken = serializers.CharField()
    idToken = serializers.CharField()
    expiresIn = serializers.IntegerField()
    refreshToken = serializers.CharField(required=False, help_text="Present when the refresh token rotated.")

    @classmethod
    def build(cls, tokens: Tokens) -> dict:
        body = {"accessToken": tokens.access_token, "idToken": tokens.id_token, "expiresIn": tokens.expires_in}
        if tokens.refresh_token:  # rotated: the client must keep the new one
            body["refreshToken"] = tokens.refresh_token
        return body


class MfaSetup(Shape):
    secret = serializers.CharField()
    otpauthUri = serializers.CharField()

    @classmethod
    def build(cls, setup: MfaSetupRow) -> dict:
        return {"secret": setup.secret, "otpauthUri": setup.otpauth_uri}


class ProfileUpdated(WrapperShape):
    message = serializers.CharField()
    user = UserProfile()


class Device(Shape):
    id = serializers.UUIDField()
    name = serializers.CharField(allow_blank=True)
    platform = serializers.ChoiceField(choices=DeviceModel.Platform.choices, allow_blank=True)
    pushToken = serializers.CharField(allow_null=True)
    appVersion = serializers.CharField(allow_blank=True)
    createdAt = serializers.DateTimeField()
    lastSeenAt = serializers.DateTimeField(allow_null=True)
    current = serializers.BooleanField(help_text="The device of the access token this request was made with.")

    @classmethod
    def build(cls, device: DeviceModel, *, current: str | None = None) -> dict:
        return {
            "id": str(device.uuid),
            "name": device.name,
            "platform": device.platform,
            "pushToken": device.push_token,
            "appVersion": device.app_version,
            "createdAt": device.created_at,
            "lastSeenAt": device.last_seen_at,
            "current": current is not None and device.session == current,
        }


class DeviceList(Shape):
    devices = Device(many=True)

    @classmethod
    def build(cls, devices, *, current: str | None = None) -> dict:
        return {"devices": [Device.build(device, current=current) for device in devices]}


def user_export(export: UserExport) -> dict:
    """``GET /user/export`` (no component: a free-form object): the profile, the account row
    and every personal record, keys turned to camelCase by the renderer."""
    return {"profile": UserProfile.build(export.user), "account": export.account, "records": export.records}
