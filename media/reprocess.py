"""Staff asking for a track's or a transcript's media to be processed again (the admin's
"reprocess" action): the processing is queued as for a new file, and the request is audited."""

from django.utils.translation import gettext_noop

from padmakara.audit import audit, changes_since, values
from retreats.models import Track, Transcript

from . import processing


def media_reprocess(*, obj: Track | Transcript, user=None) -> bool:
    """Queue processing again for a track's audio or a transcript's PDF; False (nothing queued)
    when it has no file. ``user``: the staff member, named in the audit entry."""
    before = values(obj, ["processing_status" if isinstance(obj, Track) else "status", "processing_error"])
    if isinstance(obj, Track) and obj.audio_file:
        processing.track_queue_processing(track=obj)
    elif isinstance(obj, Transcript) and obj.pdf_file:
        processing.transcript_queue_processing(transcript=obj)
    else:
        return False
    audit(user=user, obj=obj, message=gettext_noop("Queued for processing again."), changes=changes_since(before, obj))
    return True
