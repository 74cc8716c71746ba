"""What every compatibility view shares: flat errors, plain JSON keys, the token rules of
docs/compat-api.md "Conventions"."""

from django.http import HttpResponse
from rest_framework import exceptions, parsers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import CognitoTokenAuthentication
from padmakara.api import errors
from padmakara.api.throttles import AnonymousThrottle, ContentThrottle
from retreats.access import AccessProfile

flat = errors.flat_body


def exception_handler(exc, context):
    """v1's handler (statuses, Retry-After, 401 with WWW-Authenticate), its body made flat."""
    response = errors.exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and isinstance(response.data.get("error"), dict):
        error = response.data["error"]
        response.data = flat(error["code"], error["message"])
    return response


class BearerAuthentication(CognitoTokenAuthentication):
    """``Authorization: Bearer`` as v1; on public endpoints a bad or expired token is anonymous."""

    def authenticate(self, request):
        view = request.parser_context.get("view") if request.parser_context else None
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            if getattr(view, "public", False):
                return None
            raise


class QueryTokenAuthentication(BearerAuthentication):
    """The token as ``?token=`` too (the web app opens transcripts in an iframe)."""

    def get_jwt_token(self, request):
        token = super().get_jwt_token(request)
        if token is None and request.query_params.get("token"):
            return request.query_params["token"]
        return token


class PlainJSONParser(parsers.JSONParser):
    """Keys as the app sends them (its bodies mix camelCase and snake_case)."""


class CompatView(APIView):
    authentication_classes = [BearerAuthentication]
    parser_classes = [PlainJSONParser]
    throttle_classes = [ContentThrottle]
    renders_camel_case = True  # the bodies are built with their keys as the app reads them
    public = False

    def get_exception_handler(self):
        return exception_handler

    def profile(self, request) -> AccessProfile:
        return AccessProfile.for_user(request.user)

    @staticmethod
    def body(request) -> dict:
        if not isinstance(request.data, dict):
            raise errors.APIError("The body must be a JSON object.", code="validation_error")
        return request.data

    @staticmethod
    def required(data: dict, *names: str) -> list:
        missing = [name for name in names if data.get(name) in (None, "")]
        if missing:
            raise errors.APIError(f"Missing: {', '.join(missing)}.", code="validation_error")
        return [data[name] for name in names]

    @staticmethod
    def integer(value, name: str) -> int:
        if isinstance(value, bool):
            raise errors.APIError(f"{name} must be an integer.", code="validation_error")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise errors.APIError(f"{name} must be an integer.", code="validation_error") from None

    @staticmethod
    def number(value, name: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise errors.APIError(f"{name} must be a number.", code="validation_error")
        if value < 0 or value > 10 * 24 * 3600:
            raise errors.APIError(f"{name} is out of range.", code="validation_error")
        return float(value)


class PublicView(CompatView):
    permission_classes = [AllowAny]
    throttle_classes = [AnonymousThrottle, ContentThrottle]
    public = True


def not_found(message: str = "Not found.") -> errors.APIError:
    return errors.APIError(message, code="not_found", status_code=404)


def forbidden(message: str = "You do not have access to this content.", code: str = "forbidden") -> errors.APIError:
    return errors.APIError(message, code=code, status_code=403)


def no_content() -> Response:
    return Response(status=204)


def null() -> HttpResponse:
    """A JSON ``null`` body (the renderer writes an empty body for None)."""
    return HttpResponse(b"null", content_type="application/json")
