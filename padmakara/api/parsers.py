import orjson
from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from .case import underscoreize
from .errors import APIError


def _too_large(limit: int) -> APIError:
    return APIError(
        f"The request body is larger than {limit} bytes.",
        code="request_too_large",
        status_code=413,
        details={"maxBytes": limit},
    )


class JSONParser(parsers.BaseParser):
    """JSON bodies with camelCase keys, handed to serializers in snake_case.

    A body over ``API_MAX_BODY_SIZE`` answers 413 ``request_too_large`` before any of it is
    parsed: a declared ``Content-Length`` over the limit is refused unread, and the stream is
    read one byte past the limit at most, so a body longer than it says is cut off too.
    """

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_SIZE
        request = (parser_context or {}).get("request")
        if request is not None:
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > limit:
                raise _too_large(limit)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise _too_large(limit)
        if not raw:
            return {}
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ParseError("The request body is not valid JSON.") from exc
        return underscoreize(data)
