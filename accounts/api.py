"""Auth and User API (docs/api.md "Auth", "User"): each view validates, calls one thing, responds with a shape."""

from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from padmakara.api.errors import APIError
from padmakara.api.inputs import validated
from padmakara.api.schema import error_responses
from padmakara.api.throttles import (
    AccessRequestEmailThrottle,
    AccessRequestThrottle,
    AuthThrottle,
    EmailCodeEmailThrottle,
    EmailCodeThrottle,
)

from . import keys, selectors, services, shapes
from .authentication import CognitoTokenAuthentication
from .models import Device, User
from .providers import get_provider
from .providers.local import LocalIdentityProvider

PASSWORD = {"trim_whitespace": False, "max_length": 256}


def _message(text, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(shapes.AuthMessage.build(text), status=status_code)


class PublicAuthView(APIView):
    """/auth/* endpoints that need no token: no authenticator runs, so a stale token sent
    along cannot turn a login or a refresh into 401."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (AuthThrottle,)


class TokenAuthView(APIView):
    """/auth/* endpoints that act on the caller's provider account: they need its access token."""

    authentication_classes = (CognitoTokenAuthentication,)
    permission_classes = (IsAuthenticated,)
    throttle_classes = (AuthThrottle,)


class SignInDeviceSerializer(serializers.Serializer):
    """The device a sign-in names: listed at ``GET /user/devices``, revoked there. Never a credential."""

    class Meta:
        ref_name = "SignInDeviceInput"

    name = serializers.CharField(max_length=100, allow_blank=True, default="")
    platform = serializers.ChoiceField(choices=Device.Platform.choices, allow_blank=True, default="")
    app_version = serializers.CharField(max_length=32, allow_blank=True, default="")


def _signed_in(result, data) -> Response:
    """A sign-in's answer; tokens (not an MFA challenge) record the device it named."""
    services.device_sign_in(result=result, device=data.get("device"))
    return Response(shapes.LoginResult.build(result))


class RegisterView(PublicAuthView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RegisterInput"

        name = serializers.CharField(max_length=150, allow_blank=True, default="")
        email = serializers.EmailField()
        password = serializers.CharField(**PASSWORD)

    @extend_schema(
        request=InputSerializer,
        responses={201: shapes.Registered, **error_responses(409)},
    )
    def post(self, request):
        data = validated(self.InputSerializer, request)
        user = get_provider().register(email=data["email"], password=data["password"], name=data["name"])
        message = _("Account created. Enter the code we emailed you to confirm your address.")
        return Response(shapes.Registered.build(message, user), status=status.HTTP_201_CREATED)


class VerifyEmailView(PublicAuthView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "VerifyEmailInput"

        email = serializers.EmailField()
        code = serializers.CharField(max_length=16)

    @extend_schema(request=InputSerializer, responses={200: shapes.AuthMessage})
    def post(self, request):
        data = validated(self.InputSerializer, request)
        get_provider().verify_email(email=data["email"], code=data["code"])
        return _message(_("Email confirmed. You can log in now."))


class ResendVerificationView(PublicAuthView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "EmailInput"

        email = serializers.EmailField()

    @extend_schema(request=InputSerializer, responses={202: shapes.AuthMessage})
    def post(self, request):
        data = validated(self.InputSerializer, request)
        get_provider().resend_verification(email=data["email"])
        return _message(
            _("If this email has an unconfirmed account, a new code is on its way."), status.HTTP_202_ACCEPTED
        )


class LoginView(PublicAuthView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "LoginInput"

        email = serializers.EmailField()
        password = serializers.CharField(**PASSWORD)
        device = SignInDeviceSerializer(required=False)

    @extend_schema(request=InputSerializer, responses={200: shapes.LoginResult, **error_responses(401, 403)})
    def post(self, request):
        data = validated(self.InputSerializer, request)
        result = get_provider().login(email=data["email"], password=data["password"], request=request)
        return _signed_in(result, data)


class LoginMfaView(PublicAuthView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "LoginMfaInput"

        email = serializers.EmailField()
        session = serializers.CharField(max_length=4096)
        code = serializers.CharField(max_length=16)
        device = SignInDeviceSerializer(required=False)

    @extend_schema(request=InputSerializer, responses={200: shapes.LoginResult, **error_responses(401, 403)})
    def post(self, request):
        data = validated(self.InputSerializer, request)
        result = get_provider().login_mfa(
            email=data["email"], session=data["session"], code=data["code"], request=request
        )
        return _signed_in(result, data)


class RefreshView(PublicAuthView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RefreshTokenInput"

        refresh_token = serializers.CharField(max_length=8192)

    @extend_schema(request=InputSerializer, responses={200: shapes.RefreshResult, **error_responses(401)})
    def post(self, request):
        data = validated(self.InputSerializer, request)
        tokens = get_provider().refresh(refresh_token=data["refresh_token"], request=request)
        services.device_refreshed(tokens=tokens)
        return Response(shapes.RefreshResult.build(tokens))


def _bearer(request) -> str | None:
    """The access token of an ``Authorization: Bearer`` header, if one came along."""
    scheme, _sep, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


class LogoutView(RefreshView):
    """Public like refresh (an expired access token must not stop a logout); the access token,
    when sent, is revoked with its session."""

    @extend_schema(request=RefreshView.InputSerializer, responses={200: shapes.AuthMessage})
    def post(self, request):
        data = validated(self.InputSerializer, request)
        services.auth_logout(refresh_token=data["refresh_token"], access_token=_bearer(request), request=request)
        return _message(_("Logged out."))


class ForgotPasswordView(ResendVerificationView):
    @extend_schema(request=ResendVerificationView.InputSerializer, responses={202: shapes.AuthMessage})
    def post(self, request):
        data = validated(self.InputSerializer, request)
        get_provider().forgot_password(email=data["email"])
        return _message(_("If this email has an account, a reset code is on its way."), status.HTTP_202_ACCEPTED)


class ResetPasswordView(PublicAuthView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ResetPasswordInput"

        email = serializers.EmailField()
        code = serializers.CharField(max_length=16)
        new_password = serializers.CharField(**PASSWORD)

    @extend_schema(request=InputSerializer, responses={200: shapes.AuthMessage})
    def post(self, request):
        data = validated(self.InputSerializer, request)
        get_provider().reset_password(email=data["email"], code=data["code"], new_password=data["new_password"])
        return _message(_("Password changed. Log in with your new password."))


class RequestAccessView(PublicAuthView):
    """Asking to join: a pending request for staff, no account yet (docs/api.md "Onboarding")."""

    throttle_classes = (AuthThrottle, AccessRequestThrottle, AccessRequestEmailThrottle)

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RequestAccessInput"

        email = serializers.EmailField()
        first_name = serializers.CharField(max_length=150)
        last_name = serializers.CharField(max_length=150)
        message = serializers.CharField(max_length=2000, allow_blank=True, default="")
        language = serializers.ChoiceField(choices=User.Language.choices, default=User.Language.EN)

    @extend_schema(request=InputSerializer, responses={202: shapes.AuthMessage, **error_responses(429)})
    def post(self, request):
        services.access_request_create(**validated(self.InputSerializer, request))
        # The same answer whether a request was created, one is pending, or the email has an account.
        return _message(_("Thank you. Staff will answer you by email."), status.HTTP_202_ACCEPTED)


class EmailCodeView(PublicAuthView):
    """Passwordless sign-in, first step: a one-time code (and link) by email."""

    throttle_classes = (AuthThrottle, EmailCodeThrottle, EmailCodeEmailThrottle)

    @extend_schema(
        request=ResendVerificationView.InputSerializer, responses={202: shapes.AuthMessage, **error_responses(429)}
    )
    def post(self, request):
        data = validated(ResendVerificationView.InputSerializer, request)
        services.auth_email_code_start(email=data["email"], request=request)
        return _message(_("If this email has an account, a sign-in code is on its way."), status.HTTP_202_ACCEPTED)


class EmailCodeVerifyView(PublicAuthView):
    """Passwordless sign-in, second step: the code (with the email) or the link's token."""

    throttle_classes = (AuthThrottle, EmailCodeThrottle, EmailCodeEmailThrottle)

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "EmailCodeVerifyInput"

        email = serializers.EmailField(required=False, default="")
        code = serializers.RegexField(r"^\d{6}$", required=False, default="")
        token = serializers.CharField(max_length=128, required=False, default="")
        device = SignInDeviceSerializer(required=False)

        def validate(self, attrs):
            if not attrs["token"] and not (attrs["email"] and attrs["code"]):
                raise serializers.ValidationError(
                    {"code": [_("Send the code with the email, or the token of the link.")]}
                )
            return attrs

    @extend_schema(request=InputSerializer, responses={200: shapes.LoginResult, **error_responses(429)})
    def post(self, request):
        data = validated(self.InputSerializer, request)
        result = get_provider().email_code_verify(
            email=data["email"], code=data["code"], token=data["token"], request=request
        )
        return _signed_in(result, data)


class ChangePasswordView(TokenAuthView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ChangePasswordInput"

        current_password = serializers.CharField(**PASSWORD)
        new_password = serializers.CharField(**PASSWORD)

    @extend_schema(request=InputSerializer, responses={200: shapes.AuthMessage, **error_responses(401)})
    def post(self, request):
        data = validated(self.InputSerializer, request)
        services.user_change_password(
            user=request.user,
            access_token=request.auth,
            current_password=data["current_password"],
            new_password=data["new_password"],
        )
        return _message(_("Password changed. Log in again with your new password."))


class MfaSetupView(TokenAuthView):
    class InputSerializer(serializers.Serializer):
        """While MFA is on, one of these proves the caller is the owner, not a stolen token."""

        class Meta:
            ref_name = "MfaSetupInput"

        code = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
        password = serializers.CharField(**PASSWORD, required=False, allow_blank=True, default="")

    @extend_schema(
        request=InputSerializer,
        responses={200: shapes.MfaSetup},
    )
    def post(self, request):
        data = validated(self.InputSerializer, request)
        setup = get_provider().mfa_setup(
            user=request.user, access_token=request.auth, code=data["code"], password=data["password"]
        )
        return Response(shapes.MfaSetup.build(setup))


class MfaVerifyView(TokenAuthView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MfaCodeInput"

        code = serializers.CharField(max_length=16)

    @extend_schema(request=InputSerializer, responses={200: shapes.AuthMessage})
    def post(self, request):
        data = validated(self.InputSerializer, request)
        get_provider().mfa_verify(user=request.user, access_token=request.auth, code=data["code"])
        return _message(_("Two-step verification is on from your next login."))


# --- User -------------------------------------------------------------------------------


class PreferencesSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=User.Language.choices, required=False)
    content_language = serializers.ChoiceField(choices=User.ContentLanguage.choices, required=False)
    biometric_enabled = serializers.BooleanField(required=False)
    notifications = serializers.BooleanField(required=False)


class ProfileView(APIView):
    # email, id and subscription are not fields here: a client sending them changes nothing.
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ProfileInput"

        name = serializers.CharField(max_length=150, allow_blank=True, required=False)
        preferences = PreferencesSerializer(required=False)

    @extend_schema(responses={200: shapes.ListenerProfile})
    def get(self, request):
        # The user and the sections higher apps register (shapes.register_profile_section).
        return Response(shapes.ListenerProfile.build(request.user), headers={"Cache-Control": "private, no-store"})

    @extend_schema(
        request=InputSerializer,
        responses={200: shapes.ProfileUpdated},
    )
    def put(self, request):
        user = services.user_update_profile(user=request.user, **validated(self.InputSerializer, request))
        return Response(shapes.ProfileUpdated.build(user, message=_("Profile updated.")))


class PreferencesView(APIView):
    @extend_schema(responses={200: shapes.Preferences})
    def get(self, request):
        return Response(shapes.Preferences.build(request.user))

    @extend_schema(request=PreferencesSerializer, responses={200: shapes.Preferences})
    def put(self, request):
        user = services.user_update_preferences(
            user=request.user, preferences=validated(PreferencesSerializer, request)
        )
        return Response(shapes.Preferences.build(user))


class AccountView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request):
        services.user_delete_account(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExportView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(
            shapes.user_export(selectors.user_export(request.user)),
            headers={
                "Cache-Control": "private, no-store",
                "Content-Disposition": 'attachment; filename="padmakara-export.json"',
            },
        )


class DeviceListView(APIView):
    @extend_schema(responses={200: shapes.DeviceList})
    def get(self, request):
        current = services.token_session(request.auth) if isinstance(request.auth, str) else None
        return Response(
            shapes.DeviceList.build(services.user_devices(request.user), current=current),
            headers={"Cache-Control": "private, no-store"},
        )

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "DeviceInput"

        platform = serializers.ChoiceField(choices=Device.Platform.choices)
        push_token = serializers.CharField(max_length=512)
        app_version = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={200: shapes.Device, 201: shapes.Device, **error_responses(409)})
    def post(self, request):
        session = services.token_session(request.auth) if isinstance(request.auth, str) else None
        device, created = services.device_register(
            user=request.user, session=session, **validated(self.InputSerializer, request)
        )
        return Response(shapes.Device.build(device), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class DeviceDetailView(APIView):
    @extend_schema(responses={204: None, **error_responses(404)})
    def delete(self, request, device_id):
        if not services.device_revoke(user=request.user, device_id=device_id):
            raise APIError(_("Not found."), code="not_found", status_code=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)


@require_GET
def jwks(request):
    """The local provider's public keys (no version prefix; Cognito publishes its own)."""
    if not isinstance(get_provider(), LocalIdentityProvider):
        return JsonResponse({"error": {"code": "not_found", "message": "Not found."}}, status=404)
    response = JsonResponse(keys.jwks())
    response["Cache-Control"] = "public, max-age=3600"
    return response
