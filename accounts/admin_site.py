"""The admin site (``admin.site``, through ``accounts.apps.AdminConfig``): Django's, with a
sign-in that is slowed after failures and a second step by TOTP code.

Sign-in. The login form takes the email, the password and, for a staff member with a device,
the code from their authenticator app, in one post. Failures (wrong password, unknown email,
wrong code) count in :mod:`accounts.login_limits`, per account and per client IP, exactly as
the API's login does: past the free failures every attempt for that account or from that IP is
refused, right password or not, for a wait that doubles up to ``IDENTITY_LOGIN_MAX_DELAY_SECONDS``;
then the owner gets in. A refused attempt re-renders the form with the wait in words, answered
``429 Too Many Requests`` with ``Retry-After``.

Second step. With ``ADMIN_REQUIRE_MFA`` (on unless ``DEBUG``) a session reaches the admin only
once verified by a django-otp TOTP device (``request.user.is_verified()``, from
``django_otp.middleware.OTPMiddleware``). A staff member without a device signs in with the
password and is sent to the two-step page (``admin:two_step``) from every admin URL until they
have scanned its QR code and confirmed a code; the page is also where a verified staff member
sees that it is on. A superuser resets a lost device from the user admin (``reset_admin_mfa``
action), or anyone with shell access with ``manage.py reset_admin_mfa EMAIL``.
"""

from __future__ import annotations

from base64 import b32encode
from functools import update_wrapper

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from padmakara.admin_site import PadmakaraAdminSite
from padmakara.errors import DomainError

from . import login_limits, selectors, services
from .models import LocalCredentials
from .providers import canonical_email


def is_verified(user) -> bool:
    """The session passed the second step (False without OTPMiddleware, e.g. a bare request)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def _counted_email(typed: str) -> str:
    """The email failures are counted under: as the API's login counts it."""
    try:
        return canonical_email(typed)
    except DomainError:
        return typed.strip().lower()


def rate_limited_error(seconds: int) -> forms.ValidationError:
    message = ngettext(
        "Too many sign-in attempts. Wait %(seconds)d second and try again.",
        "Too many sign-in attempts. Wait %(seconds)d seconds and try again.",
        seconds,
    ) % {"seconds": seconds}
    return forms.ValidationError(message, code="rate_limited")


def _code_field(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=8,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}),
    )


class AdminLoginForm(AdminAuthenticationForm):
    """Email, password and, once two-step verification is set up, the current code."""

    otp_token = _code_field(_("Code from your authenticator app"))

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "otp_required": _("Two-step verification is on for this account: enter the code from your authenticator app."),
        "otp_invalid": _("The code is wrong or has expired: enter the current one from your authenticator app."),
    }

    retry_after: int | None = None

    def clean(self):
        email = _counted_email(self.cleaned_data.get("username") or "")
        if not email:
            return self.cleaned_data
        try:
            login_limits.check(email=email, request=self.request)
        except DomainError as exc:
            self.retry_after = exc.details["retry_after"]
            raise rate_limited_error(self.retry_after) from exc
        try:
            super().clean()  # the password, then active staff only (Django's checks and messages)
        except forms.ValidationError:
            login_limits.record_failure(email=email, request=self.request)
            raise
        user = self.user_cache
        if user is None:  # a field was left empty: its own error says so
            return self.cleaned_data
        device = selectors.admin_mfa_device(user)
        if device is not None:
            token = self.cleaned_data.get("otp_token") or ""
            if not token:
                raise forms.ValidationError(self.error_messages["otp_required"], code="otp_required")
            if not services.admin_mfa_verify(device=device, token=token):
                login_limits.record_failure(email=email, request=self.request)
                raise forms.ValidationError(self.error_messages["otp_invalid"], code="otp_invalid")
            # django_otp marks the session verified by this device when Django logs the user in.
            user.otp_device = device
        login_limits.clear(email=email)
        return self.cleaned_data


class CodeForm(forms.Form):
    otp_token = _code_field(_("Code from your authenticator app"))

    def clean_otp_token(self):
        token = self.cleaned_data["otp_token"]
        if not token:
            raise forms.ValidationError(_("Enter the six-digit code your authenticator app shows."), code="required")
        return token


class AdminSite(PadmakaraAdminSite):
    login_form = AdminLoginForm
    login_template = "admin/padmakara_login.html"

    def has_permission(self, request):
        return super().has_permission(request) and (not settings.ADMIN_REQUIRE_MFA or is_verified(request.user))

    def awaits_second_step(self, request) -> bool:
        """Signed in as active staff with the password, not yet verified, while it is required."""
        user = request.user
        return bool(settings.ADMIN_REQUIRE_MFA and user.is_active and user.is_staff and not is_verified(user))

    def admin_view(self, view, cacheable=False):
        """Django's check, but a staff member who still owes the second step is sent to the
        two-step page (and may sign out) instead of back to the login form."""
        guarded = super().admin_view(view, cacheable)

        def inner(request, *args, **kwargs):
            if not self.awaits_second_step(request):
                return guarded(request, *args, **kwargs)
            if request.path == reverse("admin:logout", current_app=self.name):
                return view(request, *args, **kwargs)
            return redirect_to_login(request.get_full_path(), reverse("admin:two_step", current_app=self.name))

        if not cacheable:
            inner = never_cache(inner)
        if not getattr(view, "csrf_exempt", False):
            inner = csrf_protect(inner)
        inner.admin_site = self  # type: ignore[attr-defined]
        return update_wrapper(inner, view)

    def index(self, request, extra_context=None):
        """The index, with the number of access requests waiting for an answer."""
        extra_context = dict(extra_context or {})
        if request.user.has_perm("accounts.change_accessrequest"):
            extra_context["pending_access_requests"] = selectors.pending_access_request_count()
        return super().index(request, extra_context)

    def get_urls(self):
        return [path("two-step/", self.two_step_view, name="two_step"), *super().get_urls()]

    @method_decorator(sensitive_post_parameters("password", "otp_token"))
    @login_not_required
    def login(self, request, extra_context=None):
        """Django's login view; a refused attempt (slowed) answers 429 with the form and its message."""
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if getattr(form, "retry_after", None):
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response

    @method_decorator(never_cache)
    @method_decorator(csrf_protect)
    @method_decorator(sensitive_post_parameters("otp_token"))
    @login_not_required
    def two_step_view(self, request):
        """Set up (QR code, then a code to confirm), enter the code, or see that it is on."""
        user = request.user
        if not (user.is_active and user.is_staff):
            return redirect_to_login(request.get_full_path(), reverse("admin:login", current_app=self.name))
        next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
            next_url = reverse("admin:index", current_app=self.name)
        device = selectors.admin_mfa_device(user)
        context = {
            **self.each_context(request),
            "title": _("Two-step verification"),
            "subtitle": None,
            "next": next_url,
            "required": settings.ADMIN_REQUIRE_MFA,
        }
        if not context["has_permission"]:  # still owes the second step: no list of the admin's models
            context.update(available_apps=[], is_nav_sidebar_enabled=False)
        if device is not None and is_verified(user):
            context.update(state="on", device=device)
            return TemplateResponse(request, "admin/two_step.html", context)

        enrolling = device is None
        if enrolling:
            device = services.admin_mfa_start(user=user)
        form = CodeForm(request.POST if request.method == "POST" else None)
        status, retry_after = 200, None
        if form.is_bound and form.is_valid():
            token = form.cleaned_data["otp_token"]
            try:
                login_limits.check(email=user.email, request=request)
            except DomainError as exc:
                retry_after = exc.details["retry_after"]
                form.add_error(None, rate_limited_error(retry_after))
                status = 429
            else:
                accepted = (
                    services.admin_mfa_confirm(device=device, token=token)
                    if enrolling
                    else services.admin_mfa_verify(device=device, token=token)
                )
                if accepted:
                    login_limits.clear(email=user.email)
                    request.session.cycle_key()  # more rights from here on: a new session id
                    django_otp.login(request, device)
                    return HttpResponseRedirect(next_url)
                login_limits.record_failure(email=user.email, request=request)
                form.add_error(
                    "otp_token",
                    _("The code is wrong or has expired: enter the current one from your authenticator app."),
                )
        context.update(state="enrol" if enrolling else "verify", form=form, device=device)
        if enrolling:
            secret = b32encode(device.bin_key).decode()
            context.update(
                secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
                otpauth_uri=device.config_url,
                qr_svg=mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=4)),
                app_mfa=LocalCredentials.objects.filter(user=user, mfa_enabled=True).exists(),
            )
        response = TemplateResponse(request, "admin/two_step.html", context, status=status)
        if retry_after:
            response["Retry-After"] = str(retry_after)
        return response
