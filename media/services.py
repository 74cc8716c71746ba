"""Media's services under their former names, for the callers outside media (retreats'
admin through media/admin.py, other apps' tests, bench). New code imports from the modules:

- ``media.processing``: tracks and transcripts (adopt a file, queue and run processing);
- ``media.bundles``: offline bundles (request, build, email, expire);
- ``media.jobs``: the job layer shared by the three (claims, give up, requeue);
- ``media.uploads``: uploads from the admin.
"""

from .bundles import (
    LIVE_BUNDLE,
    bundle_build,
    bundle_for,
    bundle_max_tracks,
    bundle_request,
    bundle_request_key,
    bundles_delete_expired,
)
from .jobs import MISSING_FILE, TRANSIENT_ERRORS, record_gave_up, requeue_waiting
from .processing import (
    track_adopt_file,
    track_process,
    track_queue_processing,
    transcript_adopt_file,
    transcript_process,
    transcript_queue_processing,
)
from .uploads import uploads_abort_stale

__all__ = [
    "LIVE_BUNDLE",
    "MISSING_FILE",
    "TRANSIENT_ERRORS",
    "bundle_build",
    "bundle_for",
    "bundle_max_tracks",
    "bundle_request",
    "bundle_request_key",
    "bundles_delete_expired",
    "record_gave_up",
    "requeue_waiting",
    "track_adopt_file",
    "track_process",
    "track_queue_processing",
    "transcript_adopt_file",
    "transcript_process",
    "transcript_queue_processing",
    "uploads_abort_stale",
]
