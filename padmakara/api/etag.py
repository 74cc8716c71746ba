"""ETag / If-None-Match for content responses, decided before any work is done.

The tag is a hash of a cheap version stamp (bumped whenever the catalogue changes) and of
everything else the body depends on (user access profile, language, query). A match
answers 304 without loading or rendering anything.
"""

import hashlib

from django.utils.http import parse_etags, quote_etag
from rest_framework import status
from rest_framework.response import Response


def make_etag(*parts) -> str:
    digest = hashlib.blake2b("|".join(str(part) for part in parts).encode(), digest_size=16).hexdigest()
    return quote_etag(digest)


def _opaque(tag: str) -> str:
    """The tag without its weakness mark and quotes: If-None-Match compares weakly (RFC 9110)."""
    return tag.removeprefix("W/").strip('"')


def not_modified(request, etag: str) -> Response | None:
    header = request.headers.get("If-None-Match")
    if not header:
        return None
    etags = parse_etags(header)
    if "*" in etags or _opaque(etag) in {_opaque(tag) for tag in etags}:
        response = Response(status=status.HTTP_304_NOT_MODIFIED)
        response["ETag"] = etag
        return response
    return None
