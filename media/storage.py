"""Where media lives: stable, readable keys per track, and streamed I/O on the default storage.

Keys never contain the uploader's filename (docs/field-notes.md: two sessions with ``001 Teaching.mp3``
overwrote each other). A track's key is built from its gathering, session, number, language
and title for people to read, and ends with the row's uuid, which alone makes it unique: the
readable parts can be shared by two rows over time (a track renumbered, then another given its
old number), and must never let one row's file land on another's. Transcripts end with their
own uuid the same way. :func:`move` never replaces an existing object either.

Keys stored before the uuid was added stay valid; only files adopted from then on get it.
"""

import hashlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath

from django.core.files import File
from django.core.files.storage import default_storage
from django.utils.text import slugify

CHUNK = 1024 * 1024

CONTENT_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".mp4": "audio/mp4",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".flac": "audio/flac",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
}


def _slug(text: str, fallback: str, limit: int = 60) -> str:
    return slugify(text)[:limit].strip("-") or fallback


def session_prefix(session) -> str:
    retreat = session.retreat
    return f"retreats/{_slug(retreat.slug, 'gathering', 120)}/{session.order:02d}-{_slug(session.name, 'session')}"


def track_stem(track) -> str:
    """``retreats/<gathering>/<nn>-<session>/<nnn>-<lang>-<title>-<uuid>`` without extension."""
    readable = f"{track.order:03d}-{track.language}-{_slug(track.title, 'track')}"
    return f"{session_prefix(track.session)}/{readable}-{track.uuid.hex}"


def extension_of(name: str, default: str = ".mp3") -> str:
    ext = PurePosixPath(name).suffix.lower()
    return ext if ext and len(ext) <= 5 and ext[1:].isalnum() else default


def track_audio_key(track, original_name: str) -> str:
    return f"{track_stem(track)}{extension_of(original_name)}"


def rendition_key(track, quality: str) -> str:
    return f"{track_stem(track)}.{quality}.m4a"


def transcript_key(transcript) -> str:
    return f"{track_stem(transcript.track)}.transcript-{transcript.language}-{transcript.uuid.hex}.pdf"


def bundle_key(bundle) -> str:
    return f"bundles/{bundle.uuid}.zip"


def content_type_for(name: str) -> str:
    return CONTENT_TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream")


def is_s3(storage=None) -> bool:
    storage = storage or default_storage
    return hasattr(storage, "bucket_name") and hasattr(storage, "connection")


def s3_client(storage=None):
    """The boto3 client behind django-storages (same endpoint, region and addressing style)."""
    storage = storage or default_storage
    return storage.connection.meta.client


def s3_bucket(storage=None) -> str:
    """The bucket an S3 storage writes to."""
    storage = storage or default_storage
    return storage.bucket_name


def s3_object_parameters(name: str, storage=None) -> dict:
    """The object parameters (encryption, cache control …) the storage sets on every upload."""
    storage = storage or default_storage
    return storage.get_object_parameters(name)


def s3_object_key(name: str, storage=None) -> str:
    """The object key in the bucket: the storage name under the configured prefix."""
    storage = storage or default_storage
    from storages.utils import clean_name

    return storage._normalize_name(clean_name(name))


def put_file(key: str, fileobj, *, storage=None) -> str:
    """Store ``fileobj`` at exactly ``key``, replacing what was there (the key is the track's own).

    django-storages uploads through boto3's managed transfer (multipart, bounded memory);
    the file system storage copies in chunks.
    """
    storage = storage or default_storage
    if storage.exists(key):
        storage.delete(key)
    saved = storage.save(key, File(fileobj, name=key))
    return saved


def iter_chunks(key: str, *, storage=None, chunk_size: int = CHUNK) -> Iterator[bytes]:
    """The object's bytes, ``chunk_size`` at a time, never the whole object in memory.

    On S3 the response body is streamed: django-storages' file object would first spool the
    whole object, in memory unless ``max_memory_size`` is set (bench/media.py saw a builder grow
    by the size of the file). A missing object raises FileNotFoundError, as on disk."""
    storage = storage or default_storage
    if is_s3(storage):
        from botocore.exceptions import ClientError

        try:
            response = s3_client(storage).get_object(Bucket=s3_bucket(storage), Key=s3_object_key(key, storage))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                raise FileNotFoundError(f"File does not exist: {key}") from exc
            raise
        body = response["Body"]
        try:
            yield from body.iter_chunks(chunk_size)
        finally:
            body.close()
        return
    with storage.open(key, "rb") as fh:
        while chunk := fh.read(chunk_size):
            yield chunk


@contextmanager
def local_copy(key: str, *, storage=None, suffix: str = ""):
    """A temporary file holding the object, plus its sha256 computed while copying.

    Yields ``(path, sha256_hex, size)``; the file is removed afterwards. Never holds the
    whole object in memory.
    """
    digest = hashlib.sha256()
    size = 0
    fd, path = tempfile.mkstemp(suffix=suffix or extension_of(key, ""), prefix="padmakara-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in iter_chunks(key, storage=storage):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        yield path, digest.hexdigest(), size
    finally:
        os.unlink(path)


def _another_name(target: str) -> str:
    """``target`` with a random part before its extension: ``a/b-3f9c1e07.mp3``."""
    path = PurePosixPath(target)
    return str(path.with_name(f"{path.stem}-{secrets.token_hex(4)}{path.suffix}"))


def move(source: str, target: str, *, storage=None) -> str:
    """Give an uploaded object its final key: a server-side copy on S3, a rename on disk.

    Never replaces an object: when ``target`` is taken (a file the row had before, or
    anything else), the object gets ``target`` with a random part added, and that key is
    returned. Callers store the returned key.
    """
    storage = storage or default_storage
    if source == target:
        return target
    if is_s3(storage):
        while storage.exists(target):
            target = _another_name(target)
        client = s3_client(storage)
        bucket = s3_bucket(storage)
        extra = dict(s3_object_parameters(target, storage))
        # Managed copy: multipart server-side copy for objects over 5 GB, no bytes through us.
        client.copy(
            {"Bucket": bucket, "Key": s3_object_key(source, storage)},
            bucket,
            s3_object_key(target, storage),
            ExtraArgs=extra or None,
        )
        client.delete_object(Bucket=bucket, Key=s3_object_key(source, storage))
        return target
    src = storage.path(source)
    while True:
        dst = storage.path(target)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        try:
            os.link(src, dst)  # fails if dst exists, where a rename would replace it
        except FileExistsError:
            target = _another_name(target)
            continue
        except OSError:  # no hard links here (another device, a file system without them)
            if os.path.lexists(dst):
                target = _another_name(target)
                continue
            shutil.move(src, dst)
            return target
        os.unlink(src)
        return target


@contextmanager
def writer(key: str, *, storage=None):
    """A binary file to write an object through; when the block ends cleanly the file becomes
    the object at ``key``. On S3 it is a temporary file streamed up afterwards (multipart);
    on disk it is written beside its final path and renamed, so there is no second copy."""
    storage = storage or default_storage
    if is_s3(storage):
        with tempfile.TemporaryFile(prefix="padmakara-") as tmp:
            yield tmp
            tmp.seek(0)
            put_file(key, tmp, storage=storage)
        return
    final = storage.path(key)
    os.makedirs(os.path.dirname(final), exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=os.path.dirname(final), prefix=".partial-")
    try:
        with os.fdopen(fd, "w+b") as fh:
            yield fh
        os.chmod(partial, 0o640)
        os.replace(partial, final)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
