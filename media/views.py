"""Local mode: serves app-signed media URLs, with HTTP Range support so players can seek.

In production media comes from S3 or CloudFront; this view only answers on local storage."""

import re

from django.core.files.storage import default_storage
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_http_methods

from padmakara.api.errors import envelope

from . import signing
from . import storage as media_storage

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


def _error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse(envelope(code, message), status=status)


def _stream(fh, start: int, length: int):
    try:
        fh.seek(start)
        remaining = length
        while remaining > 0:
            chunk = fh.read(min(media_storage.CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        fh.close()


def parse_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """``(start, end)`` inclusive for one satisfiable range, None for no/ignored header,
    False for an unsatisfiable one (416)."""
    match = _RANGE.match(header.strip()) if header else None
    if not match:
        return None  # absent, multi-range or malformed: RFC 9110 allows serving the whole file
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0:
            return False
        return max(0, size - suffix), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return False
    return start, end


@require_http_methods(["GET", "HEAD"])
def signed_file(request, key: str):
    if media_storage.is_s3() or ".." in key.split("/"):
        return _error("not_found", "Not found.", 404)
    if not signing.verify_local(key, request.GET.get("expires"), request.GET.get("signature")):
        return _error("permission_denied", "This link is invalid or has expired.", 403)
    if not default_storage.exists(key):
        return _error("not_found", "Not found.", 404)
    size = default_storage.size(key)
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Type": media_storage.content_type_for(key),
        "Cache-Control": "private, max-age=3600",
    }
    filename = _SAFE_FILENAME.sub("_", request.GET.get("filename", ""))[:200]
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    byte_range = parse_range(request.headers.get("Range", ""), size)
    if byte_range is False:
        return HttpResponse(status=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    start, end = byte_range or (0, size - 1)
    length = max(0, end - start + 1)
    status = 206 if byte_range else 200
    if byte_range:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(length)
    if request.method == "HEAD":
        return HttpResponse(status=status, headers=headers)
    return StreamingHttpResponse(
        _stream(default_storage.open(key, "rb"), start, length), status=status, headers=headers
    )
