"""Request input read through a serializer: the validated data, or the 400 envelope."""


def validated(serializer_class, request) -> dict:
    """``request.data`` validated by ``serializer_class``; a validation error answers 400, its
    details keyed as the client sent them (camelCase, list positions as strings)."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
