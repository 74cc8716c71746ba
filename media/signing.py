"""Short-lived signed URLs for media: CloudFront signed where a key pair is configured, S3
presigned otherwise, and app-signed (served by :mod:`media.views`) on local storage."""

import datetime
import functools
import hmac
import math
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from . import storage as media_storage

# SigV4 presigned URLs cannot live longer than seven days.
MAX_EXPIRY_SECONDS = 7 * 24 * 3600
_SALT = "padmakara.media.local-url"


@dataclass(frozen=True)
class SignedURL:
    url: str
    expires_at: datetime.datetime


def expiry_seconds(duration: float = 0) -> int:
    """The configured lifetime, but never shorter than the talk plus 15 minutes: the player
    does not fetch a new URL in the middle of a talk (docs/api.md)."""
    floor = math.ceil(duration or 0) + settings.MEDIA_URL_MIN_MARGIN_SECONDS
    return min(max(settings.MEDIA_URL_EXPIRY_SECONDS, floor), MAX_EXPIRY_SECONDS)


def _local_signature(key: str, expires: int) -> str:
    return salted_hmac(_SALT, f"{key}\n{expires}", algorithm="sha256").hexdigest()


def verify_local(key: str, expires: str, signature: str, *, now: float | None = None) -> bool:
    try:
        expires_at = int(expires)
    except (TypeError, ValueError):
        return False
    if expires_at < (now if now is not None else timezone.now().timestamp()):
        return False
    return hmac.compare_digest(_local_signature(key, expires_at), signature or "")


@functools.lru_cache(maxsize=4)
def _cloudfront_key(pem: str):
    """Parsing an RSA key costs far more than signing with it: parse once per process."""
    from cryptography.hazmat.primitives import serialization

    return serialization.load_pem_private_key(pem.encode(), password=None)


def _cloudfront_url(object_key: str, expires_at: datetime.datetime) -> str:
    from botocore.signers import CloudFrontSigner
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    private_key = _cloudfront_key(settings.CLOUDFRONT_PRIVATE_KEY)

    def rsa_signer(message: bytes) -> bytes:
        # CloudFront signed URLs are RSA-SHA1 by definition of the service.
        return private_key.sign(message, padding.PKCS1v15(), hashes.SHA1())

    signer = CloudFrontSigner(settings.CLOUDFRONT_KEY_ID, rsa_signer)
    url = f"https://{settings.CLOUDFRONT_DOMAIN.rstrip('/')}/{quote(object_key)}"
    return signer.generate_presigned_url(url, date_less_than=expires_at)


def sign(key: str, *, expires_in: int, request=None, filename: str | None = None) -> SignedURL:
    """A URL that serves ``key`` (a storage name) without a token until it expires."""
    storage = default_storage
    now = timezone.now().replace(microsecond=0)
    expires_at = now + datetime.timedelta(seconds=expires_in)
    if media_storage.is_s3(storage):
        object_key = media_storage.s3_object_key(key, storage)
        if settings.CLOUDFRONT_DOMAIN:
            return SignedURL(_cloudfront_url(object_key, expires_at), expires_at)
        params = {"Bucket": media_storage.s3_bucket(storage), "Key": object_key}
        if filename:
            params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
        url = media_storage.s3_client(storage).generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)
        return SignedURL(url, expires_at)
    expires = int(expires_at.timestamp())
    path = reverse("media-file", kwargs={"key": key})
    query = {"expires": expires, "signature": _local_signature(key, expires)}
    if filename:
        query["filename"] = filename
    path = f"{path}?{urlencode(query)}"
    base = settings.MEDIA_PUBLIC_BASE_URL.rstrip("/")
    if base:
        return SignedURL(base + path, expires_at)
    return SignedURL(request.build_absolute_uri(path) if request is not None else path, expires_at)


def sign_bundle(bundle, *, request=None) -> SignedURL:
    """A ready bundle's ZIP, saved as ``padmakara-<id>.zip``, until the bundle expires (at most
    :data:`MAX_EXPIRY_SECONDS`)."""
    seconds = max(1, int((bundle.expires_at - timezone.now()).total_seconds()))
    return sign(
        bundle.file,
        expires_in=min(seconds, MAX_EXPIRY_SECONDS),
        request=request,
        filename=f"padmakara-{bundle.uuid}.zip",
    )
