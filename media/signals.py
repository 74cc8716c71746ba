"""Signals other areas listen to. ``transcript_text_ready`` is sent (after commit) when a
transcript's page texts are (re)written, so search can index them."""

from django.dispatch import Signal

transcript_text_ready = Signal()  # kwargs: transcript_id
