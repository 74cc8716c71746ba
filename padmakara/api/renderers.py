import datetime
from decimal import Decimal

import orjson
from django.utils.functional import Promise
from rest_framework import renderers

from .case import camelize


def _default(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Promise):  # lazy translations
        return str(value)
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(data) -> bytes:
    return orjson.dumps(
        data, default=_default, option=orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC | orjson.OPT_NON_STR_KEYS
    )


class JSONRenderer(renderers.BaseRenderer):
    """orjson, with keys turned to camelCase.

    Views on the hot catalogue path build camelCase dicts themselves and set
    ``renders_camel_case = True`` so that the renderer does not walk thousands of tracks.
    """

    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        view = (renderer_context or {}).get("view")
        if not getattr(view, "renders_camel_case", False):
            data = camelize(data)
        return dumps(data)
