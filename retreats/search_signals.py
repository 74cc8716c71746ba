"""Queue search indexing once a change to a track or transcript commits. Connected from
RetreatsConfig.ready(). Rows written with ``update()`` or ``bulk_create()`` send no signal:
call :func:`schedule_transcript_indexing` after writing pages that way, or run
``manage.py rebuild_search_index``."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from . import tasks
from .models import Track, Transcript, TranscriptPage
from .signals import transcript_text_ready

TRACK_FIELDS = {"title", "description", "language"}
TRANSCRIPT_FIELDS = {"language"}
PAGE_FIELDS = {"text"}


def schedule_track_indexing(track_id: int) -> None:
    transaction.on_commit(partial(tasks.index_track_for_search.delay, track_id))


def schedule_transcript_indexing(transcript_id: int) -> None:
    transaction.on_commit(partial(tasks.index_transcript_for_search.delay, transcript_id))


def _touches(update_fields, fields: set[str]) -> bool:
    return update_fields is None or not fields.isdisjoint(update_fields)


@receiver(post_save, sender=Track)
def _track_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if not raw and _touches(update_fields, TRACK_FIELDS):
        schedule_track_indexing(instance.pk)


@receiver(post_save, sender=Transcript)
def _transcript_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    # The text pipeline saves its transcript when the pages are written: index them then.
    if not raw:
        schedule_transcript_indexing(instance.pk)


@receiver(post_save, sender=TranscriptPage)
def _page_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if not raw and _touches(update_fields, PAGE_FIELDS):
        schedule_transcript_indexing(instance.transcript_id)


@receiver(transcript_text_ready)
def _transcript_text_extracted(sender, transcript_id, **kwargs):
    # The media pipeline writes pages with bulk_create (no post_save), then sends this.
    schedule_transcript_indexing(transcript_id)
