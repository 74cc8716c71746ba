"""limit/offset pagination of docs/api.md: ``limit`` default 20, max 100; ``offset`` at most
``API_MAX_OFFSET``; ``totalCount``, ``hasMore``."""

from dataclasses import dataclass

from django.conf import settings

from .errors import APIError


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int

    def window(self, queryset_or_list):
        return queryset_or_list[self.offset : self.offset + self.limit]

    def meta(self, total_count: int) -> dict:
        return {"totalCount": total_count, "hasMore": self.offset + self.limit < total_count}


def int_param(request, name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise APIError(
            f"{name} must be a whole number.", code="validation_error", details={name: ["Must be a whole number."]}
        ) from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise APIError(f"{name} must be {bound}.", code="validation_error", details={name: [f"Must be {bound}."]})
    return value


def page_from(request) -> Page:
    """The requested window; out-of-range values answer 400 ``validation_error``."""
    return Page(
        limit=int_param(request, "limit", settings.API_PAGE_SIZE, minimum=1, maximum=settings.API_MAX_PAGE_SIZE),
        offset=int_param(request, "offset", 0, minimum=0, maximum=settings.API_MAX_OFFSET),
    )


def page_parameters():
    """``limit`` and ``offset`` for ``extend_schema(parameters=...)``, with the bounds that
    :func:`page_from` enforces, so the document does not invite a request it refuses."""
    from drf_spectacular.utils import OpenApiParameter

    return [
        OpenApiParameter(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": settings.API_MAX_PAGE_SIZE},
            description=f"Default {settings.API_PAGE_SIZE}, at most {settings.API_MAX_PAGE_SIZE}.",
        ),
        OpenApiParameter(
            "offset",
            {"type": "integer", "minimum": 0, "maximum": settings.API_MAX_OFFSET},
            description=f"Default 0, at most {settings.API_MAX_OFFSET}.",
        ),
    ]
