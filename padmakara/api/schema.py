"""OpenAPI pieces shared by every app: the error envelope and the schema hooks."""

from rest_framework import serializers


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


def drop_trailing_slash_twins(endpoints, **kwargs):
    """PREPROCESSING_HOOK: every route also answers with a trailing slash (see
    ``slash_optional``); the document lists each operation once, without it."""
    return [endpoint for endpoint in endpoints if not (endpoint[0].endswith("/") and endpoint[0] != "/")]
