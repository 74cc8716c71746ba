"""OpenAPI pieces shared by every app: the error envelope, request components and the schema hooks."""

import copy

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from .case import camel_key


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable snake_case code, e.g. validation_error, not_found, locked.")
    message = serializers.CharField()
    details = serializers.DictField(required=False)
    timestamp = serializers.DateTimeField()


class ErrorEnvelopeSerializer(serializers.Serializer):
    error = ErrorSerializer()

    class Meta:
        ref_name = "ErrorEnvelope"


def error_responses(*statuses: int) -> dict:
    """``responses`` entries for ``extend_schema``: the envelope for each status."""
    return dict.fromkeys(statuses, ErrorEnvelopeSerializer)


# The errors of a read (content, notifications): invalid parameters, no token, no such object, rate limited.
ERROR_RESPONSES = error_responses(400, 401, 404, 429)


_camel_components: dict[str, type[serializers.Serializer]] = {}


def camel_request(serializer_class, **kwargs):
    """The wire shape of an input serializer for OpenAPI: the same fields under camelCase names,
    one component per input class (``SyncEventInput`` → ``SyncEvent``, ``SyncEventRequest`` in the schema)."""
    name = serializer_class.__name__.removesuffix("Input")
    if name not in _camel_components:
        fields = {}
        for field_name, declared in serializer_class._declared_fields.items():
            field = copy.deepcopy(declared)
            if isinstance(field, serializers.Serializer):
                field = camel_request(type(field), required=field.required, allow_null=field.allow_null)
            elif isinstance(field, serializers.ListField) and isinstance(field.child, serializers.Serializer):
                field = camel_request(type(field.child), many=True)
            fields[camel_key(field_name)] = field
        _camel_components[name] = type(inline_serializer(name=name, fields=fields))
    return _camel_components[name](**kwargs)


def drop_trailing_slash_twins(endpoints, **kwargs):
    """PREPROCESSING_HOOK: every route also answers with a trailing slash (see
    ``slash_optional``); the document lists each operation once, without it."""
    return [endpoint for endpoint in endpoints if not (endpoint[0].endswith("/") and endpoint[0] != "/")]


def drop_unversioned_api(endpoints, **kwargs):
    """PREPROCESSING_HOOK: the document is API v1's; the mobile app's own API under ``/api/``
    (docs/compat-api.md) is documented there, not here."""
    return [
        endpoint
        for endpoint in endpoints
        if not (endpoint[0].startswith("/api/") and not endpoint[0].startswith("/api/v1"))
    ]


# Errors any operation can answer with, whatever its own annotations say: each in the
# envelope. Listed once here rather than on every view, so that a new view is documented too.
_GENERAL_ERRORS = {
    "400": "The request has invalid fields or is not valid JSON (validation_error, invalid_json).",
    "401": "The access token is missing (not_authenticated) or invalid or expired (invalid_token).",
    "404": "No such object, or not one of yours (not_found).",
    "413": "The JSON body is larger than API_MAX_BODY_SIZE (request_too_large).",
    "429": "Too many requests (rate_limited); Retry-After says when to try again.",
    "503": "A service the API depends on is unavailable for a moment (service_unavailable); retry.",
}


def _needs(status: str, operation: dict, has_path_params: bool) -> bool:
    if status == "400":
        return "requestBody" in operation or any(p.get("in") == "query" for p in operation.get("parameters", []))
    if status == "401":
        # drf-spectacular lists ``{}`` among the security requirements when no token is needed.
        return bool(operation.get("security")) and {} not in operation["security"]
    if status == "404":
        return has_path_params
    if status == "413":
        return "requestBody" in operation
    return True


def add_general_error_responses(result, generator, request, public):
    """POSTPROCESSING_HOOK: document the envelope for the errors every operation may answer."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorEnvelope" not in schemas:  # no view names it yet
        schemas["ErrorEnvelope"] = _ERROR_ENVELOPE_SCHEMA
    ref = {"$ref": "#/components/schemas/ErrorEnvelope"}
    for path, operations in result.get("paths", {}).items():
        has_path_params = "{" in path
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in _GENERAL_ERRORS.items():
                if status not in responses and _needs(status, operation, has_path_params):
                    responses[status] = {"content": {"application/json": {"schema": ref}}, "description": description}
    return result


_ERROR_ENVELOPE_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "object", "additionalProperties": {}},
                "timestamp": {"type": "string", "format": "date-time"},
            },
            "required": ["code", "message", "timestamp"],
        }
    },
    "required": ["error"],
}
