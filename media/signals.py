"""Signals media sends. ``transcript_text_ready`` is sent (after commit) when a transcript's
page texts are (re)written, so search can index them; it is defined by retreats, whose search
listens to it, and importable from here too."""

from retreats.signals import transcript_text_ready

__all__ = ["transcript_text_ready"]
