"""Domain errors: what services and selectors raise when a rule of the domain refuses a
request. They know nothing of HTTP; the API layer (``padmakara.api.errors``) maps each code
to its status and the error envelope, and the admin shows the message to staff as it is.

Codes are the stable envelope codes of ``docs/api.md`` (``not_found``, ``locked``,
``conflict``, ``validation_error``, ``not_ready``, ``quota_exceeded``, ``invalid_code`` …); a
new code gets its status in ``padmakara.api.errors.DOMAIN_STATUS`` (400 when it has none).
"""


class DomainError(Exception):
    """A request the domain refuses, with a stable code and a message a person can read."""

    code = "validation_error"

    def __init__(self, message: str, *, code: str | None = None, details: dict | list | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def __str__(self) -> str:
        return str(self.message)  # a lazy translation becomes text in the active language


class NotFound(DomainError):
    code = "not_found"

    def __init__(self, message: str = "Not found.", **kwargs):
        super().__init__(message, **kwargs)


class Locked(DomainError):
    code = "locked"

    def __init__(self, message: str = "This content is not available with your access.", **kwargs):
        super().__init__(message, **kwargs)


class Conflict(DomainError):
    code = "conflict"


class QuotaExceeded(DomainError):
    """A per-user allowance is used up (offline bundles). ``limit`` names which one;
    ``retry_after`` (seconds) is given when the allowance frees at a known time."""

    code = "quota_exceeded"

    def __init__(self, message: str, *, limit: str, retry_after: int | None = None, **kwargs):
        details: dict = {"limit": limit}
        if retry_after is not None:
            details["retry_after"] = max(1, retry_after)
        super().__init__(message, details=details, **kwargs)
