"""Sign-in and the account (docs/compat-api.md "Accounts") over ``accounts.activation``, the
identity provider and ``accounts.services``."""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts import activation, selectors, services
from accounts.providers import get_provider
from padmakara.api.errors import APIError
from padmakara.api.throttles import (
    AccessRequestEmailThrottle,
    AccessRequestThrottle,
    AuthThrottle,
    EmailCodeEmailThrottle,
    EmailCodeThrottle,
)

from . import shapes
from .api import CompatView, no_content

MESSAGES = {
    "magic_link_sent": _("Check your email: open the link we sent to activate this device."),
    "already_activated": _("This device is already activated."),
    "approval_required": _("This email has no account yet: ask for access, and we will write once it is approved."),
    "approval_requested": _("Thank you: we will write to you once your request is answered."),
    "already_pending": _("A request for this email is already waiting for an answer."),
}


def message(status: str, data: dict) -> str:
    """The answer's message in the language the app sent (en or pt)."""
    language = data.get("language") if data.get("language") in ("en", "pt") else "en"
    with translation.override(language):
        return str(MESSAGES[status])


def user_body(user) -> dict:
    return shapes.user(user, group_names=selectors.user_group_names(user))


def token_body(result: activation.Activation) -> dict:
    tokens = result.tokens
    assert tokens is not None and result.user is not None
    return {
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "expires_in": tokens.expires_in,
        "user": user_body(result.user),
        "device": shapes.device(result.device) if result.device is not None else None,
    }


class AuthView(CompatView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthThrottle]

    def device_fields(self, data: dict) -> tuple[str, str, str]:
        fingerprint = data.get("device_fingerprint")
        if not isinstance(fingerprint, str) or not 8 <= len(fingerprint) <= 512:
            raise APIError("device_fingerprint is missing or malformed.", code="validation_error")
        name = data.get("device_name") if isinstance(data.get("device_name"), str) else ""
        platform = data.get("device_type") if isinstance(data.get("device_type"), str) else ""
        return fingerprint, name, platform

    @staticmethod
    def email(data: dict) -> str:
        email = data.get("email")
        if not isinstance(email, str) or "@" not in email or len(email) > 254:
            raise APIError("A valid email is required.", code="validation_error")
        return email.strip()


class RequestMagicLinkView(AuthView):
    throttle_classes = [EmailCodeThrottle, EmailCodeEmailThrottle]

    def post(self, request):
        data = self.body(request)
        email = self.email(data)
        fingerprint, name, platform = self.device_fields(data)

        def activate_url(token: str) -> str:
            return request.build_absolute_uri(reverse("compat:activate", kwargs={"token": token}))

        result = activation.request_link(
            email=email,
            fingerprint=fingerprint,
            device_name=name,
            platform=platform,
            activate_url=activate_url,
            request=request,
        )
        body = {"status": result.status, "message": message(result.status, data)}
        if result.tokens is not None:
            body.update(token_body(result))
        return Response(body)


class RequestApprovalView(AuthView):
    throttle_classes = [AccessRequestThrottle, AccessRequestEmailThrottle]

    def post(self, request):
        data = self.body(request)
        email = self.email(data)
        first_name, last_name = self.required(data, "first_name", "last_name")
        note = data.get("message") if isinstance(data.get("message"), str) else ""
        language = data.get("language") if data.get("language") in ("en", "pt") else "en"
        status = activation.request_approval(
            email=email,
            first_name=str(first_name)[:150],
            last_name=str(last_name)[:150],
            message=note[:2000],
            language=language,
        )
        return Response({"status": status, "message": message(status, data)})


class ActivateLinkView(AuthView):
    """The mailed link, opened in a browser: the device is activated, the app signs in by itself."""

    def get(self, request, token):
        row = activation.activate_link(token=token)
        language = row.user.language if row is not None else translation.get_language()
        with translation.override(language):
            html = render_to_string("compat/activated.html", {"activated": row is not None, "row": row})
        return HttpResponse(html, status=200 if row is not None else 410)


class DiscoverView(AuthView):
    def post(self, request):
        fingerprint, _name, _platform = self.device_fields(self.body(request))
        result = activation.discover(fingerprint=fingerprint, request=request)
        if result.tokens is None:
            return Response({"status": "not_activated"})
        return Response({"status": "activated", **token_body(result)})


class AutoActivateView(AuthView):
    def post(self, request):
        data = self.body(request)
        (token,) = self.required(data, "token")
        fingerprint, _name, _platform = self.device_fields(data)
        result = activation.auto_activate(token=str(token), fingerprint=fingerprint, request=request)
        if result.tokens is None:
            raise APIError("This link is invalid, expired or already used.", code="invalid_token", status_code=400)
        return Response(token_body(result))


class RefreshView(AuthView):
    def post(self, request):
        data = self.body(request)
        refresh = data.get("refreshToken") or data.get("refresh_token")
        if not isinstance(refresh, str) or not refresh:
            raise APIError("refreshToken is required.", code="validation_error")
        tokens = get_provider().refresh(refresh_token=refresh, request=request)
        services.device_refreshed(tokens=tokens)
        return Response(
            {
                "accessToken": tokens.access_token,
                "refreshToken": tokens.refresh_token or refresh,
                "expiresIn": tokens.expires_in,
            }
        )


class DeactivateView(CompatView):
    def post(self, request):
        fingerprint, _name, _platform = AuthView().device_fields(self.body(request))
        revoked = activation.deactivate(user=request.user, fingerprint=fingerprint)
        return Response({"success": True, "revoked": revoked})


class DeviceListView(CompatView):
    def get(self, request):
        return Response([shapes.device(device) for device in services.user_devices(request.user)])


PREFERENCES = {
    "language": ("language", ("en", "pt")),
    "contentLanguage": ("content_language", ("en", "pt", "en-pt")),
    "biometricEnabled": ("biometric_enabled", (True, False)),
    "notifications": ("notifications", (True, False)),
}


class UserView(CompatView):
    def get(self, request):
        return Response(user_body(request.user))

    def patch(self, request):
        data = self.body(request)
        preferences = data.get("preferences") or {}
        if not isinstance(preferences, dict):
            raise APIError("preferences must be an object.", code="validation_error")
        changes = {}
        for key, value in preferences.items():
            if key not in PREFERENCES:
                continue
            field, allowed = PREFERENCES[key]
            if value not in allowed or (isinstance(value, bool) != isinstance(allowed[0], bool)):
                raise APIError(f"preferences.{key} must be one of {list(allowed)}.", code="validation_error")
            changes[field] = value
        name = data.get("name") if isinstance(data.get("name"), str) else None
        user = services.user_update_profile(user=request.user, name=name, preferences=changes)
        return Response(user_body(user))


class UserDeleteView(CompatView):
    def delete(self, request):
        services.user_delete_account(user=request.user)
        return no_content()
