"""Signals media sends; the apps above it connect to them (media never imports them).

``transcript_text_ready`` is sent (after commit) when a transcript's page texts are
(re)written, so search can index them; it is defined by retreats, whose search listens to it,
and importable from here too. ``tracks_added`` is sent by ``uploads_save`` inside its
transaction when staff add tracks to a session, so the audience of a published gathering
hears of them (receivers: notifications); what they write commits or rolls back with the tracks.
"""

from django.dispatch import Signal

from retreats.signals import transcript_text_ready

tracks_added = Signal()  # kwargs: retreat_id, track_ids

__all__ = ["tracks_added", "transcript_text_ready"]
