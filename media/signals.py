"""Signals other areas listen to (media never imports the apps above it; they connect here).

``transcript_text_ready`` is sent (after commit) when a transcript's page texts are
(re)written, so search can index them. ``tracks_added`` is sent by ``uploads_save`` inside
its transaction when staff add tracks to a session, so the audience of a published gathering
hears of them (receivers: notifications); what they write commits or rolls back with the tracks.
"""

from django.dispatch import Signal

transcript_text_ready = Signal()  # kwargs: transcript_id
tracks_added = Signal()  # kwargs: retreat_id, track_ids
