"""Outgoing mail of the whole project: transactional messages to one user, in their app
language (en or pt), through Django's email backend (console locally, locmem in tests, SES in
production with ``EMAIL_BACKEND=django_ses.SESBackend``).

:func:`send` renders ``emails/<language>/<name>.subject.txt``, ``.txt`` and ``.html`` and sends
one message; accounts (codes), media (bundle ready) and notifications (the digest, with its own
templates) all send through it. Callers inside a transaction send on commit, e.g.
``transaction.on_commit(lambda: mail.send_verification_code(user=user, code=code))``, so a
rolled-back change mails nobody.
"""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

LANGUAGES = ("en", "pt")


def _language(user) -> str:
    return user.language if getattr(user, "language", "en") in LANGUAGES else "en"


def send(*, user, template: str, context: dict) -> int:
    """Render ``template`` in the user's language and send it; returns what the backend returns (1 = sent)."""
    language = _language(user)
    context = {"user": user, "name": user.get_short_name(), "app_url": settings.APP_BASE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{language}/{template}.subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{language}/{template}.txt", context),
        to=[user.email],
        headers={"Content-Language": language},
    )
    message.attach_alternative(render_to_string(f"emails/{language}/{template}.html", context), "text/html")
    return message.send()


def send_verification_code(*, user, code: str) -> int:
    """The 6-digit code that confirms an email address (valid 24 hours)."""
    return send(user=user, template="verification", context={"code": code, "hours": 24})


def send_password_reset_code(*, user, code: str) -> int:
    """The 6-digit code that lets the user choose a new password (valid 1 hour)."""
    return send(user=user, template="password_reset", context={"code": code, "hours": 1})


def send_bundle_ready(*, user, bundle_url: str, size: int, expires_at: datetime.datetime, track_count: int) -> int:
    """The offline download the user asked for is ready."""
    return send(
        user=user,
        template="bundle_ready",
        context={
            "url": bundle_url,
            "size_mb": f"{size / 1_000_000:.0f}" if size >= 1_000_000 else f"{size / 1_000_000:.1f}",
            "expires_at": timezone.localtime(expires_at, timezone.get_fixed_timezone(0)),
            "track_count": track_count,
        },
    )


def app_link(path: str, **query) -> str:
    """A deep link the app opens (``APP_LINK_BASE``), e.g. ``padmakara://app/sign-in?email=…``."""
    return f"{settings.APP_LINK_BASE}/{path}" + (f"?{urlencode(query)}" if query else "")


def send_sign_in_code(*, user, code: str, token: str) -> int:
    """A one-time sign-in code and a link carrying a one-time token (either works once, 10 minutes)."""
    return send(
        user=user,
        template="sign_in_code",
        context={"code": code, "link": app_link("email-code", token=token), "minutes": 10},
    )


def send_access_request_received(*, access_request) -> int:
    """Staff will answer. It goes to an address nobody has proven: no text from the request in it."""
    return send(user=access_request, template="access_request_received", context={})


def send_access_request_approved(*, user) -> int:
    """The account exists: sign in with this address (the app sends a code)."""
    return send(user=user, template="access_request_approved", context={"link": app_link("sign-in", email=user.email)})


def send_access_request_declined(*, access_request) -> int:
    """A kind refusal, when staff choose to send one."""
    return send(user=access_request, template="access_request_declined", context={})


def send_device_activation(*, user, link: str, device_name: str, minutes: int) -> int:
    """A single-use link that activates the device the mobile app signs in on (docs/compat-api.md)."""
    return send(
        user=user, template="device_activation", context={"link": link, "device_name": device_name, "minutes": minutes}
    )
