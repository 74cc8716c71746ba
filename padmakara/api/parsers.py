import orjson
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from .case import underscoreize


class JSONParser(parsers.BaseParser):
    """JSON bodies with camelCase keys, handed to serializers in snake_case."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        if not raw:
            return {}
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ParseError("The request body is not valid JSON.") from exc
        return underscoreize(data)
