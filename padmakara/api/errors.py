"""The error envelope of docs/api.md: every error a client sees has this one shape.

``{"error": {"code", "message", "details"?, "timestamp"}}``. DRF exceptions pass through
:func:`exception_handler`; Django's own 404/500 on API paths through the handlers below.
"""

import logging
import sys

from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response

from padmakara.errors import DomainError

from .case import camelize
from .formats import now_iso

logger = logging.getLogger(__name__)

API_PREFIXES = ("/api/", "/.well-known/", "/health")


class APIError(exceptions.APIException):
    """An error with one of the stable envelope codes, raised by the API layer (views, parsers);
    services raise the domain errors of padmakara.errors, which map onto it."""

    def __init__(self, message: str, *, code: str, status_code: int = 400, details=None):
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.error_code = code
        self.details = details


# The HTTP status of each domain error code (padmakara.errors); any other code is a 400.
DOMAIN_STATUS = {
    "not_found": status.HTTP_404_NOT_FOUND,
    "locked": status.HTTP_403_FORBIDDEN,
    "permission_denied": status.HTTP_403_FORBIDDEN,
    "staff_account": status.HTTP_403_FORBIDDEN,
    "conflict": status.HTTP_409_CONFLICT,
    "not_ready": status.HTTP_409_CONFLICT,
    "file_unreadable": status.HTTP_409_CONFLICT,
    "rate_limited": status.HTTP_429_TOO_MANY_REQUESTS,
    "quota_exceeded": status.HTTP_429_TOO_MANY_REQUESTS,
    "request_too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "service_unavailable": status.HTTP_503_SERVICE_UNAVAILABLE,
    "provider_error": status.HTTP_502_BAD_GATEWAY,
    "invalid_credentials": status.HTTP_401_UNAUTHORIZED,
    "invalid_token": status.HTTP_401_UNAUTHORIZED,
    "email_not_verified": status.HTTP_403_FORBIDDEN,
    "password_reset_required": status.HTTP_403_FORBIDDEN,
    "email_taken": status.HTTP_409_CONFLICT,
    # A domain error is never our own bug: server_error from one is a service behind us failing.
    "server_error": status.HTTP_502_BAD_GATEWAY,
}


def from_domain(exc: DomainError) -> APIError:
    """The API's form of a domain error: its code, message and details, with the code's status."""
    return APIError(exc.message, code=exc.code, status_code=DOMAIN_STATUS.get(exc.code, 400), details=exc.details)


def envelope(code: str, message: str, details=None) -> dict:
    error = {"code": code, "message": message}
    if details:
        # Field names as the client sent them (camelCase), list indexes as strings.
        error["details"] = camelize(_string_keys(details))
    error["timestamp"] = now_iso()
    return {"error": error}


def _string_keys(data):
    if isinstance(data, dict):
        return {str(key): _string_keys(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_string_keys(item) for item in data]
    return data


def _flatten(detail):
    """DRF ErrorDetail trees → plain strings and lists, keyed by field."""
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


_CODES = {
    exceptions.ParseError: ("invalid_json", "The request body is not valid JSON."),
    exceptions.AuthenticationFailed: ("invalid_token", "The access token is invalid or expired."),
    exceptions.NotAuthenticated: ("not_authenticated", "Authentication credentials were not provided."),
    exceptions.PermissionDenied: ("permission_denied", "You do not have permission to do this."),
    exceptions.NotFound: ("not_found", "Not found."),
    exceptions.MethodNotAllowed: ("method_not_allowed", "Method not allowed."),
    exceptions.NotAcceptable: ("not_acceptable", "Cannot satisfy the Accept header."),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", "Send JSON (Content-Type: application/json)."),
    exceptions.Throttled: ("rate_limited", "Too many requests. Try again later."),
}


# The database is unreachable, restarting or refusing connections: the client may retry
# (503 + Retry-After), which a 500 does not tell it. Django drops the broken connection at
# the end of the request (CONN_HEALTH_CHECKS), so the next request reconnects by itself.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def service_unavailable_body() -> dict:
    return envelope("service_unavailable", "The service is unavailable for a moment. Try again shortly.")


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: map every exception to the envelope and the right status."""
    if isinstance(exc, DATABASE_UNAVAILABLE):
        logger.error("database unavailable: %s", exc.__class__.__name__, exc_info=exc)
        return Response(
            service_unavailable_body(),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, DomainError):
        exc = from_domain(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: Django's 500 handler answers with the envelope and logs it

    headers = {}
    details = None
    if isinstance(exc, APIError):
        code, message, details = exc.error_code, str(exc.detail), exc.details
        if code in {"rate_limited", "quota_exceeded"} and isinstance(details, dict) and "retry_after" in details:
            headers["Retry-After"] = str(details["retry_after"])
    elif isinstance(exc, exceptions.ValidationError):
        code, message = "validation_error", "The request has invalid fields."
        details = _flatten(exc.detail)
        if isinstance(details, list):
            details = {"nonFieldErrors": details}
    else:
        code, message = next(
            (value for cls, value in _CODES.items() if isinstance(exc, cls)),
            (exc.default_code if isinstance(exc.default_code, str) else "error", str(exc.detail)),
        )
        if isinstance(exc, exceptions.MethodNotAllowed | exceptions.NotFound) and isinstance(exc.detail, str):
            message = str(exc.detail)

    status_code = exc.status_code
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        # docs/api.md: a missing or bad token is always 401, never 403.
        status_code = status.HTTP_401_UNAUTHORIZED
        headers["WWW-Authenticate"] = "Bearer" if code == "not_authenticated" else 'Bearer error="invalid_token"'
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:  # type: ignore[attr-defined]  # set by DRF, missing from its stubs
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))  # type: ignore[attr-defined]
        details = {"retryAfter": int(headers["Retry-After"])}
    return Response(envelope(code, message, details), status=status_code, headers=headers)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def is_unversioned_api_path(path: str) -> bool:
    """``/api/`` outside ``/api/v1``: the mobile app's contract (docs/compat-api.md), whose errors are flat."""
    return path.startswith("/api/") and not (path.startswith("/api/v1/") or path == "/api/v1")


def flat_body(code: str, message: str) -> dict:
    """docs/compat-api.md's error object: ``{error, code}`` (and ``message``: the app shows ``message || error``)."""
    return {"error": message, "code": code, "message": message}


def _api_error(request, code: str, message: str, status: int) -> JsonResponse:
    if is_unversioned_api_path(request.path):
        return JsonResponse(flat_body(code, message), status=status)
    return JsonResponse(envelope(code, message), status=status)


def handler404(request, exception=None):
    if is_api_path(request.path):
        return _api_error(request, "not_found", "Not found.", 404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


@csrf_exempt  # a 404 for any method: CSRF has nothing to protect on a path that does nothing
def unknown_api_path(request):
    """The last API route: unknown paths answer the envelope even with DEBUG on (the
    quickstart), where Django would show its HTML technical 404 instead of ``handler404``."""
    return handler404(request)


def handler500(request):
    if is_api_path(request.path):
        # Raised outside a DRF view (a middleware, a plain view): still a 503, not a 500.
        if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
            response = JsonResponse(service_unavailable_body(), status=503)
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        return _api_error(request, "server_error", "Something went wrong on our side.", 500)
    from django.views.defaults import server_error

    return server_error(request)


def handler400(request, exception=None):
    if is_api_path(request.path):
        return _api_error(request, "bad_request", "Bad request.", 400)
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler403(request, exception=None):
    if is_api_path(request.path):
        return _api_error(request, "permission_denied", "Permission denied.", 403)
    from django.views.defaults import permission_denied

    return permission_denied(request, exception)
